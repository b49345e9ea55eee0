// sipp (Debian sip-tester 3.6) for scripted SIP scenarios, as UAC or UAS on free loopback ports.
// Its messages, errors and statistics go to the test's artifacts; the run resolves with sipp's exit
// code (0: every call succeeded, 1: some failed, 97/99: stopped without calls) and the final counters.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { Artifacts } from './artifacts.js';
import { HarnessError, withTimeout } from './errors.js';
import { PeerProcess } from './peer-process.js';
import { freeSipPort, freeUdpRange, LOOPBACK, waitForUdpPortBound } from './ports.js';

export const SIPP_BIN = '/usr/bin/sipp';

export interface SippOptions {
  /** Scenario XML text, a path to an XML file, or a built-in scenario (`{ builtin: 'uac' }`). */
  scenario: string | { builtin: 'uac' | 'uas' | 'regexp' | 'branchc' | 'branchs' | 'uac_pcap' };
  /** Remote "host:port" for a UAC; omit for a UAS. */
  remote?: string;
  /** Calls to process before exiting (-m). Default 1. */
  calls?: number;
  /** Request-URI user part (-s). */
  service?: string;
  /** Credentials for <action><auth> / [authentication] in the scenario (-au/-ap). */
  auth?: { user: string; password: string };
  /** [key] values for the scenario (-key name value). */
  keys?: Record<string, string>;
  /** Transport (-t): u1 (UDP, one socket, default), t1 (TCP). */
  transport?: 'u1' | 't1';
  extraArgs?: string[];
  /** sipp's own global timeout (-timeout, counts as a failure). Default 20 s. */
  timeoutMs?: number;
  /** Name for artifacts (default "sipp-<role>"). */
  name?: string;
}

export interface SippStats {
  successful: number;
  failed: number;
  created: number;
  /** Every counter of the last statistics line, by its CSV column name. */
  raw: Record<string, string>;
}

export interface SippResult {
  exitCode: number | null;
  stats: SippStats | undefined;
  messagesLog: string;
  errorsLog: string;
}

export interface SippRun {
  /** Local SIP port it listens on (UDP, and TCP for t1). */
  port: number;
  /** Local RTP port (-mp), for scenarios that play or echo media. */
  mediaPort: number;
  /** "127.0.0.1:port": where a UAS is reached. */
  address: string;
  /** Settles when sipp exits. */
  result: Promise<SippResult>;
  /** Stops sipp (SIGTERM/SIGKILL) and resolves with what it reported. Idempotent. */
  stop(): Promise<SippResult>;
}

/** Parses sipp's -trace_stat CSV (';'-separated): the last line holds the final counters. */
export function parseSippStats(csv: string): SippStats | undefined {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = lines[0]?.split(';');
  const last = lines.length > 1 ? lines.at(-1)?.split(';') : undefined;
  if (header === undefined || last === undefined) return undefined;
  const raw: Record<string, string> = {};
  header.forEach((name, i) => {
    raw[name] = last[i] ?? '';
  });
  const num = (key: string) => Number(raw[key] ?? Number.NaN);
  return {
    successful: num('SuccessfulCall(C)'),
    failed: num('FailedCall(C)'),
    created: num('TotalCallCreated'),
    raw,
  };
}

/** Starts sipp; for a UAS it resolves once its SIP port is bound, so a UAC can be pointed at it. */
export async function startSipp(artifacts: Artifacts, options: SippOptions): Promise<SippRun> {
  const role = options.remote === undefined ? 'uas' : 'uac';
  const name = options.name ?? `sipp-${role}`;
  const dir = artifacts.subdir(name);
  const port = await freeSipPort();
  // sipp binds -mp and the three ports after it (audio and video RTP/RTCP). Drawn from the media range, they
  // can never be the SIP port: two draws from one range once gave -p and -mp the same number (EADDRINUSE).
  const mediaPort = (await freeUdpRange(4)).min;
  const scenarioArgs: string[] = [];
  if (typeof options.scenario === 'object') {
    scenarioArgs.push('-sn', options.scenario.builtin);
  } else if (options.scenario.trimStart().startsWith('<')) {
    const file = `${dir}/scenario.xml`;
    writeFileSync(file, options.scenario);
    scenarioArgs.push('-sf', file);
  } else {
    if (!isAbsolute(options.scenario) || !existsSync(options.scenario)) {
      throw new HarnessError('HARNESS_BAD_CONFIG', `sipp scenario file not found: ${options.scenario}`);
    }
    scenarioArgs.push('-sf', options.scenario);
  }
  const files = {
    messages: `${dir}/messages.log`,
    errors: `${dir}/errors.log`,
    stats: `${dir}/stats.csv`,
    screen: `${dir}/screen.log`,
  };
  const timeoutSec = Math.ceil((options.timeoutMs ?? 20_000) / 1000);
  const args = [
    ...(options.remote !== undefined ? [options.remote] : []),
    ...scenarioArgs,
    ...['-i', LOOPBACK, '-p', String(port), '-mp', String(mediaPort), '-t', options.transport ?? 'u1'],
    ...['-m', String(options.calls ?? 1), '-nostdin', '-timeout', `${timeoutSec}s`, '-timeout_error'],
    ...['-cid_str', `%u-%p-${randomBytes(4).toString('hex')}@%s`],
    ...['-trace_msg', '-message_file', files.messages, '-trace_err', '-error_file', files.errors],
    ...['-trace_stat', '-stf', files.stats, '-fd', '1', '-trace_screen', '-screen_file', files.screen],
    ...(options.service !== undefined ? ['-s', options.service] : []),
    ...(options.auth ? ['-au', options.auth.user, '-ap', options.auth.password] : []),
    ...Object.entries(options.keys ?? {}).flatMap(([k, v]) => ['-key', k, v]),
    ...(options.extraArgs ?? []),
  ];
  const proc = new PeerProcess({ name, command: SIPP_BIN, args, logPath: `${dir}/sipp.log`, cwd: dir });
  const collect = async (): Promise<SippResult> => {
    const exit = await proc.exited;
    return {
      exitCode: exit.code,
      stats: existsSync(files.stats) ? parseSippStats(readFileSync(files.stats, 'utf8')) : undefined,
      messagesLog: files.messages,
      errorsLog: files.errors,
    };
  };
  const result = collect();
  let stopping: Promise<SippResult> | undefined;
  const stop = () => {
    stopping ??= proc.stop().then(() => result);
    return stopping;
  };
  if (role === 'uas') {
    // sipp prints nothing when stdout is not a terminal: the bound port is the sign it is ready.
    const giveUp = new AbortController();
    try {
      const bound = waitForUdpPortBound(port, giveUp.signal);
      await proc.raceExit(withTimeout(bound, 5000, `${name}: bind UDP ${port}`), 'binding its SIP port');
    } catch (err) {
      await stop();
      throw err;
    } finally {
      giveUp.abort();
    }
  }
  return { port, mediaPort, address: `${LOOPBACK}:${port}`, result, stop };
}
