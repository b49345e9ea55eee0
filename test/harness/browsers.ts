// Headless browsers with fake camera and microphone, behind one small page interface:
//   chromium: Debian chromium via playwright-core (persistent context with a fresh user-data dir); the
//             fake microphone plays a generated WAV tone of the chosen frequency.
//   firefox:  Debian firefox-esr via puppeteer-core 24.9 over WebDriver BiDi; its fake microphone plays
//             a tone of about 1000 Hz (FIREFOX_FAKE_MIC_HZ) whatever toneHz says. A per-run PulseAudio
//             with a null sink gives it an audio output, without which headless Firefox loses its tab.
// Page console messages and errors go to the test's artifacts.
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import type { Artifacts } from './artifacts.js';
import { HarnessError } from './errors.js';
import { type PulseAudio, startPulseAudio } from './pulseaudio.js';
import { writeToneWav } from './tone.js';

export const CHROMIUM_BIN = '/usr/bin/chromium';
export const FIREFOX_BIN = '/usr/bin/firefox-esr';
/** Frequency of Firefox's fake microphone (media.navigator.streams.fake), measured. */
export const FIREFOX_FAKE_MIC_HZ = 1000;

export type BrowserKind = 'chromium' | 'firefox';

/** What tests need of a page, the same for playwright and puppeteer. */
export interface PageLike {
  goto(url: string): Promise<void>;
  /**
   * Evaluates a JavaScript expression in the page; a promise result is awaited. The result is the
   * page's word, not checked: type it as what the expression returns.
   */
  evaluate<R>(expression: string): Promise<R>;
  /** Resolves when the expression becomes truthy (the browser re-evaluates it), or fails after timeoutMs. */
  waitForFunction(expression: string, timeoutMs: number): Promise<void>;
  /** `fullPage`: the whole scrollable page, not only the viewport. */
  screenshot(path: string, options?: { fullPage?: boolean }): Promise<void>;
  /** Resizes the viewport (CSS pixels), e.g. to a phone's width. */
  setViewport(width: number, height: number): Promise<void>;
}

export interface BrowserSession {
  kind: BrowserKind;
  page: PageLike;
  /** Frequency the fake microphone plays (Hz). */
  micToneHz: number;
  consoleLogPath: string;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Chromium: frequency of the WAV its fake microphone plays (default 660 Hz). Firefox: ignored. */
  toneHz?: number;
  /** Extra command-line flags (Chromium) or prefs (Firefox). */
  extraArgs?: string[];
  extraPrefs?: Record<string, string | number | boolean>;
  timeoutMs?: number;
}

export const CHROMIUM_FLAGS = [
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  // Without it Chromium gathers no ICE candidate when only loopback exists.
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export const FIREFOX_PREFS: Record<string, string | number | boolean> = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.peerconnection.ice.default_address_only': false,
  'media.autoplay.default': 0,
  'media.autoplay.block-webaudio': false,
  'media.cubeb.backend': 'pulse',
  'network.dns.disableIPv6': true,
};

async function launchChromium(artifacts: Artifacts, options: LaunchOptions, log: (line: string) => void) {
  const toneHz = options.toneHz ?? 660;
  const wav = artifacts.path(`chromium-mic-${toneHz}hz.wav`);
  writeToneWav(wav, { freqHz: toneHz, durationSec: 5, sampleRate: 48000, amplitude: 0.5 });
  const userDataDir = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_BIN,
    headless: true,
    args: [...CHROMIUM_FLAGS, `--use-file-for-fake-audio-capture=${wav}`, ...(options.extraArgs ?? [])],
    timeout: options.timeoutMs ?? 30_000,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => log(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log(`pageerror: ${e.message}`));
  page.on('crash', () => log('page crashed'));
  const pageLike: PageLike = {
    goto: async (url) => {
      await page.goto(url);
    },
    evaluate: (expression) => page.evaluate(expression),
    waitForFunction: async (expression, timeoutMs) => {
      await page.waitForFunction(expression, undefined, { timeout: timeoutMs });
    },
    screenshot: async (path, opts) => {
      await page.screenshot({ path, fullPage: opts?.fullPage ?? false });
    },
    setViewport: (width, height) => page.setViewportSize({ width, height }),
  };
  const close = async () => {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  };
  return { page: pageLike, micToneHz: toneHz, close };
}

async function launchFirefox(artifacts: Artifacts, options: LaunchOptions, log: (line: string) => void) {
  const pulse: PulseAudio = await startPulseAudio(artifacts);
  const userDataDir = mkdtempSync(join(tmpdir(), 'parley-firefox-'));
  try {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_BIN,
      headless: true,
      userDataDir,
      extraPrefsFirefox: { ...FIREFOX_PREFS, ...(options.extraPrefs ?? {}) },
      env: { ...process.env, ...pulse.env },
      timeout: options.timeoutMs ?? 30_000,
    });
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    page.on('console', (m) => log(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log(`pageerror: ${e instanceof Error ? e.message : String(e)}`));
    const pageLike: PageLike = {
      goto: async (url) => {
        await page.goto(url);
      },
      evaluate: async <R>(expression: string) => (await page.evaluate(expression)) as R,
      waitForFunction: async (expression, timeoutMs) => {
        await page.waitForFunction(expression, { timeout: timeoutMs });
      },
      screenshot: async (path, opts) => {
        writeFileSync(path, await page.screenshot({ type: 'png', fullPage: opts?.fullPage ?? false }));
      },
      setViewport: (width, height) => page.setViewport({ width, height }),
    };
    const close = async () => {
      try {
        await browser.close();
      } finally {
        await pulse.stop();
        rmSync(userDataDir, { recursive: true, force: true });
      }
    };
    return { page: pageLike, micToneHz: FIREFOX_FAKE_MIC_HZ, close };
  } catch (err) {
    await pulse.stop();
    rmSync(userDataDir, { recursive: true, force: true });
    throw err;
  }
}

/** Launches a headless browser with a fake microphone; `close()` is idempotent. */
export async function launchBrowser(
  artifacts: Artifacts,
  kind: BrowserKind,
  options: LaunchOptions = {},
): Promise<BrowserSession> {
  const consoleLogPath = artifacts.path(`${kind}-console.log`);
  const consoleLog = createWriteStream(consoleLogPath, { flags: 'a' });
  const log = (line: string) => consoleLog.write(`${new Date().toISOString()} ${line}\n`);
  let launched: { page: PageLike; micToneHz: number; close: () => Promise<void> };
  try {
    launched =
      kind === 'chromium'
        ? await launchChromium(artifacts, options, log)
        : await launchFirefox(artifacts, options, log);
  } catch (err) {
    consoleLog.end();
    throw new HarnessError('HARNESS_BROWSER', `${kind} failed to launch`, { cause: err });
  }
  let closing: Promise<void> | undefined;
  return {
    kind,
    page: launched.page,
    micToneHz: launched.micToneHz,
    consoleLogPath,
    close: () => {
      closing ??= launched.close().finally(() => consoleLog.end());
      return closing;
    },
  };
}
