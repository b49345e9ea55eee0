// The two narrow interfaces through which the server drives the SIP stack (src/sip) and the media plane
// (src/media). Sessions and calls depend only on these, so that they are unit-tested with test doubles
// (src/server/testing/) and wired to the real user agent and media plane in src/server/wiring/.
//
// Everything is asynchronous and carries only strings, numbers and plain objects: the media plane can move
// into worker threads (ARCHITECTURE.md) and the SIP stack into its own process without these changing.
//
//   browser ──WS──▶ Session ──▶ Call ──SipCall──▶ SipPort (REGISTER, INVITE, re-INVITE, REFER, INFO, BYE)
//                                  └──MediaSession──▶ MediaPort (WebRTC leg ⇄ RTP leg)

import type { IceCandidate } from '../protocol/common.js';

// ─── SIP ───────────────────────────────────────────────────────────────────────────────────────────────────

/** The final outcome of a SIP request: the status line of its final response. */
export type SipOutcome = SipSuccess | SipFailure;
export interface SipSuccess {
  ok: true;
  status: number;
  reason: string;
}
/**
 * A final non-2xx response, or what the stack reports instead of one: 408 "Request Timeout" when Timer B/F
 * fires (RFC 3261 §8.1.3.1), 503 "Service Unavailable" on a transport error (§8.1.3.1), 401/407 left
 * after one authentication attempt with the given credentials.
 */
export interface SipFailure {
  ok: false;
  status: number;
  reason: string;
}

/** A SIP account as the browser gave it (validated by the session: user names follow RFC 3261 §25.1). */
export interface SipAccountOptions {
  /** The session that owns the account, for logs. */
  sessionId: string;
  /** User part of the address-of-record `sip:login@domain` (RFC 3261 §10.2, To/From). */
  login: string;
  /** Digest username (RFC 7616 §3.4); the login when the browser gave none. */
  authenticationName: string;
  password: string;
  /** Host (and optional `:port`) of the address-of-record and of the REGISTER Request-URI. */
  domain: string;
  /** Where requests go first (RFC 3261 §8.1.2, a pre-existing route set); `host[:port]`. */
  outboundProxy?: string;
  /** Port of the outbound proxy, or of the domain when there is no proxy (default 5060, 5061 for TLS). */
  port?: number;
  transport: 'udp' | 'tcp' | 'tls';
  /** display-name of From (RFC 3261 §20.20). */
  displayName?: string;
}

export interface SipPort {
  /** A new account; nothing is sent until `register()` or `invite()`. */
  createAccount(options: SipAccountOptions, handlers: SipAccountHandlers): SipAccount;
}

export interface SipAccountHandlers {
  /**
   * A new INVITE for this account's contact (RFC 3261 §13.3). The UA has sent 100 Trying; the server answers
   * with `ring`, `accept` or `reject`, after installing handlers with `listen`.
   */
  onIncomingCall(call: SipIncomingCall): void;
  /** A registration refresh failed after the account had been registered: the binding is gone. */
  onRegistrationLost(failure: SipFailure): void;
}

export interface SipAccount {
  /**
   * Sends REGISTER (RFC 3261 §10.2), answering one digest challenge (RFC 7616), and resolves with the final
   * outcome (403 after a wrong password; 408 when the registrar never answers). On success the UA refreshes
   * the binding before it expires until `unregister()` or `close()`.
   */
  register(): Promise<SipOutcome>;
  /** REGISTER with `Expires: 0` for this contact (RFC 3261 §10.2.2); stops the refreshes. */
  unregister(): Promise<SipOutcome>;
  /** Starts an INVITE client transaction at once (the promise-free return lets CANCEL follow immediately). */
  invite(request: SipInviteRequest, handlers: SipOutgoingCallHandlers): SipCall;
  /** Ends every call of the account (CANCEL or BYE), unregisters it when registered. Idempotent. */
  close(): Promise<void>;
}

