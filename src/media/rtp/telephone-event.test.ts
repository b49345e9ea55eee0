import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  digitToEvent,
  eventToDigit,
  parseTelephoneEvent,
  scaleTelephoneEventDuration,
  writeTelephoneEvent,
} from './telephone-event.js';

describe('RFC 4733 telephone-event', () => {
  test('round-trips event, end bit, volume and duration', () => {
    const b = Buffer.alloc(4);
    writeTelephoneEvent(b, 0, { event: 11, end: true, volume: 10, duration: 1280 });
    assert.deepEqual(b, Buffer.from([11, 0x8a, 0x05, 0x00]));
    assert.deepEqual(parseTelephoneEvent(b, 0, 4), {
      ok: true,
      value: { event: 11, end: true, volume: 10, duration: 1280 },
    });
  });

  test('digits map to RFC 4733 §3.2 event codes', () => {
    assert.deepEqual([...'0123456789*#ABCD'].map(digitToEvent), [...Array(16).keys()]);
    assert.equal(eventToDigit(11), '#');
    assert.equal(digitToEvent('x'), undefined);
  });

  test('a 48 kHz duration scales to 8 kHz (Chromium next to opus → a SIP device) and saturates', () => {
    const b = Buffer.alloc(4);
    writeTelephoneEvent(b, 0, { event: 1, end: false, volume: 10, duration: 4800 }); // 100 ms at 48 kHz
    scaleTelephoneEventDuration(b, 0, 48000, 8000);
    assert.ok(parseTelephoneEvent(b, 0, 4).ok);
    assert.equal(b.readUInt16BE(2), 800);
    writeTelephoneEvent(b, 0, { event: 1, end: false, volume: 10, duration: 60000 });
    scaleTelephoneEventDuration(b, 0, 8000, 48000);
    assert.equal(b.readUInt16BE(2), 0xffff);
  });

  test('short payloads give a code, any bytes never throw', () => {
    assert.deepEqual(parseTelephoneEvent(Buffer.alloc(3), 0, 3), { ok: false, code: 'MEDIA_DTMF_BAD_PAYLOAD' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.nat(10), (bytes, off) => {
        parseTelephoneEvent(bytes, off, bytes.length - off);
      }),
    );
  });
});
