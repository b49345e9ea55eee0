import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeG711 } from './g711.js';
import { goertzelPower, toneRatio } from './goertzel.js';
import { createPcmSource, dtmfSamples } from './pcm-source.js';
import { resample } from './resample.js';
import { type PlayerClock, type PlayerFrame, RtpPlayer } from './rtp-player.js';
import { parseWav, writeWav } from './wav.js';

function sine(hz: number, rate: number, ms: number, amp = 10000): Int16Array {
  return Int16Array.from({ length: Math.round((rate * ms) / 1000) }, (_, i) =>
    Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate)),
  );
}

/** A clock whose time moves only when the test says; timers fire in order as it passes them. */
class FakeClock implements PlayerClock {
  t = 1000;
  timers = new Map<number, { at: number; fn: () => void }>();
  #id = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.#id;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers.delete(h as number);
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (next === undefined || next[1].at > end) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }
}

describe('resample', () => {
  test('a 1 kHz tone at 48 kHz keeps its frequency at 8 kHz, and 44.1 kHz too', () => {
    for (const rate of [48000, 44100, 16000]) {
      const out = resample(sine(1000, rate, 500), rate, 8000);
      assert.equal(out.length, 4000);
      assert.ok(toneRatio(out.subarray(200, 3800), 8000, 1000) > 0.9, `from ${rate}`);
    }
  });

  test('upsampling 8 kHz to 16 kHz keeps the tone', () => {
    const out = resample(sine(440, 8000, 200), 8000, 16000);
    assert.equal(out.length, 3200);
    assert.ok(toneRatio(out, 16000, 440) > 0.9);
  });

  test('a 3.8 kHz tone at 48 kHz is attenuated by the low-pass on the way to 8 kHz', () => {
    const input = sine(7000, 48000, 500);
    const out = resample(input, 48000, 8000);
    // Without filtering, 7 kHz would alias to 1 kHz at full level.
    assert.ok(
      goertzelPower(out, 8000, 1000) < goertzelPower(resample(sine(1000, 48000, 500), 48000, 8000), 8000, 1000) / 4,
    );
  });
});

describe('WAV', () => {
  test('stereo 16-bit PCM is read and mixed to mono', () => {
    const stereo = Int16Array.from([100, 300, -100, -300, 0, 0]);
    const r = parseWav(writeWav(stereo, 44100, 2));
    assert.ok(r.ok);
    assert.equal(r.value.sampleRate, 44100);
    assert.deepEqual([...r.value.samples], [200, -200, 0]);
  });

  test('bad files give a code, never a throw', () => {
    const rnd = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7919) & 0xff);
    assert.equal((parseWav(rnd(100)) as { code: string }).code, 'MEDIA_WAV_NOT_RIFF');
    const eightBit = writeWav(Int16Array.from([1, 2]), 8000);
    eightBit[34] = 8;
    assert.equal((parseWav(eightBit) as { code: string }).code, 'MEDIA_WAV_NOT_PCM16');
    const truncated = writeWav(Int16Array.from([1, 2, 3]), 8000).subarray(0, 40);
    assert.ok(!parseWav(truncated).ok);
    const wav = writeWav(
      Int16Array.from({ length: 100 }, (_, i) => i),
      8000,
    );
    for (let cut = 0; cut < wav.length; cut += 3) parseWav(wav.subarray(0, cut));
  });
});

describe('DTMF dual tones', () => {
  test('"5" has 770 Hz and 1336 Hz, and not the other rows and columns', () => {
    const s = dtmfSamples('5', 8000, 200, 0);
    assert.equal(s.length, 1600);
    const p = (f: number) => goertzelPower(s, 8000, f);
    for (const other of [697, 852, 941, 1209, 1477, 1633]) {
      assert.ok(p(770) > 50 * p(other), `770 vs ${other}`);
      assert.ok(p(1336) > 50 * p(other), `1336 vs ${other}`);
    }
  });

  test('every key has its Q.23 pair', () => {
    const rows = [697, 770, 852, 941];
    const cols = [1209, 1336, 1477, 1633];
    '123A456B789C*0#D'.split('').forEach((key, i) => {
      const s = dtmfSamples(key, 8000, 100, 0);
      const best = (fs: number[]) =>
        fs.reduce((a, b) => (goertzelPower(s, 8000, a) > goertzelPower(s, 8000, b) ? a : b));
      assert.deepEqual([best(rows), best(cols)], [rows[Math.floor(i / 4)], cols[i % 4]], key);
    });
  });
});

describe('RtpPlayer', () => {
  test('paces 20 ms frames of 160 samples on the clock, marker on the first only', () => {
    const clock = new FakeClock();
    const frames: PlayerFrame[] = [];
    const src = createPcmSource({ type: 'tone', frequencyHz: 440 }, 8000);
    assert.ok(src.ok);
    const player = new RtpPlayer({ source: src.value, law: 'PCMU', clock, onFrame: (f) => frames.push(f) });
    player.start();
    assert.equal(frames.length, 1);
    clock.advance(19);
    assert.equal(frames.length, 1);
    clock.advance(1);
    assert.equal(frames.length, 2);
    clock.advance(980);
    assert.equal(frames.length, 51);
    assert.deepEqual(
      frames.slice(0, 3).map((f) => [f.marker, f.offset, f.payload.length]),
      [
        [true, 0, 160],
        [false, 160, 160],
        [false, 320, 160],
      ],
    );
    const pcm = Int16Array.from(frames.flatMap((f) => [...decodeG711('PCMU', f.payload)]));
    assert.ok(toneRatio(pcm, 8000, 440) > 0.9);
    player.stop();
    player.stop();
    assert.equal(clock.timers.size, 0);
  });

  test('a late timer sends the missed frames at once; a long stall skips with a marker', () => {
    const clock = new FakeClock();
    const frames: PlayerFrame[] = [];
    const src = createPcmSource({ type: 'silence' }, 8000);
    assert.ok(src.ok);
    const player = new RtpPlayer({ source: src.value, law: 'PCMA', clock, onFrame: (f) => frames.push(f) });
    player.start();
    clock.t += 60; // the timer fires 40 ms late
    clock.advance(0);
    assert.equal(frames.length, 4);
    clock.t += 1000; // the process stalled for a second
    clock.advance(0);
    const last = frames[frames.length - 1];
    assert.ok(last?.marker);
    assert.equal(last?.offset, 53 * 160);
    assert.equal(frames.length, 5);
    player.stop();
  });

  test('a WAV played once ends with onEnded; looped it goes on', () => {
    const wav = writeWav(sine(1000, 16000, 50), 16000);
    for (const loop of [false, true]) {
      const clock = new FakeClock();
      const src = createPcmSource({ type: 'wav', data: wav }, 8000, loop);
      assert.ok(src.ok);
      let ended = 0;
      let frames = 0;
      const player = new RtpPlayer({
        source: src.value,
        law: 'PCMU',
        clock,
        onFrame: () => frames++,
        onEnded: () => ended++,
      });
      player.start();
      clock.advance(200);
      assert.deepEqual([frames, ended], loop ? [11, 0] : [3, 1]);
      player.stop();
      assert.equal(clock.timers.size, 0);
    }
  });
});
