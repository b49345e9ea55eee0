// Calls started by POST /rest-api/call/startup: a call from the server, with no browser. Each gets an internal
// Session (the same session and call logic as a browser's, so that hold, transfer, DTMF and hangup work the
// same on it) whose "browser" is this module, and whose media port (player-media-port.ts) plays toward the
// SIP side instead of bridging a WebRTC leg: silence, and the request's WAV (once or in a loop) from the
// moment the callee answers. The session ends with its call (its account unregistered if it had registered).
//
//   startup ─▶ Session.connect (REGISTER when sipRegisterRequired) ─▶ Session call.start ─▶ INVITE ─▶ ...
//                 └ FAILED ─▶ 502 (sipStatus)          └ invalid field ─▶ 400 (field)      call ends ─▶ session closed
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CallStatus } from '../../protocol/common.js';
import type { ServerMessage } from '../../protocol/server-messages.js';
import { calleeProblem } from '../../protocol/sip-grammar.js';
import type { Call } from '../call/call.js';
import type { MediaPort, SipPort } from '../ports.js';
import type { MediaLimit } from '../session/media-limit.js';
import { Session } from '../session/session.js';
import type { LocatedCall } from './call-view.js';
import { RestError, restErrorFrom } from './errors.js';
import type { ServerCallsApi } from './rest-api.js';
import type { Sound, StartupBody } from './schemas.js';
import type { LoadedSound, SoundLibrary } from './sound-library.js';

export interface ServerCallsDeps {
  sip: SipPort;
  /** Media sessions with no browser (player-media-port.ts); without it, /call/startup answers 422. */
  media: MediaPort | undefined;
  sounds: SoundLibrary;
  log: Logger;
  /** Every message the internal sessions would send to a browser (webhook events). */
  onMessage?(session: Session, message: ServerMessage): void;
  /** Every call status change (metrics). */
  onCallStatus?(call: Call, status: CallStatus): void;
  /** Whether a call id is in use anywhere (browser calls included). */
  callIdInUse(callId: string): boolean;
  /** The server-wide cap on open media sessions. */
  mediaLimit?: MediaLimit;
}

/** The placeholder the player's media session is given for "the browser's offer": it ignores it. */
export const NO_BROWSER_OFFER = 'v=0 server-originated call, no browser';

export class ServerCalls implements ServerCallsApi {
  readonly #deps: ServerCallsDeps;
  readonly #sessions = new Map<string, Session>();
  readonly #reserved = new Set<string>();
  #closed = false;

  constructor(deps: ServerCallsDeps) {
    this.#deps = deps;
  }

  sessions(): Iterable<Session> {
    return this.#sessions.values();
  }

