// Property tests of the message layer (fast-check): round trips, no throw on any bytes, and TCP framing
// that does not depend on how the stream is cut.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { nameAddr, sipMessage, sipUri, via } from './arbitraries.test-support.js';
import { parseAuthList } from './auth-header.js';
import { parseCSeq } from './cseq.js';
import { splitHeaderList } from './header-list.js';
import type { SipMessage } from './message.js';
import { formatNameAddr, parseNameAddr, parseNameAddrList } from './name-addr.js';
import { parseMessage } from './parser.js';
import { serializeMessage } from './serializer.js';
import { StreamParser } from './stream-parser.js';
import { formatUri, parseUri } from './uri.js';
import { parseRAck, parseValueParams } from './value-params.js';
import { formatVia, parseVia } from './via.js';

/** What a message means on the wire: start line, header fields in order (Content-Length aside), body. */
function shape(m: SipMessage): unknown {
  const start = m.kind === 'request' ? [m.method, m.uri] : [m.status, m.reason];
  const fields = [...m.headers].filter((f) => !/^(content-length|l)$/i.test(f.name)).map((f) => [f.name, f.value]);
  return [m.kind, ...start, fields, [...m.body]];
}

describe('round trips', () => {
  test('parseUri(formatUri(u)) gives back u', () => {
    fc.assert(
      fc.property(sipUri(), (u) => {
        const r = parseUri(formatUri(u));
        assert.ok(r.ok, r.ok ? '' : `${r.error.message} from ${formatUri(u)}`);
        assert.deepEqual(r.value, u);
      }),
      { numRuns: 500 },
    );
  });

  test('parseNameAddr(formatNameAddr(na)) gives back na', () => {
    fc.assert(
      fc.property(nameAddr, (na) => {
        const r = parseNameAddr(formatNameAddr(na));
        assert.ok(r.ok, r.ok ? '' : `${r.error.message} from ${formatNameAddr(na)}`);
        assert.deepEqual(r.value, na);
      }),
      { numRuns: 500 },
    );
  });

  test('parseVia(formatVia(v)) gives back v', () => {
    fc.assert(
      fc.property(via, (v) => {
        const r = parseVia(formatVia(v));
        assert.ok(r.ok, r.ok ? '' : `${r.error.message} from ${formatVia(v)}`);
        assert.deepEqual(r.value, [v]);
      }),
      { numRuns: 500 },
    );
  });

  test('parse(serialize(m)) gives back m', () => {
    fc.assert(
      fc.property(sipMessage, (m) => {
        const r = parseMessage(serializeMessage(m));
        assert.ok(r.ok, r.ok ? '' : `${r.error.code} ${r.error.message}`);
        assert.deepEqual(shape(r.value), shape(m));
      }),
      { numRuns: 300 },
    );
  });
});

function neverThrows(buf: Buffer): void {
  const r = parseMessage(buf);
  if (!r.ok) assert.equal(typeof r.error.code, 'string');
  else {
    // Every typed view of every header value of what parsed must answer with a result too.
    if (r.value.kind === 'request') parseUri(r.value.uri);
    for (const f of r.value.headers) {
      parseVia(f.value);
      parseNameAddrList(f.value);
      parseCSeq(f.value);
      parseAuthList(f.value);
      parseValueParams(f.value);
      parseRAck(f.value);
    }
  }
  const s = new StreamParser();
  for (const x of s.push(buf)) if (!x.ok) assert.equal(typeof x.error.code, 'string');
}

type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
);

function mutate(buf: Buffer, ms: Mutation[]): Buffer {
  let out = buf;
  for (const m of ms) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'set') {
      out = Buffer.from(out);
      if (out.length > 0) out[at] = m.byte;
    } else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    else out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.count)]);
  }
  return out;
}

describe('untrusted bytes', () => {
  test('no byte string makes the parsers throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => neverThrows(Buffer.from(bytes))),
      { numRuns: 3000 },
    );
  });

  test('no mutation of a valid message makes the parsers throw', () => {
    fc.assert(
      fc.property(sipMessage, fc.array(mutation, { minLength: 1, maxLength: 6 }), (m, ms) => {
        neverThrows(mutate(serializeMessage(m), ms));
      }),
      { numRuns: 2000 },
    );
  });

  test('no mutation of an RFC 4475 / RFC 5118 torture message makes the parsers throw', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/sip');
    const torture = ['rfc4475', 'rfc5118'].flatMap((set) =>
      readdirSync(join(root, set))
        .filter((f) => f.endsWith('.dat'))
        .map((f) => readFileSync(join(root, set, f))),
    );
    fc.assert(
      fc.property(fc.constantFrom(...torture), fc.array(mutation, { minLength: 1, maxLength: 6 }), (buf, ms) => {
        neverThrows(mutate(buf, ms));
      }),
      { numRuns: 3000 },
    );
  });

  test('no text makes the header value parsers throw', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 120 }), (s) => {
        for (const r of [parseUri(s), parseNameAddr(s), parseVia(s), parseCSeq(s), parseAuthList(s)]) {
          if (!r.ok) assert.equal(typeof r.error.code, 'string');
        }
        assert.ok(Array.isArray(splitHeaderList(s)));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('TCP framing (RFC 3261 §18.3)', () => {
  test('any chunking of a stream of messages and keep-alives yields the messages parsed one by one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(sipMessage, fc.constantFrom('', '\r\n\r\n')), { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 30 }),
        (items, cuts) => {
          const wire = Buffer.concat(items.map(([m, ka]) => Buffer.concat([Buffer.from(ka), serializeMessage(m)])));
          const expected = items.map(([m]) => {
            const r = parseMessage(serializeMessage(m));
            assert.ok(r.ok);
            return shape(r.value);
          });
          let pings = 0;
          const s = new StreamParser(undefined, { onPing: () => pings++ });
          const got: unknown[] = [];
          let at = 0;
          let k = 0;
          while (at < wire.length) {
            const n = cuts[k++ % cuts.length]!;
            for (const r of s.push(wire.subarray(at, at + n))) {
              assert.ok(r.ok, r.ok ? '' : r.error.message);
              got.push(shape(r.value));
            }
            at += n;
          }
          assert.deepEqual(got, expected);
          assert.equal(s.pending, 0);
          assert.ok(!s.failed);
          // A ping cut in the middle reads as two pongs (see stream-parser.ts); whole ones are pings.
          assert.ok(pings <= items.filter(([, ka]) => ka !== '').length);
        },
      ),
      { numRuns: 300 },
    );
  });
});
