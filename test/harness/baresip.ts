// baresip (Debian baresip-core 1.0) as the far-end softphone, one process per user, each with its own
// generated config dir (`-f dir`). It plays a sine tone (ausine module), records what it receives
// (sndfile module: dump-<time>-dec.wav) and is driven through one ctrl_tcp connection.
import { appendFileSync, existsSync, readdirSync, readFileSync, statSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Artifacts } from './artifacts.js';
import { BaresipCtrl, type BaresipEvent } from './baresip-ctrl.js';
import { HarnessError, withTimeout } from './errors.js';
import { PeerProcess } from './peer-process.js';
import { freeSipPort, freeTcpPort, freeUdpRange, LOOPBACK, type PortRange } from './ports.js';

export type { BaresipEvent } from './baresip-ctrl.js';

export const BARESIP_BIN = '/usr/bin/baresip';
export const BARESIP_MODULES_DIR = '/usr/lib/baresip/modules';

/** Where a baresip registers: a started Kamailio fits. */
export interface Registrar {
  host: string;
  port: number;
  /** Domain part of the AOR, with the port when it is not 5060 ("127.0.0.1:PORT"). */
  domain: string;
}

export interface BaresipOptions {
  user: string;
  password: string;
  registrar: Registrar;
  /** Frequency of the sine tone it sends (ausine: 10..20000 Hz). */
  toneHz: number;
  /** auto: answers every incoming call at once; manual: waits for accept(). */
  answerMode?: 'auto' | 'manual';
  /** Audio codecs in preference order: PCMU, PCMA, G722, opus, or baresip's "name/rate/channels". */
  codecs?: string[];
  /**
   * The account's mediaenc (srtp module, SDES RFC 4568): `srtp` offers RTP/AVP with a=crypto and takes plain
   * RTP too; `srtp-mand` offers and requires RTP/SAVP; `srtp-mandf` RTP/SAVPF. Unset: plain RTP only.
   */
  mediaEncryption?: 'srtp' | 'srtp-mand' | 'srtp-mandf';
  /** Name for logs and artifacts (default: the user). */
  name?: string;
  /** Wait for REGISTER_OK in start() (default true); false to look at a failure with waitFor(). */
  waitForRegistration?: boolean;
  timeoutMs?: number;
}

export const BaresipEvents = {
  registered: (e: BaresipEvent) => e.type === 'REGISTER_OK',
  registerFailed: (e: BaresipEvent) => e.type === 'REGISTER_FAIL',
  incoming: (e: BaresipEvent) => e.type === 'CALL_INCOMING',
  established: (e: BaresipEvent) => e.type === 'CALL_ESTABLISHED',
  closed: (e: BaresipEvent) => e.type === 'CALL_CLOSED',
  dtmf: (e: BaresipEvent) => e.type === 'CALL_DTMF_START',
  /** The peer asked for a transfer (REFER); param is the target. */
  transfer: (e: BaresipEvent) => e.type === 'TRANSFER',
  /** A (re-)INVITE's SDP offer from the peer: a hold, a resume or another re-INVITE. */
  remoteOffer: (e: BaresipEvent) => e.type === 'CALL_REMOTE_SDP' && e.param === 'offer',
} as const;

const CODEC_SPECS: Record<string, string> = {
  pcmu: 'PCMU/8000/1',
  pcma: 'PCMA/8000/1',
  g722: 'G722/16000/1',
  opus: 'opus/48000/2',
};

export class Baresip {
  readonly name: string;
  readonly options: BaresipOptions;
  readonly configDir: string;
  /** Where the sndfile module writes its dump-*-enc.wav (sent) and dump-*-dec.wav (received) files. */
  readonly recordingDir: string;
  readonly logPath: string;
  readonly ctrlLogPath: string;
  sipPort = 0;
  /** Its own RTP/RTCP port range (rtp_ports). */
  rtpPorts: PortRange = { min: 0, max: 0 };
  #proc: PeerProcess | undefined;
  #ctrl: BaresipCtrl | undefined;
  #stopping: Promise<void> | undefined;

  constructor(artifacts: Artifacts, options: BaresipOptions) {
    this.options = options;
    this.name = options.name ?? options.user;
    this.configDir = artifacts.subdir(`baresip-${this.name}`);
    this.recordingDir = artifacts.subdir(`baresip-${this.name}/recordings`);
    this.logPath = join(this.configDir, 'baresip.log');
    this.ctrlLogPath = join(this.configDir, 'ctrl.log');
  }

  /** sip:user@domain, this instance's address of record. */
  get aor(): string {
    return `sip:${this.options.user}@${this.options.registrar.domain}`;
  }

  /** The newest recording of received audio (dump-*-dec.wav), or undefined before any call. */
  get recordingPath(): string | undefined {
    return this.#newest('-dec.wav');
  }

  /** The newest recording of sent audio (dump-*-enc.wav). */
  get sentRecordingPath(): string | undefined {
    return this.#newest('-enc.wav');
  }

