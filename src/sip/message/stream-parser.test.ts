import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StreamParser } from './stream-parser.js';
import { DEFAULT_PARSE_LIMITS } from './types.js';

const OPTIONS = (n: number, body = '') =>
  `OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK${n}\r\nTo: <sip:b@h>\r\nFrom: <sip:a@h>;tag=1\r\nCall-ID: c${n}\r\nCSeq: ${n} OPTIONS\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('StreamParser (RFC 3261 §18.3, RFC 5626 §3.5.1)', () => {
  test('frames back-to-back messages by Content-Length', () => {
    const s = new StreamParser();
    const out = s.push(Buffer.from(OPTIONS(1, 'hello') + OPTIONS(2) + OPTIONS(3, 'x')));
    assert.deepEqual(
      out.map((r) => r.ok && [r.value.headers.get('Call-ID'), r.value.body.toString()]),
      [
        ['c1', 'hello'],
        ['c2', ''],
        ['c3', 'x'],
      ],
    );
    assert.equal(s.pending, 0);
  });

  test('waits for the rest of a body', () => {
    const s = new StreamParser();
    const text = OPTIONS(1, 'hello world');
    assert.deepEqual(s.push(Buffer.from(text.slice(0, -3))), []);
    const out = s.push(Buffer.from(text.slice(-3)));
    assert.ok(out.length === 1 && out[0]?.ok && out[0].value.body.toString() === 'hello world');
  });

  test('reports a double-CRLF ping and a CRLF pong between messages', () => {
    let pings = 0;
    let pongs = 0;
    const s = new StreamParser(undefined, { onPing: () => pings++, onPong: () => pongs++ });
    assert.deepEqual(s.push(Buffer.from('\r\n\r\n')), []);
    assert.equal(pings, 1);
    assert.deepEqual(s.push(Buffer.from('\r\n')), []);
    assert.equal(pongs, 1);
    const out = s.push(Buffer.from(`\r\n\r\n${OPTIONS(1)}`));
    assert.equal(pings, 2);
    assert.ok(out.length === 1 && out[0]?.ok);
  });

  test('a framed but malformed message is an error and the stream goes on', () => {
    const s = new StreamParser();
    const bad = OPTIONS(1, 'abc').replace('CSeq: 1 OPTIONS', 'CSeq: x OPTIONS');
    const out = s.push(Buffer.from(bad + OPTIONS(2)));
    assert.equal(out.length, 2);
    assert.ok(out[0]?.ok === false && out[0].error.code === 'SIP_PARSE_BAD_CSEQ');
    assert.ok(out[1]?.ok && out[1].value.headers.get('Call-ID') === 'c2');
    assert.ok(!s.failed);
  });

  test('an unreadable Content-Length fails the stream', () => {
    const s = new StreamParser();
    const out = s.push(Buffer.from(OPTIONS(1).replace('Content-Length: 0', 'Content-Length: -5') + OPTIONS(2)));
    assert.equal(out.length, 1);
    assert.ok(out[0]?.ok === false && out[0].error.code === 'SIP_PARSE_BAD_CONTENT_LENGTH');
    assert.ok(s.failed);
    assert.deepEqual(s.push(Buffer.from(OPTIONS(3))), []);
  });

  test('an oversize header section or body fails the stream without buffering it all', () => {
    const limits = { ...DEFAULT_PARSE_LIMITS, maxMessageBytes: 1024 };
    const a = new StreamParser(limits);
    const out = a.push(Buffer.from(`OPTIONS sip:b@h SIP/2.0\r\nX: ${'y'.repeat(2000)}`));
    assert.ok(out.length === 1 && out[0]?.ok === false && out[0].error.code === 'SIP_PARSE_TOO_LARGE');
    assert.ok(a.failed);
    assert.equal(a.pending, 0);

    const b = new StreamParser(limits);
    const big = b.push(Buffer.from(OPTIONS(1).replace('Content-Length: 0', 'Content-Length: 5000')));
    assert.ok(big.length === 1 && big[0]?.ok === false && big[0].error.code === 'SIP_PARSE_TOO_LARGE');
    assert.ok(b.failed);
  });
});

describe('StreamParser.pushFrames', () => {
  test('gives each result with its exact bytes, and marks a framing error fatal', () => {
    const s = new StreamParser();
    const bad = OPTIONS(1, 'abc').replace('CSeq: 1 OPTIONS', 'CSeq: x OPTIONS');
    const good = OPTIONS(2);
    const frames = s.pushFrames(
      Buffer.from(`\r\n\r\n${bad}${good}${OPTIONS(3).replace('Content-Length: 0', 'Content-Length: x')}`),
    );
    assert.equal(frames.length, 3);
    assert.equal(frames[0]?.bytes?.toString(), bad);
    assert.ok(frames[0]?.result.ok === false && !frames[0].fatal);
    assert.equal(frames[1]?.bytes?.toString(), good);
    assert.ok(frames[1]?.result.ok && !frames[1].fatal);
    assert.ok(frames[2]?.fatal && frames[2].bytes === undefined);
    assert.ok(s.failed);
  });
});
