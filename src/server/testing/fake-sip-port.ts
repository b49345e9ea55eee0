// TEST DOUBLE of the SIP stack (src/sip): it implements SipPort without sending any SIP. It records what the
// server asked (REGISTER, INVITE, CANCEL/BYE, re-INVITE, REFER, INFO) and lets a test play the far side's
// answers (`progress`, `accept`, `fail`, `bye`, `incoming`...). Never used in production; the real stack is
// tested against real peers in test/e2e.
import type {
  SipAccount,
  SipAccountHandlers,
  SipAccountOptions,
  SipCall,
  SipCallHandlers,
  SipIncomingCall,
  SipIncomingRefer,
  SipInviteRequest,
  SipOutcome,
  SipOutgoingCallHandlers,
  SipPort,
} from '../ports.js';
import { Recorder } from './wait-for.js';

const OK: SipOutcome = { ok: true, status: 200, reason: 'OK' };
let nextId = 1;

export class FakeSipPort implements SipPort {
  readonly accounts = new Recorder<FakeSipAccount>();
  /** What `register()` resolves with. */
  registerOutcome: SipOutcome = OK;

  createAccount(options: SipAccountOptions, handlers: SipAccountHandlers): SipAccount {
    const account = new FakeSipAccount(this, options, handlers);
    this.accounts.push(account);
    return account;
  }
}

export class FakeSipAccount implements SipAccount {
  readonly options: SipAccountOptions;
  readonly handlers: SipAccountHandlers;
  readonly invites = new Recorder<FakeSipCall>();
  readonly log = new Recorder<string>();
  readonly #port: FakeSipPort;

  constructor(port: FakeSipPort, options: SipAccountOptions, handlers: SipAccountHandlers) {
    this.#port = port;
    this.options = options;
    this.handlers = handlers;
  }

  async register(): Promise<SipOutcome> {
    this.log.push('REGISTER');
    return this.#port.registerOutcome;
  }
  async unregister(): Promise<SipOutcome> {
    this.log.push('UNREGISTER');
    return OK;
  }
  invite(request: SipInviteRequest, handlers: SipOutgoingCallHandlers): SipCall {
    const call = new FakeSipCall(request, handlers);
    this.invites.push(call);
    return call;
  }
  async close(): Promise<void> {
    this.log.push('CLOSE');
  }

  /** The far side calls this account. */
  incoming(init: { caller?: string; displayName?: string; offer?: string }): FakeSipIncomingCall {
    const call = new FakeSipIncomingCall(init.caller ?? '1002', init.displayName ?? '', this.options.login, init.offer);
    this.handlers.onIncomingCall(call);
    return call;
  }
}

/** What the server did to a fake dialog. */
export type SipAction =
  | { kind: 'hangup' }
  | { kind: 'reinvite'; sdp: string }
  | { kind: 'refer'; target: string | { replaces: string } }
  | { kind: 'info'; digit: string }
  | { kind: 'ring' }
  | { kind: 'accept'; sdp: string }
  | { kind: 'reject'; status: number };

class FakeDialog {
  readonly callId = `fake-call-${nextId++}`;
  readonly actions = new Recorder<SipAction>();
  handlers: SipCallHandlers | undefined;
  established = false;
  /** The far side's answer to a re-INVITE. */
  reinviteOutcome: SipOutcome & { sdp?: string } = { ...OK, sdp: 'far-reanswer' };
  referOutcome: SipOutcome = { ok: true, status: 202, reason: 'Accepted' };

  get dialogId() {
    return this.established ? { callId: this.callId, localTag: 'l', remoteTag: 'r' } : undefined;
  }
  async reinvite(sdp: string) {
    this.actions.push({ kind: 'reinvite', sdp });
    return this.reinviteOutcome;
  }
  async refer(target: string | { replaces: SipCall }): Promise<SipOutcome> {
    this.actions.push({
      kind: 'refer',
      target: typeof target === 'string' ? target : { replaces: target.replaces.callId },
    });
    return this.referOutcome;
  }
  async sendInfoDtmf(digit: string): Promise<SipOutcome> {
    this.actions.push({ kind: 'info', digit });
    return OK;
  }
  /** The far side hangs up (BYE). */
  bye(): void {
    this.handlers?.onTerminated({});
  }
  /** The far side asks us to call `target` (REFER); resolves with the NOTIFYs sent. */
  refered(target: string): Recorder<string> {
    const notifies = new Recorder<string>();
    const refer: SipIncomingRefer = {
      target,
      replaces: undefined,
      notify: async (status, reason) => notifies.push(`${status} ${reason}`),
    };
    this.handlers?.onRefer(refer);
    return notifies;
  }
}

/** A fake INVITE we sent: the test plays the responses. */
export class FakeSipCall extends FakeDialog implements SipCall {
  readonly request: SipInviteRequest;
  #final = false;

  constructor(request: SipInviteRequest, handlers: SipOutgoingCallHandlers) {
    super();
    this.request = request;
    this.handlers = handlers;
  }
  get #h(): SipOutgoingCallHandlers {
    return this.handlers as SipOutgoingCallHandlers;
  }
  progress(status: number, reason: string, sdp?: string): void {
    this.#h.onProgress(status, reason, sdp);
  }
  accept(sdp = 'far-answer'): void {
    this.#final = true;
    this.established = true;
    this.#h.onAccepted(200, 'OK', sdp);
  }
  fail(status: number, reason: string): void {
    this.#final = true;
    this.#h.onFailed({ ok: false, status, reason });
  }
  /** CANCEL before a final response (the far side answers 487, RFC 3261 §9.1), BYE after. */
  async hangup(): Promise<void> {
    this.actions.push({ kind: 'hangup' });
    if (!this.#final) this.fail(487, 'Request Terminated');
  }
}

/** A fake INVITE from the far side. */
export class FakeSipIncomingCall extends FakeDialog implements SipIncomingCall {
  readonly caller: string;
  readonly callerDisplayName: string;
  readonly callee: string;
  readonly offer: string | undefined;
  /** The SDP of the ACK `accept` resolves with: the far side's answer to a late offer by default. */
  ackSdp: string | undefined;

  constructor(caller: string, displayName: string, callee: string, offer: string | undefined) {
    super();
    this.caller = caller;
    this.callerDisplayName = displayName;
    this.callee = callee;
    this.offer = offer;
    this.ackSdp = offer === undefined ? 'far-answer-in-ack' : undefined;
  }
  listen(handlers: SipCallHandlers): void {
    this.handlers = handlers;
  }
  async ring(): Promise<void> {
    this.actions.push({ kind: 'ring' });
  }
  async accept(sdp: string): Promise<SipOutcome & { sdp?: string }> {
    this.established = true;
    this.actions.push({ kind: 'accept', sdp });
    return this.ackSdp === undefined ? OK : { ...OK, sdp: this.ackSdp };
  }
  async reject(status: number): Promise<void> {
    this.actions.push({ kind: 'reject', status });
  }
  async hangup(): Promise<void> {
    this.actions.push({ kind: 'hangup' });
  }
  /** The far side gives up before an answer (CANCEL, RFC 3261 §9.2). */
  cancel(): void {
    this.handlers?.onTerminated({ status: 487, reason: 'Request Terminated' });
  }
}