export interface SipInviteRequest {
  /**
   * The callee as the user gave it and the session checked it (`calleeProblem` of src/protocol): a number or
   * user (the account makes it `sip:<user>@<domain>`), `user@host`, or a `sip:`/`sips:` URI.
   */
  target: string;
  /** The SDP offer for the INVITE body (from `MediaSession.offerFromWebRtc`). */
  sdp: string;
  displayName?: string;
  /** Extension headers (`X-...`) to add to the INVITE. */
  headers?: Record<string, string>;
  /** RFC 3891: the INVITE replaces this dialog (attended transfer we were asked to do, via REFER). */
  replaces?: { callId: string; toTag: string; fromTag: string };
}

/** Events of an established or early dialog, whichever side created it. */
export interface SipCallHandlers {
  /**
   * The dialog ended without us asking: BYE received (RFC 3261 §15.1.2), or CANCEL of an incoming call not yet
   * answered (§9.2: `status` 487), or the dialog was lost (408/481 to an in-dialog request, §12.2.1.2).
   */
  onTerminated(info: { status?: number; reason?: string }): void;
  /**
   * A re-INVITE or UPDATE from the peer (RFC 3261 §14.2), with its offer; resolve with our answer (from
   * `MediaSession.reofferFromRtp`), or reject for a 488. `undefined` offer: the peer wants our offer.
   */
  onReinvite(offer: string | undefined): Promise<string>;
  /** A REFER in this dialog (RFC 3515), already answered with 202 Accepted. */
  onRefer(refer: SipIncomingRefer): void;
  /** A DTMF digit by SIP INFO (`application/dtmf-relay`), already answered with 200. */
  onInfoDtmf(digit: string, durationMs: number): void;
  /** The NOTIFY progress of a REFER we sent (RFC 3515 §2.4.5: the sipfrag's status line). */
  onReferProgress(status: number, reason: string): void;
}

/** Events of an INVITE we sent, before and at its final response. */
export interface SipOutgoingCallHandlers extends SipCallHandlers {
  /** A provisional response (RFC 3261 §13.2.2.1), with its SDP when there is one (early media). */
  onProgress(status: number, reason: string, sdp: string | undefined): void;
  /** The 2xx (ACK sent by the UA, §13.2.2.4), with the answer SDP. */
  onAccepted(status: number, reason: string, sdp: string | undefined): void;
  /** A final non-2xx, or 408 when Timer B fires (§17.1.1.2), or 503 on a transport error. */
  onFailed(failure: SipFailure): void;
}

/** One dialog (or early dialog) of a call, from either side. */
export interface SipCall {
  /** The Call-ID header of the dialog (RFC 3261 §20.8). */
  readonly callId: string;
  /** The dialog id for a Replaces header (RFC 3891 §3), once the dialog exists. */
  readonly dialogId: { callId: string; localTag: string; remoteTag: string } | undefined;
  /**
   * Ends the call in any state: CANCEL before a final response to our INVITE (§9.1), BYE once established
   * (§15.1.1), 487 to an incoming INVITE not yet answered. Idempotent; resolves when the peer answered or gave up.
   */
  hangup(): Promise<void>;
  /** Sends a re-INVITE with `sdp` (hold, unhold: RFC 3264 §8.4) and resolves with the outcome and answer. */
  reinvite(sdp: string): Promise<SipOutcome & { sdp?: string }>;
  /**
   * REFER (RFC 3515): blind to `target` (a number or URI), or attended with `replaces` the other call's dialog
   * (RFC 3891). Resolves with the REFER's own response; progress follows in `onReferProgress`.
   */
  refer(target: string | { replaces: SipCall }): Promise<SipOutcome>;
  /** One digit by INFO (`application/dtmf-relay`: `Signal=` and `Duration=`). */
  sendInfoDtmf(digit: string, durationMs: number): Promise<SipOutcome>;
}

