// Prometheus metrics, written by hand in the text exposition format (version 0.0.4): a few gauges read
// from the live sessions at scrape time and a few counters. No dependency is needed for so little.
import type { MediaPort } from './ports.js';
import type { Session } from './session/session.js';

type Labels = Record<string, string>;

class Counter {
  readonly #values = new Map<string, { labels: Labels; value: number }>();
  inc(labels: Labels = {}, by = 1): void {
    const key = JSON.stringify(labels);
    const entry = this.#values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.#values.set(key, entry);
  }
  entries(): { labels: Labels; value: number }[] {
    return [...this.#values.values()];
  }
}

/**
 * Errors that escaped every handler (process 'uncaughtException' / 'unhandledRejection', by kind): the process
 * goes on, so these are bugs to look at. Process-wide, as they can happen before a server exists.
 */
export const uncaughtErrors = new Counter();

const escapeLabel = (v: string) => v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
const labelText = (labels: Labels) => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

export class Metrics {
  readonly wsMessages = new Counter();
  readonly wsErrors = new Counter();
  readonly callsStarted = new Counter();
  readonly callsEnded = new Counter();
  readonly #sessions: () => Iterable<Session>;
  readonly #media: MediaPort;

  constructor(sessions: () => Iterable<Session>, media: MediaPort) {
    this.#sessions = sessions;
    this.#media = media;
  }

  render(): string {
    const out: string[] = [];
    const metric = (
      name: string,
      type: 'gauge' | 'counter',
      help: string,
      rows: { labels: Labels; value: number }[],
    ) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const r of rows) out.push(`${name}${labelText(r.labels)} ${r.value}`);
    };
    let sessions = 0;
    let registered = 0;
    const byStatus = new Map<string, number>();
    for (const s of this.#sessions()) {
      // A closing session (its WebSocket closed; hangups and the unREGISTER under way) is no longer open.
      if (s.closing) continue;
      sessions++;
      if (s.status === 'REGISTERED') registered++;
      for (const c of s.calls.values()) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + 1);
    }
    metric('parley_sessions', 'gauge', 'WebSocket sessions open.', [{ labels: {}, value: sessions }]);
    metric('parley_registrations', 'gauge', 'Sessions whose SIP account is registered.', [
      { labels: {}, value: registered },
    ]);
    metric(
      'parley_calls',
      'gauge',
      'Calls in progress, by CALL_STATUS.',
      [...byStatus].map(([status, value]) => ({ labels: { status }, value })),
    );
    metric('parley_calls_started_total', 'counter', 'Calls started, by direction.', this.callsStarted.entries());
    metric('parley_calls_ended_total', 'counter', 'Calls ended, by final CALL_STATUS.', this.callsEnded.entries());
    metric('parley_ws_messages_total', 'counter', 'WebSocket messages received, by type.', this.wsMessages.entries());
    metric('parley_ws_errors_total', 'counter', 'Error replies sent, by code.', this.wsErrors.entries());
    const uncaught = new Map<string, number>([
      ['exception', 0],
      ['rejection', 0],
    ]);
    for (const e of uncaughtErrors.entries()) uncaught.set(e.labels.kind ?? 'exception', e.value);
    metric(
      'parley_uncaught_errors_total',
      'counter',
      'Errors no handler caught (the process goes on), by kind.',
      [...uncaught].map(([kind, value]) => ({ labels: { kind }, value })),
    );
    const m = this.#media.metrics();
    metric('parley_media_sessions', 'gauge', 'Media sessions open.', [{ labels: {}, value: m.sessions }]);
    metric('parley_media_packets_forwarded_total', 'counter', 'RTP packets the media plane sent on call legs.', [
      { labels: {}, value: m.packetsForwarded },
    ]);
    const legs = m.legs ? (['webrtc', 'rtp'] as const).map((leg) => ({ leg, c: m.legs?.[leg] })) : [];
    const perLeg = (key: 'sent' | 'received' | 'lost') =>
      legs.map(({ leg, c }) => ({ labels: { leg }, value: c?.[key] ?? 0 }));
    metric(
      'parley_media_packets_received_total',
      'counter',
      'RTP packets received, by leg: webrtc = from browsers, rtp = from SIP devices.',
      perLeg('received'),
    );
    metric(
      'parley_media_packets_sent_total',
      'counter',
      'RTP packets sent, by leg: webrtc = to browsers, rtp = to SIP devices.',
      perLeg('sent'),
    );
    metric(
      'parley_media_packets_lost_total',
      'counter',
      'RTP packets lost (RFC 3550 cumulative lost) on the way to Parley, by leg it arrives on.',
      m.legs ? perLeg('lost') : [{ labels: {}, value: m.packetsLost }],
    );
    const mem = process.memoryUsage();
    metric('parley_process_resident_memory_bytes', 'gauge', 'Resident set size.', [{ labels: {}, value: mem.rss }]);
    metric('parley_process_heap_used_bytes', 'gauge', 'V8 heap used.', [{ labels: {}, value: mem.heapUsed }]);
    return `${out.join('\n')}\n`;
  }
}
