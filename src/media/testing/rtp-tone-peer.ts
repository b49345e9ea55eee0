// A plain-RTP endpoint for end-to-end tests, standing in for a SIP device where no SIP is involved: it
// sends a real PCMU tone at 50 packets a second, records the PCMU it receives (decoded to linear), and
// counts everything else per payload type. The baresip version of the same test needs the SIP UA (issue 5).

import { createSocket, type Socket } from 'node:dgram';
import { newRtpHeader, parseRtpHeader, writeRtpHeader } from '../rtp/rtp-header.js';
import { linearToUlaw, ulawToLinear } from './g711.js';

export interface RtpTonePeerOptions {
  toneHz: number;
  payloadType: number;
  /** SSRC and first sequence number of the stream it sends (two peers in one test must differ). */
  ssrc?: number;
  firstSequence?: number;
}

export class RtpTonePeer {
  readonly audio: Socket;
  readonly video: Socket;
  readonly received: number[] = [];
  readonly packetsByPt = new Map<number, number>();
  readonly videoPacketsByPt = new Map<number, number>();
  /** Raw audio packets of other payload types (telephone-event), kept for inspection. */
  readonly otherAudio: Buffer[] = [];
  #timer: NodeJS.Timeout | undefined;
  #target: { port: number; address: string } | undefined;
  #videoEchoTo: { port: number; address: string } | undefined;
  #audioEcho: { port: number; address: string; payloadType: number } | undefined;
  #waiters: (() => void)[] = [];
  #seq: number;
  #ts = 0;
  #phase = 0;
  readonly #ssrc: number;

  private constructor(
    readonly options: RtpTonePeerOptions,
    audio: Socket,
    video: Socket,
  ) {
    this.audio = audio;
    this.video = video;
    this.#ssrc = options.ssrc ?? 0x5eed;
    this.#seq = options.firstSequence ?? 1;
    const h = newRtpHeader();
    audio.on('message', (msg) => {
      if (parseRtpHeader(msg, msg.length, h) !== undefined) return;
      this.packetsByPt.set(h.payloadType, (this.packetsByPt.get(h.payloadType) ?? 0) + 1);
      const echo = this.#audioEcho;
      if (echo !== undefined && h.payloadType === echo.payloadType) audio.send(msg, echo.port, echo.address);
      if (h.payloadType === options.payloadType) {
        for (let i = 0; i < h.payloadLength; i++)
          this.received.push(ulawToLinear(msg[h.payloadOffset + i] ?? 0xff) / 32768);
      } else {
        this.otherAudio.push(msg);
      }
      this.#notify();
    });
    video.on('message', (msg) => {
      if (parseRtpHeader(msg, msg.length, h) !== undefined) return;
      this.videoPacketsByPt.set(h.payloadType, (this.videoPacketsByPt.get(h.payloadType) ?? 0) + 1);
      this.#notify();
      const to = this.#videoEchoTo;
      if (to !== undefined) video.send(msg, to.port, to.address);
    });
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when `condition` holds after a packet arrives; rejects after timeoutMs. */
  until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
        timeoutMs,
      );
      const check = () => {
        if (condition()) {
          clearTimeout(timer);
          resolve();
        } else {
          this.#waiters.push(check);
        }
      };
      check();
    });
  }

  static async start(options: RtpTonePeerOptions): Promise<RtpTonePeer> {
    const bind = async () => {
      const s = createSocket('udp4');
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
      return s;
    };
    return new RtpTonePeer(options, await bind(), await bind());
  }

  get audioPort(): number {
    return this.audio.address().port;
  }

  get videoPort(): number {
    return this.video.address().port;
  }

  /** Starts sending the tone (20 ms PCMU frames) to the given address. */
  sendTo(port: number, address = '127.0.0.1'): void {
    this.#target = { port, address };
    this.#timer ??= setInterval(() => this.#sendFrame(), 20);
  }

  /** Sends the audio packets of one payload type back as they came (an opus loop: it cannot encode opus). */
  echoAudioTo(port: number, payloadType: number, address = '127.0.0.1'): void {
    this.#audioEcho = { port, address, payloadType };
  }

  /** Sends every video packet it receives back to this address (a video loop). */
  echoVideoTo(port: number, address = '127.0.0.1'): void {
    this.#videoEchoTo = { port, address };
  }

  #sendFrame(): void {
    const to = this.#target;
    if (to === undefined) return;
    const buf = Buffer.alloc(12 + 160);
    writeRtpHeader(buf, {
      marker: this.#ts === 0,
      payloadType: this.options.payloadType,
      sequenceNumber: this.#seq,
      timestamp: this.#ts,
      ssrc: this.#ssrc,
    });
    const step = (2 * Math.PI * this.options.toneHz) / 8000;
    for (let i = 0; i < 160; i++) {
      buf[12 + i] = linearToUlaw(Math.sin(this.#phase) * 16000);
      this.#phase += step;
    }
    this.#seq = (this.#seq + 1) & 0xffff;
    this.#ts = (this.#ts + 160) >>> 0;
    this.audio.send(buf, to.port, to.address);
  }

  #closed = false;

  /** Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiters = [];
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.audio.close();
    this.video.close();
  }
}