/** An INVITE received for the account. */
export interface SipIncomingCall extends SipCall {
  /** The caller's user (From URI user part, or the whole URI when it has none). */
  readonly caller: string;
  /** From display-name, or empty. */
  readonly callerDisplayName: string;
  /** The Request-URI's user part. */
  readonly callee: string;
  /**
   * The SDP offer of the INVITE; undefined for an INVITE without a body (a late offer, RFC 3261 §13.2.1: our
   * offer goes in the 200 OK and the answer comes in the ACK).
   */
  readonly offer: string | undefined;
  /** Installs the dialog's handlers; called once, before `ring`/`accept`/`reject`. */
  listen(handlers: SipCallHandlers): void;
  /** 180 Ringing, or 183 Session Progress with `sdp` for early media (RFC 3261 §13.3.1.1, RFC 3262 not used). */
  ring(sdp?: string): Promise<void>;
  /**
   * 200 OK with the answer (or our offer, for a late offer); resolves `ok` when the ACK arrives, with the ACK's
   * SDP when it has one (the answer to a late offer, RFC 3264 §5), 408 when Timer H fires (§13.3.1.4).
   */
  accept(sdp: string): Promise<SipOutcome & { sdp?: string }>;
  /** A final non-2xx response: 486 Busy Here, 603 Decline, 488 Not Acceptable Here... */
  reject(status: number, reason?: string): Promise<void>;
}

/** A REFER received in a dialog (RFC 3515 §2.4.2): the server calls `target` and reports with `notify`. */
export interface SipIncomingRefer {
  /** The Refer-To URI. */
  readonly target: string;
  /** RFC 3891: the Replaces of the Refer-To, for an attended transfer. */
  readonly replaces: SipInviteRequest['replaces'];
  /** A NOTIFY with `message/sipfrag` `SIP/2.0 <status> <reason>` (RFC 3515 §2.4.5); final when status ≥ 200. */
  notify(status: number, reason: string): Promise<void>;
}

// ─── Media ─────────────────────────────────────────────────────────────────────────────────────────────────

/** RFC 3264 §5.1 / RFC 8866 §6.7 media direction. */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** The state of the WebRTC leg's ICE and DTLS (W3C RTCPeerConnectionState). */
export type MediaState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export interface MediaPort {
  /** The two legs of one call (a WebRTC leg to the browser, an RTP leg to the SIP side) and their bridge. */
  createSession(options: MediaSessionOptions, handlers: MediaSessionHandlers): Promise<MediaSession>;
  /** Counters for /metrics, summed over all sessions since start. */
  metrics(): MediaMetrics;
}

export interface MediaSessionOptions {
  /** The server's call id, for logs. */
  callId: string;
  /** The browser places the call toward SIP (the RTP leg makes the first offer): PARLEY_SIP_MEDIA_ENCRYPTION applies. */
  outgoing?: boolean;
}

export interface MediaSessionHandlers {
  /** A local ICE candidate of the WebRTC leg to trickle to the browser (RFC 8838); `null` when gathering ends. */
  onWebRtcCandidate(candidate: IceCandidate | null): void;
  onStateChange(state: MediaState): void;
  /** An RFC 4733 telephone-event received on the RTP leg (one call per digit, at its end). */
  onDtmf(digit: string, durationMs: number): void;
}

/**
 * Offer/answer across the gateway (src/sdp's gateway negotiation): an offer received on one leg gives the
 * offer for the other; the other's answer gives the answer to the first. Each method resolves with SDP text,
 * or rejects with an Error carrying a `code` (the SDP or media error) when nothing can be negotiated.
 */