  /** Every event received on the control connection so far. */
  get events(): readonly BaresipEvent[] {
    return this.#ctrl?.events ?? [];
  }

  async start(): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    // Ports are found free, then bound by baresip a moment later: another process can take one in between.
    // baresip then exits with EADDRINUSE (98) at once, so pick new ports and start again.
    for (let attempt = 1; ; attempt++) {
      const ctrlPort = await this.#launch(timeoutMs).catch((e: unknown) => {
        if (attempt < 4 && this.#proc?.exitCode === 98) return undefined;
        throw e;
      });
      if (ctrlPort !== undefined) return this.#connect(ctrlPort, timeoutMs);
    }
  }

  /** Writes the config, starts baresip and waits for it to be ready; resolves with its control port. */
  async #launch(timeoutMs: number): Promise<number> {
    this.sipPort = await freeSipPort(50, true);
    const ctrlPort = await freeTcpPort();
    const rtp = await freeUdpRange(20);
    this.rtpPorts = rtp;
    const wanted = ['g711', 'g722', 'opus', 'ausine', 'aubridge', 'sndfile'];
    if (this.options.mediaEncryption !== undefined) wanted.push('srtp');
    const modules = wanted.filter((m) => existsSync(join(BARESIP_MODULES_DIR, `${m}.so`)));
    const config = [
      'poll_method epoll',
      `sip_listen ${LOOPBACK}:${this.sipPort}`,
      // Without net_interface baresip puts another address of this machine into its SDP.
      `net_interface ${LOOPBACK}`,
      'call_local_timeout 120',
      'call_max_calls 4',
      // ausine only runs at 48 kHz stereo; baresip resamples for the codec.
      `audio_source ausine,${this.options.toneHz}`,
      'ausrc_srate 48000',
      'ausrc_channels 2',
      // Played audio goes to a bridge device nobody reads; sndfile records it on the way.
      'audio_player aubridge,parley-sink',
      'audio_alert aubridge,parley-alert',
      'audio_buffer 20-160',
      `rtp_ports ${rtp.min}-${rtp.max}`,
      'rtcp_mux no',
      'jitter_buffer_delay 5-10',
      // Relative to the cwd (the config dir): sndfile fails on paths longer than ~128 bytes.
      'snd_path recordings',
      `module_path ${BARESIP_MODULES_DIR}`,
      ...modules.map((m) => `module ${m}.so`),
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen ${LOOPBACK}:${ctrlPort}`,
      '',
    ].join('\n');
    writeFileSync(join(this.configDir, 'config'), config);
    writeFileSync(join(this.configDir, 'accounts'), '');
    writeFileSync(join(this.configDir, 'contacts'), '');
    const proc = new PeerProcess({
      name: `baresip ${this.name}`,
      // stdbuf: baresip's stdout is a pipe here, so without line buffering its log (SIP trace
      // included) would arrive in 4 KiB chunks, long after the events it explains.
      command: '/usr/bin/stdbuf',
      args: ['-oL', '-eL', BARESIP_BIN, '-f', this.configDir, '-s'],
      logPath: this.logPath,
      cwd: this.configDir,
    });
    this.#proc = proc;
    await proc.waitForLine(/^baresip is ready\./, timeoutMs);
    return ctrlPort;
  }

  async #connect(ctrlPort: number, timeoutMs: number): Promise<void> {
    const proc = this.#proc!;
    this.#ctrl = await proc.raceExit(
      BaresipCtrl.connect(ctrlPort, this.name, (line) => appendFileSync(this.ctrlLogPath, `${line}\n`)),
      'connecting to ctrl_tcp',
    );
    // The account is added over the control connection so its REGISTER events reach us.
    await this.command('uanew', this.#accountLine());
    if (this.options.waitForRegistration !== false) await this.waitForRegistration(timeoutMs);
  }

  /** Resolves on REGISTER_OK; rejects with the registrar's answer on REGISTER_FAIL. */
  async waitForRegistration(timeoutMs = 10_000): Promise<BaresipEvent> {
    const e = await this.waitFor(
      (ev) => BaresipEvents.registered(ev) || BaresipEvents.registerFailed(ev),
      timeoutMs,
      'REGISTER_OK',
    );
    if (e.type !== 'REGISTER_OK') {
      throw new HarnessError('HARNESS_CTRL_COMMAND', `${this.name}: registration failed: ${e.param ?? '?'}`);
    }
    return e;
  }

  /** Sends a raw ctrl_tcp command; resolves with its response data. */
  command(command: string, params = ''): Promise<string> {
    return this.#running().command(command, params);
  }

  dial(uri: string): Promise<string> {
    return this.command('dial', uri);
  }
  accept(): Promise<string> {
    return this.command('accept');
  }
  hangup(): Promise<string> {
    return this.command('hangup');
  }
  hold(): Promise<string> {
    return this.command('hold');
  }
  resume(): Promise<string> {
    return this.command('resume');
  }
  /** Blind transfer (REFER, RFC 3515) of the current call to `uri`. */
  transfer(uri: string): Promise<string> {
    return this.command('transfer', uri);
  }
  /** Sends DTMF as RFC 4733 telephone-events on the current call. */
  sendDtmf(digits: string): Promise<string> {
    return this.command('sndcode', digits);
  }

  /**
   * Resolves with the first event (already received after index `since`, or arriving later) that
   * matches; rejects after `timeoutMs` listing the events seen so far.
   */
  waitFor(predicate: (e: BaresipEvent) => boolean, timeoutMs: number, what?: string, since = 0): Promise<BaresipEvent> {
    const ctrl = this.#running();
    return this.#proc!.raceExit(ctrl.waitFor(predicate, timeoutMs, since, what), `waiting for ${what ?? 'an event'}`);
  }

  /** Collects `count` DTMF keys (CALL_DTMF_START) received since event index `since`. */
  async receivedDigits(count: number, timeoutMs: number, since = 0): Promise<string> {
    const digits = () =>
      this.events
        .slice(since)
        .filter(BaresipEvents.dtmf)
        .map((e) => e.param ?? '?')
        .join('');
    if (digits().length < count) {
      await this.waitFor(() => digits().length >= count, timeoutMs, `${count} DTMF digits`, this.events.length);
    }
    return digits();
  }

  /**
   * Resolves once the newest recording of received audio holds at least `ms` of audio; watches the
   * recordings folder (inotify) instead of polling.
   */
  async waitForReceivedAudio(ms: number, timeoutMs: number): Promise<string> {
    const enough = (): string | undefined => {
      const path = this.recordingPath;
      if (path === undefined) return undefined;
      const bytes = statSync(path).size;
      if (bytes < 44) return undefined;
      // WAV header: byte rate at offset 28 (sndfile writes the codec's rate and channels).
      const byteRate = readFileSync(path).readUInt32LE(28) || 16000;
      return bytes - 44 >= (byteRate * ms) / 1000 ? path : undefined;
    };
    const now = enough();
    if (now !== undefined) return now;
    const watcher = watch(this.recordingDir);
    const found = new Promise<string>((resolve, reject) => {
      watcher.on('error', reject);
      watcher.on('change', () => {
        const path = enough();
        if (path !== undefined) resolve(path);
      });
    });
    try {
      return await withTimeout(found, timeoutMs, `${this.name}: ${ms} ms of received audio in ${this.recordingDir}`);
    } finally {
      watcher.close();
    }
  }

  /** Its log so far, SIP trace included (`-s`: every SIP message sent and received). */
  logText(): string {
    return this.#proc?.lines.join('\n') ?? '';
  }

  /** Number of log lines so far: pass it as `since` to waitForLog to look only at what follows. */
  get logLineCount(): number {
    return this.#proc?.lines.length ?? 0;
  }

  /** Resolves with the first log line (SIP trace included) from index `since` on that matches. */
  waitForLog(pattern: RegExp, timeoutMs: number, since = 0): Promise<string> {
    if (this.#proc === undefined) throw new HarnessError('HARNESS_CTRL_PROTOCOL', `${this.name}: not started`);
    return this.#proc.waitForLine(pattern, timeoutMs, since);
  }

  /** The m=audio ports of every SDP it sent or received (from its SIP trace, `-s`). */
  sdpAudioPorts(): number[] {
    const log = this.logText();
    return [...log.matchAll(/^m=audio (\d+) /gm)].map((m) => Number(m[1]));
  }

  /** Quits baresip (SIGTERM, then SIGKILL). Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#ctrl?.close();
      await this.#proc?.stop();
    })();
    return this.#stopping;
  }

  #accountLine(): string {
    const o = this.options;
    // baresip 1.0 looks a bare name up at 8000 Hz mono: G722 and opus need their full name/rate/channels.
    const codecs = (o.codecs ?? ['PCMU', 'PCMA']).map((c) => CODEC_SPECS[c.toLowerCase()] ?? c).join(',');
    const proxy = `sip:${o.registrar.host}:${o.registrar.port};transport=udp`;
    return (
      `<${this.aor};transport=udp>;auth_user=${o.user};auth_pass=${o.password};outbound="${proxy}"` +
      `;regint=600;answermode=${o.answerMode ?? 'manual'};audio_codecs=${codecs};ptime=20` +
      (o.mediaEncryption === undefined ? '' : `;mediaenc=${o.mediaEncryption}`)
    );
  }

  #running(): BaresipCtrl {
    if (this.#ctrl === undefined) throw new HarnessError('HARNESS_CTRL_PROTOCOL', `${this.name}: not started`);
    return this.#ctrl;
  }

  #newest(suffix: string): string | undefined {
    const files = readdirSync(this.recordingDir)
      .filter((f) => f.endsWith(suffix))
      .map((f) => join(this.recordingDir, f));
    files.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
    return files.at(-1);
  }
}
