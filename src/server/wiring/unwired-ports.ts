// What the server runs with until the SIP stack (issue 3) and the media plane (issue 4) are wired in
// create-ports.ts: ports that refuse clearly, so the server, the SDK and the pages work and say why a call
// cannot be made, instead of hanging in PENDING. Not test doubles: they never pretend to succeed.
import type { MediaMetrics, MediaPort, MediaSession, SipAccount, SipOutcome, SipPort } from '../ports.js';

const NOT_WIRED: SipOutcome = { ok: false, status: 503, reason: 'SIP stack not wired yet' };

export class UnwiredSipPort implements SipPort {
  createAccount(): SipAccount {
    return {
      register: async () => NOT_WIRED,
      unregister: async () => NOT_WIRED,
      invite: (_request, handlers) => {
        queueMicrotask(() => handlers.onFailed({ ok: false, status: NOT_WIRED.status, reason: NOT_WIRED.reason }));
        return {
          callId: 'unwired',
          dialogId: undefined,
          hangup: async () => undefined,
          reinvite: async () => NOT_WIRED,
          refer: async () => NOT_WIRED,
          sendInfoDtmf: async () => NOT_WIRED,
        };
      },
      close: async () => undefined,
    };
  }
}

export class UnwiredMediaPort implements MediaPort {
  async createSession(): Promise<MediaSession> {
    throw Object.assign(new Error('media plane not wired yet'), { code: 'MEDIA_NOT_WIRED' });
  }
  metrics(): MediaMetrics {
    return { sessions: 0, packetsForwarded: 0, packetsLost: 0 };
  }
}
