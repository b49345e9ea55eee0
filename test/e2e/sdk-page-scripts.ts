// Scripts evaluated in a page served by Parley, driving the SDK as an application would. The session, the
// calls and every status they pass through are kept on `window` for the test to read:
//   window.P (the SDK module), window.session, window.call / window.incoming, window.remoteStream,
//   window.events ('out:<STATUS>' for the call placed, 'in:<STATUS>' for calls received).

/**
 * Registers `login` at `domain` and resolves with the REGISTERED or FAILED info. Incoming calls are kept
 * as window.incoming with their statuses in window.events.
 */
export const registerInPage = (domain: string, login = '1001', password = `pw${login}`) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  window.P = P;
  window.events = [];
  const session = P.createSession({ sipOptions: { login: '${login}', password: '${password}', domain: '${domain}' } });
  window.session = session;
  session.on(P.SESSION_STATUS.INCOMING_CALL, (call) => {
    window.incoming = call;
    for (const st of Object.values(P.CALL_STATUS)) call.on(st, () => window.events.push('in:' + st));
  });
  return await new Promise((resolve) => {
    session.on(P.SESSION_STATUS.REGISTERED, (i) => resolve(i));
    session.on(P.SESSION_STATUS.FAILED, (i) => resolve(i));
  });
})()`;

/** Calls `callee` (audio only) and resolves with the first of ESTABLISHED, FAILED, BUSY, FINISH (a CallResult). */
export const callInPage = (callee: string) => `(async () => {
  const P = window.P;
  const call = window.session.createCall({ callee: '${callee}', constraints: { audio: true, video: false } });
  window.call = call;
  window.remoteStream = call.getRemoteMediaStream();
  const started = performance.now();
  const settled = new Promise((resolve) => {
    for (const st of Object.values(P.CALL_STATUS)) call.on(st, () => window.events.push('out:' + st));
    for (const st of ['ESTABLISHED', 'FAILED', 'BUSY', 'FINISH']) call.on(st, () => resolve(st));
  });
  call.call();
  const status = await settled;
  return { status, info: call.getInfo(), setupMs: Math.round(performance.now() - started) };
})()`;

export interface CallResult {
  status: string;
  info: { sipStatus?: number; sipReason?: string };
  setupMs: number;
}

/**
 * Without a registrar: opens a session that does not register, calls the SIP URI `target` (audio only)
 * and resolves with every status the call went through (also kept as window.statuses) up to the first of
 * ESTABLISHED, FAILED, BUSY, FINISH.
 */
export const callUnregisteredInPage = (target: string) => `(async () => {
  const P = await import('/sdk/parley.mjs');
  const session = P.createSession({ sipOptions: { login: '1001', domain: '127.0.0.1', registerRequired: false } });
  await new Promise((resolve, reject) => {
    session.on(P.SESSION_STATUS.ESTABLISHED, resolve);
    session.on(P.SESSION_STATUS.FAILED, (i) => reject(new Error('FAILED ' + JSON.stringify(i))));
  });
  const call = session.createCall({ callee: '${target}', constraints: { audio: true, video: false } });
  window.call = call;
  window.statuses = [];
  const done = new Promise((resolve) => {
    for (const st of Object.values(P.CALL_STATUS)) call.on(st, () => { window.statuses.push(st); if (['ESTABLISHED', 'FAILED', 'BUSY', 'FINISH'].includes(st)) resolve(); });
  });
  call.call();
  await done;
  return window.statuses;
})()`;
