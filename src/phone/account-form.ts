// The account form: its fields, what it remembers (localStorage; the password only when asked), and the
// marks next to invalid fields. Field checks come from the SDK: the page shows the error the SDK raises,
// next to the field that error names, before anything is sent.

export interface AccountValues {
  urlServer: string;
  sipLogin: string;
  sipAuthenticationName: string;
  sipPassword: string;
  sipDomain: string;
  sipOutboundProxy: string;
  sipPort: string;
  sipTransport: string;
  sipRegisterRequired: boolean;
  rememberPassword: boolean;
}

const STORAGE_KEY = 'parley.phone.account';
const TEXT_FIELDS = [
  'urlServer',
  'sipLogin',
  'sipAuthenticationName',
  'sipPassword',
  'sipDomain',
  'sipOutboundProxy',
  'sipPort',
  'sipTransport',
] as const;

function field(id: string): HTMLInputElement | HTMLSelectElement {
  const el = document.getElementById(id);
  if (!(el instanceof HTMLInputElement || el instanceof HTMLSelectElement)) throw new Error(`missing field #${id}`);
  return el;
}

function checkbox(id: string): HTMLInputElement {
  const el = document.getElementById(id);
  if (!(el instanceof HTMLInputElement)) throw new Error(`missing checkbox #${id}`);
  return el;
}

export function readAccount(): AccountValues {
  const v = Object.fromEntries(TEXT_FIELDS.map((id) => [id, field(id).value.trim()])) as Record<
    (typeof TEXT_FIELDS)[number],
    string
  >;
  // The password is taken as typed: spaces may be part of it.
  v.sipPassword = field('sipPassword').value;
  return {
    ...v,
    sipRegisterRequired: checkbox('sipRegisterRequired').checked,
    rememberPassword: checkbox('rememberPassword').checked,
  };
}

export function fillAccount(values: Partial<AccountValues>): void {
  for (const id of TEXT_FIELDS) {
    const value = values[id];
    if (typeof value === 'string') field(id).value = value;
  }
  if (typeof values.sipRegisterRequired === 'boolean')
    checkbox('sipRegisterRequired').checked = values.sipRegisterRequired;
  if (typeof values.rememberPassword === 'boolean') checkbox('rememberPassword').checked = values.rememberPassword;
}

export function restoreAccount(defaultUrl: string): void {
  fillAccount({ urlServer: defaultUrl });
  const raw = localStorage.getItem(STORAGE_KEY);
  if (!raw) return;
  try {
    const saved: unknown = JSON.parse(raw);
    if (saved && typeof saved === 'object') fillAccount(saved as Partial<AccountValues>);
  } catch (e) {
    console.warn('parley phone: ignoring unreadable saved account', e);
    localStorage.removeItem(STORAGE_KEY);
  }
}

export function saveAccount(values: AccountValues): void {
  const toSave: Partial<AccountValues> = { ...values };
  if (!values.rememberPassword) delete toSave.sipPassword;
  localStorage.setItem(STORAGE_KEY, JSON.stringify(toSave));
}

/** Marks one field invalid with a message beside it (ids `<field>Error`), or clears every mark. */
export function markField(id: string | undefined, message: string): void {
  if (id === undefined) return;
  const el = document.getElementById(id);
  if (el instanceof HTMLInputElement || el instanceof HTMLSelectElement) {
    el.setAttribute('aria-invalid', 'true');
    el.focus();
  }
  const note = document.getElementById(`${id}Error`);
  if (note) note.textContent = message;
}

export function clearMarks(): void {
  for (const el of document.querySelectorAll('[aria-invalid="true"]')) el.removeAttribute('aria-invalid');
  for (const el of document.querySelectorAll('.field-error')) el.textContent = '';
}

/** The SDK's field names (sipOptions.login) mapped to the form's ids (sipLogin). */
export function formFieldFor(sdkField: string | undefined): string | undefined {
  if (!sdkField) return undefined;
  const last = sdkField.split('.').pop() ?? sdkField;
  const map: Record<string, string> = {
    login: 'sipLogin',
    authenticationName: 'sipAuthenticationName',
    password: 'sipPassword',
    domain: 'sipDomain',
    outboundProxy: 'sipOutboundProxy',
    port: 'sipPort',
    transport: 'sipTransport',
    urlServer: 'urlServer',
    callee: 'callee',
  };
  return map[last] ?? (document.getElementById(last) ? last : undefined);
}
