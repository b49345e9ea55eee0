// Support for the phone page's end-to-end tests (issue 6): one rig per test file (Kamailio, the Parley
// server serving the built page, baresip phones), and a driver that uses the page only through its element
// ids, as a person (or a test outside the project) would. Screenshots go to test-artifacts/screenshots/,
// which is kept whether the tests pass or fail.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ARTIFACTS_ROOT,
  Artifacts,
  Baresip,
  type BrowserKind,
  decodeWav,
  detectToneInSamples,
  freeUdpRange,
  type Kamailio,
  type PageLike,
  startKamailio,
  type ToneDetection,
} from '../harness/index.js';
import { ensureSdkBuilt, ROOT, type ServerProcess, startServerProcess } from './server-support.js';

export const SCREENSHOTS_DIR = join(ARTIFACTS_ROOT, 'screenshots');
export const VIEWPORTS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } } as const;
export const BOB_HZ = 880;
export const CAROL_HZ = 440;
/** The SIP users in Kamailio: the browsers use 1001 and 1004, baresip bob is 1002, carol 1003. */
export const USERS = ['1001', '1002', '1003', '1004'].map((user) => ({ user, password: `pw${user}` }));

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The phone page bundle the server serves (dist/phone), rebuilt when older than its sources. */
export function ensurePhoneBuilt(): void {
  ensureSdkBuilt();
  const bundle = join(ROOT, 'dist', 'phone', 'phone.js');
  const sources = Math.max(...['src/phone', 'src/sdk', 'src/protocol'].map((d) => newest(join(ROOT, d))));
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= sources) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build-phone.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('scripts/build-phone.mjs failed');
}

/** What a test file shares: one Kamailio, one server, two baresips, one artifacts dir. */
export interface PhoneRig {
  artifacts: Artifacts;
  kamailio: Kamailio;
  server: ServerProcess;
  /** 1002, answers at once, plays 880 Hz. */
  bob: Baresip;
  /** 1003, answers at once, plays 440 Hz: the transfer target. */
  carol: Baresip;
  /** Set by `guard` when a test fails: the artifacts dir is then kept. */
  failed: boolean;
  /** Runs the cleanups; removes the artifacts dir when nothing failed. */
  close(): Promise<void>;
}

export async function startPhoneRig(name: string): Promise<PhoneRig> {
  ensurePhoneBuilt();
  const artifacts = new Artifacts(name);
  const rig = { artifacts, failed: false } as PhoneRig;
  rig.close = async () => {
    const errors = await artifacts.runCleanups();
    if (errors.length > 0) throw new AggregateError(errors, `cleanup failed in ${artifacts.dir}`);
    if (rig.failed) console.error(`[phone] artifacts kept in ${artifacts.dir}`);
    else artifacts.remove();
  };
  try {
    rig.kamailio = await startKamailio(artifacts, { users: USERS });
    artifacts.defer(() => rig.kamailio.stop());
    const phone = (user: string, toneHz: number) => {
      const b = new Baresip(artifacts, {
        user,
        password: `pw${user}`,
        registrar: rig.kamailio,
        toneHz,
        answerMode: 'auto',
      });
      artifacts.defer(() => b.stop());
      return b;
    };
    rig.bob = phone('1002', BOB_HZ);
    rig.carol = phone('1003', CAROL_HZ);
    await Promise.all([rig.bob.start(), rig.carol.start()]);
    const media = await freeUdpRange(200);
    rig.server = await startServerProcess({
      PARLEY_MEDIA_PORTS: `${media.min}-${media.max}`,
      PARLEY_LOG_LEVEL: 'debug',
    });
    artifacts.defer(async () => {
      assert.equal(await rig.server.stop(), 0);
    });
    artifacts.defer(() => writeFileSync(artifacts.path('parley.log'), rig.server.output()));
  } catch (err) {
    rig.failed = true;
    await rig.close();
    throw err;
  }
  return rig;
}

/** Wraps a test body so that a failure keeps the rig's artifacts. */
export function guard<T>(rig: () => PhoneRig, body: () => Promise<T>): () => Promise<T> {
  return async () => {
    try {
      return await body();
    } catch (err) {
      rig().failed = true;
      throw err;
    }
  };
}

/** Received audio in baresip's newest recording, its length in ms; the file's size is the truth while written. */
function recorded(path: string): { pcm: ReturnType<typeof decodeWav>; ms: number } {
  const bytes = Buffer.from(readFileSync(path));
  const data = bytes.indexOf('data', 12, 'ascii');
  // The header's data size lags while sndfile writes: 0 tells decodeWav to read to the end.
  if (data > 0) bytes.writeUInt32LE(0, data + 4);
  const pcm = decodeWav(bytes);
  return { pcm, ms: (1000 * pcm.samples.length) / pcm.channels / pcm.sampleRate };
}

/**
 * Whether baresip hears `hz` in the audio it receives from now on: waits until `ms` more of it is recorded
 * (plus 300 ms for what was already in flight) and looks at that last stretch only.
 */
