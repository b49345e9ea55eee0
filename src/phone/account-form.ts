// The account form: its fields, what it remembers (localStorage; the password only when asked), and the
// marks next to invalid fields. Field checks come from the SDK: the page shows the error the SDK raises,
// next to the field that error names, before anything is sent. The SDK's own grammar checks (its
// `sipUserProblem`, `isSipHostPort`) also mark a field while it is typed in.
import { isSipHostPort, sipUserProblem } from '../sdk/index.js';

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
  // Saved proxy settings are shown, not hidden in the fold.
  const fold = field('sipOutboundProxy').closest('details');
  if (fold && (field('sipOutboundProxy').value || field('sipPort').value)) fold.open = true;
}

export function saveAccount(values: AccountValues): void {
  const toSave: Partial<AccountValues> = { ...values };
  if (!values.rememberPassword) delete toSave.sipPassword;
  localStorage.setItem(STORAGE_KEY, JSON.stringify(toSave));
}

/** Marks one field invalid with a message beside it (ids `<field>Error`), and moves focus to it if asked. */
export function markField(id: string | undefined, message: string, focus = true): void {
  if (id === undefined) return;
  const el = document.getElementById(id);
  if (el instanceof HTMLInputElement || el instanceof HTMLSelectElement) {
    el.setAttribute('aria-invalid', 'true');
    // A marked field inside the folded "Outbound proxy and transport" must be seen.
    const fold = el.closest('details');
    if (fold) fold.open = true;
    if (focus) el.focus();
  }
  const note = document.getElementById(`${id}Error`);
  if (note) note.textContent = message;
}

function clearField(id: string): void {
  document.getElementById(id)?.removeAttribute('aria-invalid');
  const note = document.getElementById(`${id}Error`);
  if (note) note.textContent = '';
}

const LABELS: Record<string, string> = {
  sipLogin: 'The SIP login',
  sipAuthenticationName: 'The authentication name',
  sipDomain: 'The domain',
  sipOutboundProxy: 'The outbound proxy',
  sipPort: 'The port',
};

/** The problem with one account field's value in words, or undefined when it can be sent. */
export function fieldProblem(id: string, value: string): string | undefined {
  const v = id === 'sipPassword' ? value : value.trim();
  let problem: string | undefined;
  if (id === 'sipLogin') problem = sipUserProblem(v);
  else if (id === 'sipAuthenticationName' && v !== '') problem = sipUserProblem(v);
  else if (id === 'sipDomain')
    problem = isSipHostPort(v) ? undefined : 'must be a host name or IP address, with an optional :port';
  else if (id === 'sipOutboundProxy' && v !== '')
    problem = isSipHostPort(v) ? undefined : 'must be a host name or IP address, with an optional :port';
  else if (id === 'sipPort' && v !== '') {
    const n = Number(v);
    problem = Number.isInteger(n) && n >= 1 && n <= 65535 ? undefined : 'must be a port number 1-65535';
  }
  return problem === undefined ? undefined : `${LABELS[id] ?? id} ${problem}.`;
}

/** Checks one field now, marking or clearing it; `quietEmpty` leaves an empty field unmarked while typing. */
export function checkField(id: string, quietEmpty: boolean): boolean {
  const value = field(id).value;
  const problem = quietEmpty && value.trim() === '' ? undefined : fieldProblem(id, value);
  if (problem === undefined) {
    clearField(id);
    return true;
  }
  markField(id, problem, false);
  return false;
}

/** Every account field checked at once, before connecting; focus goes to the first invalid one. */
export function checkAccount(): boolean {
  let firstBad: string | undefined;
  for (const id of Object.keys(LABELS)) if (!checkField(id, false)) firstBad ??= id;
  if (firstBad) document.getElementById(firstBad)?.focus();
  return firstBad === undefined;
}

/** Marks fields as they are typed in (an empty field only once it is left). */
export function watchFields(): void {
  for (const id of Object.keys(LABELS)) {
    const el = field(id);
    el.addEventListener('input', () => checkField(id, true));
    el.addEventListener('blur', () => checkField(id, id !== 'sipLogin' && id !== 'sipDomain'));
  }
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