  has(callId: string): boolean {
    if (this.#reserved.has(callId)) return true;
    for (const s of this.#sessions.values()) if (s.calls.has(callId)) return true;
    return false;
  }

  async startup(body: StartupBody): Promise<LocatedCall> {
    if (this.#closed) throw new RestError('REST_CALL_STATE', 'the server is shutting down');
    if (body.hasVideo === true) {
      throw new RestError('REST_INVALID_BODY', 'hasVideo: a call from the server carries audio only', {
        field: 'hasVideo',
      });
    }
    const calleeIssue = calleeProblem(body.callee);
    if (calleeIssue) throw new RestError('REST_INVALID_BODY', `callee: ${calleeIssue}`, { field: 'callee' });
    const media = this.#deps.media;
    if (!media) throw new RestError('REST_MEDIA_FAILED', 'this server cannot play media for calls it starts');
    const callId = body.callId ?? randomUUID();
    if (this.has(callId) || this.#deps.callIdInUse(callId)) {
      throw new RestError('REST_DUPLICATE_CALL', `callId: a call ${callId} exists`, { field: 'callId' });
    }
    this.#reserved.add(callId);
    try {
      const sound = body.sound ? await this.#deps.sounds.load(body.sound, 'sound.file') : undefined;
      return await this.#startup(callId, body, media, sound);
    } finally {
      this.#reserved.delete(callId);
    }
  }

  async injectSound(located: LocatedCall, sound: Sound, toward: 'sip' | 'browser'): Promise<void> {
    if (toward === 'browser' && located.origin === 'rest') {
      throw new RestError('REST_INVALID_BODY', 'toward: a call from the server has no browser', { field: 'toward' });
    }
    const media = located.call.media;
    // Sounds need negotiated media: an answered call, or early media flowing.
    if (!['ESTABLISHED', 'HOLD', 'RING_MEDIA'].includes(located.call.status) || !media) {
      throw new RestError('REST_CALL_STATE', `callId: the call is ${located.call.status}`, { field: 'callId' });
    }
    const loaded = await this.#deps.sounds.load(sound, 'sound.file');
    if (!media.playSound) throw new RestError('REST_MEDIA_FAILED', "this call's media cannot play sounds");
    try {
      await media.playSound(toward, { wav: loaded.wav, loop: loaded.loop });
    } catch (e) {
      throw restErrorFrom(e);
    }
    located.call.log.info({ callId: located.call.id, file: sound.file, toward }, 'sound injected');
  }

  /** Hangs up every server-side call and closes their sessions. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#sessions.values()].map((s) => s.close('server shutting down')));
    this.#sessions.clear();
  }

  async #startup(
    callId: string,
    body: StartupBody,
    media: MediaPort,
    sound: LoadedSound | undefined,
  ): Promise<LocatedCall> {
    const deps = this.#deps;
    const messages: ServerMessage[] = [];
    let call: Call | undefined;
    let session: Session | undefined;
    let played = false;
    const created = new Session(
      {
        send: (m) => {
          messages.push(m);
          if (session) deps.onMessage?.(session, m);
        },
        close: () => undefined,
      },
      {
        sip: deps.sip,
        media,
        log: deps.log.child({ origin: 'rest' }),
        maxCallsPerSession: 1,
        ...(deps.mediaLimit ? { mediaLimit: deps.mediaLimit } : {}),
        onCallStatus: (c, status) => {
          call ??= c;
          deps.onCallStatus?.(c, status);
          if (status === 'ESTABLISHED' && sound && !played) {
            played = true;
            void this.#play(c, sound);
          }
          if (c.ended) void this.#end(created, 'call ended');
        },
      },
    );
    session = created;
    this.#sessions.set(created.id, created);
    try {
      await created.receive({
        type: 'connect',
        id: 'connect',
        sipOptions: {
          login: body.sipLogin,
          domain: body.sipDomain,
          registerRequired: body.sipRegisterRequired ?? false,
          ...(body.sipAuthenticationName ? { authenticationName: body.sipAuthenticationName } : {}),
          ...(body.sipPassword !== undefined ? { password: body.sipPassword } : {}),
          ...(body.sipOutboundProxy ? { outboundProxy: body.sipOutboundProxy } : {}),
          ...(body.sipPort !== undefined ? { port: body.sipPort } : {}),
          ...(body.sipTransport ? { transport: body.sipTransport } : {}),
          ...(body.visibleName ? { visibleName: body.visibleName } : {}),
        },
      });
      refused(messages, 'connect');
      const status = [...messages].reverse().find((m) => m.type === 'session.status');
      if (status?.type === 'session.status' && status.status === 'FAILED') {
        throw new RestError(
          'REST_SIP_FAILED',
          `REGISTER failed: ${status.sipStatus ?? ''} ${status.sipReason ?? ''}`.replace(/\s+/g, ' ').trim(),
          { field: 'sipLogin', sipStatus: status.sipStatus },
        );
      }
      await created.receive({
        type: 'call.start',
        id: 'call.start',
        callId,
        callee: body.callee,
        hasAudio: body.hasAudio ?? true,
        hasVideo: false,
        sdp: NO_BROWSER_OFFER,
        ...(body.visibleName ? { visibleName: body.visibleName } : {}),
        ...(body.sipHeaders ? { sipHeaders: body.sipHeaders } : {}),
      });
      refused(messages, 'call.start');
    } catch (e) {
      await this.#end(created, 'startup refused');
      throw e;
    }
    if (!call) {
      await this.#end(created, 'no call');
      throw new RestError('REST_INTERNAL', 'the call was not created');
    }
    call.log.info({ callId, callee: call.callee, sound: body.sound?.file ?? 'silence' }, 'call started by REST');
    return { call, session: created, origin: 'rest' };
  }

  /** The request's sound, from the moment the callee answers (silence until then). */
  async #play(call: Call, sound: LoadedSound): Promise<void> {
    try {
      if (!call.media?.playSound) throw new Error("the call's media cannot play sounds");
      await call.media.playSound('sip', { wav: sound.wav, loop: sound.loop });
      call.log.info({ callId: call.id, file: sound.file, loop: sound.loop }, 'playing the sound');
    } catch (e) {
      call.log.warn({ callId: call.id, err: e, file: sound.file }, 'the sound could not be played; silence instead');
    }
  }

  async #end(session: Session, reason: string): Promise<void> {
    this.#sessions.delete(session.id);
    try {
      await session.close(reason);
    } catch (e) {
      session.log.error({ err: e }, 'closing the session of a server-side call failed');
    }
  }
}

/** The session's `error` reply to one of our messages, as the REST error it stands for. */
function refused(messages: ServerMessage[], id: string): void {
  const err = messages.find((m) => m.type === 'error' && m.inReplyTo === id);
  if (err?.type !== 'error') return;
  const opts = { field: err.field };
  switch (err.code) {
    case 'WS_INVALID_FIELD':
      throw new RestError('REST_INVALID_BODY', err.message, opts);
    case 'WS_DUPLICATE_CALL':
      throw new RestError('REST_DUPLICATE_CALL', err.message, opts);
    case 'WS_OUT_OF_ORDER':
      throw new RestError('REST_CALL_STATE', err.message, opts);
    default:
      throw new RestError('REST_INTERNAL', `${err.code}: ${err.message}`);
  }
}
