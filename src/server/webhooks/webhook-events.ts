// Events for the application's backend, taken from what the server tells browsers (the same facts, in the
// same order): session and registration status, call status, transfer progress, DTMF received. Calls the
// REST API started are reported too (`origin: "rest"`). Delivered fire-and-forget with retries.
import type { ServerMessage } from '../../protocol/server-messages.js';
import type { Session } from '../session/session.js';
import type { WebhookClient } from './webhook-client.js';

export type EventOrigin = 'browser' | 'rest';

export class WebhookEvents {
  readonly #client: WebhookClient;

  constructor(client: WebhookClient) {
    this.#client = client;
  }

  /** One message a session sends (or would send) to its browser. */
  onMessage(session: Session, origin: EventOrigin, m: ServerMessage): void {
    const sip = (x: { sipStatus?: number; sipReason?: string }) => ({
      sipStatus: x.sipStatus ?? null,
      sipReason: x.sipReason ?? null,
    });
    switch (m.type) {
      case 'session.status':
        this.#client.emit('session.status', {
          sessionId: session.id,
          origin,
          login: session.login,
          status: m.status,
          ...sip(m),
        });
        return;
      case 'call.status': {
        const call = session.calls.get(m.callId);
        this.#client.emit('call.status', {
          sessionId: session.id,
          origin,
          callId: m.callId,
          status: m.status,
          ...sip(m),
          ...(call ? { incoming: call.incoming, caller: call.caller, callee: call.callee } : {}),
        });
        return;
      }
      case 'call.transfer':
        this.#client.emit('call.transfer', {
          sessionId: session.id,
          origin,
          callId: m.callId,
          status: m.status,
          ...sip(m),
        });
        return;
      case 'call.dtmf':
        this.#client.emit('call.dtmf', {
          sessionId: session.id,
          origin,
          callId: m.callId,
          digit: m.digit,
          dtmfType: m.dtmfType,
        });
        return;
      default:
        return;
    }
  }
}