export interface MediaSession {
  // A call from the browser: the browser offers.
  /** The browser's offer in; the offer for the SIP side out. */
  offerFromWebRtc(sdp: string): Promise<string>;
  /** The SIP side's answer (in an 18x for early media, then the 2xx) in; the answer for the browser out. */
  answerFromRtp(sdp: string): Promise<string>;
  // A call from the SIP side: it offers.
  /** The SIP side's offer in; the offer for the browser out. */
  offerFromRtp(sdp: string): Promise<string>;
  /** The browser's answer in; the answer for the SIP side out. */
  answerFromWebRtc(sdp: string): Promise<string>;
  // A call from the SIP side without an offer (late offer, RFC 3261 §13.2.1): the gateway offers on both legs.
  // Optional: a port without them cannot take such calls (the server answers 488).
  /** An offer for the browser made from what the gateway supports (audio: G.711 and telephone-event). */
  offerToWebRtc?(): Promise<string>;
  /** The browser's answer to it in; the offer for the SIP side's 2xx out (its answer, in the ACK, goes to `applyRtpAnswer`). */
  offerFromWebRtcAnswer?(sdp: string): Promise<string>;
  // Renegotiation of the RTP leg only, answered from what the browser agreed to (no browser round trip).
  /**
   * An offer for the RTP leg: hold (`sendonly`, RFC 3264 §8.4), unhold (`sendrecv`): the codecs in use; with
   * `newPeer`, for a new dialog that replaces the current one (we followed a REFER): what the browser can do
   * (its offer's codecs when it offered, its answer's when it answered), then `offerFollowingRtpAnswer`.
   */
  createRtpOffer(options: { direction: MediaDirection; newPeer?: boolean }): Promise<string>;
  /** The answer to `createRtpOffer`. */
  applyRtpAnswer(sdp: string): Promise<void>;
  /**
   * A re-offer from the SIP side (re-INVITE) in; our answer, and the direction the peer asked for, out.
   * Rejects with code MEDIA_RENEGOTIATION_NEEDED when only the browser can agree to it (it drops the codec
   * the browser sends, or adds a stream): then `reofferToWebRtc`.
   */
  reofferFromRtp(sdp: string): Promise<{ sdp: string; remoteDirection: MediaDirection }>;
  // A SIP re-offer the browser must agree to (a codec change): re-offered to the browser on the same ICE and
  // DTLS transport (no ICE restart). Optional: a port without them answers such re-offers 488.
  /** The SIP side's re-offer in; the offer for the browser out. */
  reofferToWebRtc?(sdp: string): Promise<string>;
  /** The browser's answer in; our answer to the SIP re-offer, and the direction the peer asked for, out. */
  answerReofferFromWebRtc?(sdp: string): Promise<{ sdp: string; remoteDirection: MediaDirection }>;
  /** The browser refused or never answered: both legs go back to what they had negotiated. */
  abandonReoffer?(): Promise<void>;
  // The SIP side's latest answer (a 2xx whose SDP differs from the 183's, a transfer target's 200 OK) uses a
  // codec the browser did not agree to: the browser is re-offered that answer's codecs on the same ICE/DTLS
  // transport. Optional: a port without them leaves the browser as it is.
  /** The offer for the browser; undefined when what it agreed to fits the SIP side's latest answer. */
  offerFollowingRtpAnswer?(): Promise<string | undefined>;
  /** The browser's answer to `offerFollowingRtpAnswer` (`abandonReoffer` gives that offer up). */
  applyWebRtcAnswer?(sdp: string): Promise<void>;
  /** A trickled candidate of the browser (RFC 8838); `null` for end-of-candidates. Never waits for more. */
  addWebRtcCandidate(candidate: IceCandidate | null): Promise<void>;
  /** RFC 4733 events on the RTP leg, one digit after the other. */
  sendDtmf(digits: string, durationMs: number): Promise<void>;
  stats(): Promise<MediaSessionStats>;
  /**
   * Plays a WAV (PCM 16-bit) from the server toward one side (REST inject_sound): that side hears it instead
   * of the other side's voice until it ends (or for good with `loop`). Optional: a port without it cannot.
   */
  playSound?(toward: 'sip' | 'browser', sound: { wav: Uint8Array; loop: boolean }): Promise<void>;
  /** Closes both legs and frees their ports. Idempotent. */
  close(): Promise<void>;
}

export interface MediaSessionStats {
  audioCodec?: string;
  videoCodec?: string;
  packetsFromWebRtc: number;
  packetsFromRtp: number;
  packetsLost: number;
}

export interface MediaMetrics {
  sessions: number;
  packetsForwarded: number;
  packetsLost: number;
  /**
   * RTP packets per leg, summed over the media plane's stats of every leg since start: `webrtc` is the
   * browsers' side (received: from browsers), `rtp` the SIP side (received: from SIP devices). Optional: a
   * port that has no media plane behind it leaves it out.
   */
  legs?: Record<'webrtc' | 'rtp', LegPacketCounters>;
}

export interface LegPacketCounters {
  sent: number;
  received: number;
  /** RFC 3550 §6.4.1 cumulative lost of the streams received on the leg. */
  lost: number;
}