export async function baresipHearsNext(b: Baresip, hz: number, ms = 1000): Promise<ToneDetection> {
  const now = b.recordingPath ? recorded(b.recordingPath).ms : 0;
  const path = await b.waitForReceivedAudio(now + ms + 300, 10_000);
  const { pcm } = recorded(path);
  const frames = Math.floor(pcm.samples.length / pcm.channels);
  const take = Math.min(frames, Math.round((pcm.sampleRate * ms) / 1000));
  const tail = new Float32Array(take);
  for (let i = 0; i < take; i++) tail[i] = pcm.samples[(frames - take + i) * pcm.channels] ?? 0;
  return detectToneInSamples(tail, pcm.sampleRate, hz);
}

const js = (s: string) => JSON.stringify(s);

/** The page, driven by its element ids. */
export class PhonePage {
  constructor(
    readonly page: PageLike,
    readonly kind: BrowserKind,
  ) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.waitForFunction("document.getElementById('connectionStatus')?.textContent !== ''", 10_000);
  }

  /** Types into text fields and selects (input and change events, as typing does) and sets checkboxes. */
  async fill(values: Record<string, string | boolean>): Promise<void> {
    await this.page.evaluate(`(() => {
      for (const [id, v] of Object.entries(${JSON.stringify(values)})) {
        const el = document.getElementById(id);
        if (!el) throw new Error('no #' + id);
        if (typeof v === 'boolean') el.checked = v; else el.value = v;
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
        el.dispatchEvent(new Event('blur'));
      }
    })()`);
  }

  /** Clicks a control found by CSS selector; fails if it is disabled or hidden, as a person could not. */
  async click(selector: string): Promise<void> {
    const problem = await this.page.evaluate<string>(`(() => {
      const el = document.querySelector(${js(selector)});
      if (!el) return 'missing';
      if (el.disabled) return 'disabled';
      if (el.closest('[hidden]')) return 'hidden';
      el.click();
      return '';
    })()`);
    assert.equal(problem, '', `click ${selector}: ${problem}`);
  }

  clickId(id: string): Promise<void> {
    return this.click(`#${id}`);
  }

  text(id: string): Promise<string> {
    return this.page.evaluate<string>(`document.getElementById(${js(id)}).textContent.trim()`);
  }

  attr(id: string, name: string): Promise<string | null> {
    return this.page.evaluate<string | null>(`document.getElementById(${js(id)}).getAttribute(${js(name)})`);
  }

  value(id: string): Promise<string | boolean> {
    return this.page.evaluate<string | boolean>(
      `(() => { const el = document.getElementById(${js(id)}); return el.type === 'checkbox' ? el.checked : el.value; })()`,
    );
  }

  /** Waits until the element's text is `expected`; the failure says what it was. */
  async waitForText(id: string, expected: string, timeoutMs = 10_000): Promise<void> {
    try {
      await this.page.waitForFunction(
        `document.getElementById(${js(id)})?.textContent.trim() === ${js(expected)}`,
        timeoutMs,
      );
    } catch (err) {
      const now = await this.text(id).catch(() => '?');
      const info = await this.text('callInfo').catch(() => '?');
      const conn = await this.text('connectionInfo').catch(() => '?');
      throw new Error(
        `#${id} is "${now}", not "${expected}" after ${timeoutMs} ms (callInfo "${info}", connectionInfo "${conn}")`,
        {
          cause: err,
        },
      );
    }
  }

  waitFor(expression: string, timeoutMs = 10_000): Promise<void> {
    return this.page.waitForFunction(expression, timeoutMs);
  }

  /**
   * Fills the account form for `user` at Kamailio and connects; resolves on REGISTERED. Chromium fills every
   * field (outbound proxy, port, transport); Firefox only the domain (`127.0.0.1:PORT`), as most people do.
   */
  async register(kamailio: Kamailio, user: string, password = `pw${user}`): Promise<void> {
    const everyField = this.kind === 'chromium';
    await this.fill({
      sipLogin: user,
      sipAuthenticationName: everyField ? user : '',
      sipPassword: password,
      sipDomain: kamailio.domain,
      sipOutboundProxy: everyField ? kamailio.host : '',
      sipPort: everyField ? String(kamailio.port) : '',
      sipTransport: 'udp',
      sipRegisterRequired: true,
    });
    await this.clickId('connectBtn');
    await this.waitForText('connectionStatus', 'REGISTERED');
  }

  /** Screenshots of the page as it is now at desktop and phone widths: <browser>-<state>-<width>.png. */
  async screenshots(state: string): Promise<string[]> {
    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
    const paths: string[] = [];
    for (const [label, size] of Object.entries(VIEWPORTS)) {
      await this.page.setViewport(size.width, size.height);
      // Layout settles after a resize on the next frame.
      await this.page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
      const path = join(SCREENSHOTS_DIR, `${this.kind}-${state}-${label}.png`);
      await this.page.screenshot(path, { fullPage: true });
      paths.push(path);
    }
    await this.page.setViewport(VIEWPORTS.desktop.width, VIEWPORTS.desktop.height);
    return paths;
  }
}
