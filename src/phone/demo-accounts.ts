// The embedded registrar's demo accounts, offered by the server that serves this page (GET /demo/accounts:
// only while the registrar runs with its generated demo users, and only to a browser on the same machine).
// A click fills the account form; nothing is sent until Connect.
import { type AccountValues, fillAccount } from './account-form.js';

interface DemoAccounts {
  domain: string;
  port: number;
  accounts: { login: string; password: string }[];
}

function isDemoAccounts(v: unknown): v is DemoAccounts {
  const d = v as DemoAccounts;
  return (
    typeof d === 'object' &&
    d !== null &&
    typeof d.domain === 'string' &&
    typeof d.port === 'number' &&
    Array.isArray(d.accounts) &&
    d.accounts.every((a) => typeof a?.login === 'string' && typeof a?.password === 'string')
  );
}

/** Shows one button per demo account in `container` when the server offers them; silent when it does not. */
export async function offerDemoAccounts(container: HTMLElement, onPick: (values: Partial<AccountValues>) => void) {
  let demo: unknown;
  try {
    const res = await fetch(new URL('/demo/accounts', location.href), { headers: { accept: 'application/json' } });
    if (!res.ok) return;
    demo = await res.json();
  } catch (e) {
    console.info('parley phone: no demo accounts offered', e);
    return;
  }
  if (!isDemoAccounts(demo) || demo.accounts.length === 0) return;
  const domain = demo.port === 5060 ? demo.domain : `${demo.domain}:${demo.port}`;
  const label = document.createElement('p');
  label.textContent = `Demo accounts of this server's registrar (${domain}):`;
  const buttons = demo.accounts.map((a) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = a.login;
    b.setAttribute('aria-label', `Fill the form with demo account ${a.login}`);
    b.addEventListener('click', () => {
      const values: Partial<AccountValues> = {
        sipLogin: a.login,
        sipAuthenticationName: a.login,
        sipPassword: a.password,
        sipDomain: domain,
        sipOutboundProxy: '',
        sipPort: '',
        sipTransport: 'udp',
        sipRegisterRequired: true,
      };
      fillAccount(values);
      onPick(values);
    });
    return b;
  });
  container.replaceChildren(label, ...buttons);
  container.hidden = false;
}
