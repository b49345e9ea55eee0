// Proves the browser rig: in headless Chromium and Firefox ESR, a page served from 127.0.0.1 connects
// two RTCPeerConnections over loopback with the fake microphone, and the in-page detector hears the
// microphone's tone on the receiving side (and not some other tone).
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type BrowserKind, detectToneInPage, launchBrowser, startPageServer, withArtifacts } from '../harness/index.js';

/** Two peer connections in one page: the microphone on pc1, what pc2 receives in window.remoteStream. */
const LOOPBACK_CALL = `(async () => {
  const local = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  const pc1 = new RTCPeerConnection();
  const pc2 = new RTCPeerConnection();
  window.pcs = [pc1, pc2];
  pc1.onicecandidate = (e) => { if (e.candidate) pc2.addIceCandidate(e.candidate); };
  pc2.onicecandidate = (e) => { if (e.candidate) pc1.addIceCandidate(e.candidate); };
  const remote = new Promise((resolve) => {
    pc2.ontrack = (e) => resolve(e.streams[0] ?? new MediaStream([e.track]));
  });
  const connected = new Promise((resolve, reject) => {
    const check = () => {
      if (pc2.connectionState === 'connected') resolve();
      if (pc2.connectionState === 'failed') reject(new Error('ICE/DTLS failed'));
    };
    pc2.onconnectionstatechange = check;
  });
  for (const track of local.getTracks()) pc1.addTrack(track, local);
  await pc1.setLocalDescription();
  await pc2.setRemoteDescription(pc1.localDescription);
  await pc2.setLocalDescription();
  await pc1.setRemoteDescription(pc2.localDescription);
  window.remoteStream = await remote;
  await connected;
  const pair = [...(await pc2.getStats()).values()].find((s) => s.type === 'candidate-pair' && s.nominated);
  return { state: pc2.connectionState, tracks: window.remoteStream.getAudioTracks().length, pair: Boolean(pair) };
})()`;

async function checkBrowser(t: { name: string; fullName?: string }, kind: BrowserKind): Promise<void> {
  await withArtifacts(t, async (artifacts) => {
    const server = await startPageServer();
    artifacts.defer(() => server.close());
    const browser = await launchBrowser(artifacts, kind, { toneHz: 660 });
    artifacts.defer(() => browser.close());
    await browser.page.goto(`${server.origin}/`);
    const call = await browser.page.evaluate<{ state: string; tracks: number }>(LOOPBACK_CALL);
    assert.equal(call.state, 'connected');
    assert.equal(call.tracks, 1);
    const heard = await detectToneInPage(browser.page, 'window.remoteStream', browser.micToneHz);
    assert.ok(heard.present, `${kind} hears ${browser.micToneHz} Hz: ${JSON.stringify(heard)}`);
    const other = await detectToneInPage(browser.page, 'window.remoteStream', 440, { durationMs: 500 });
    assert.equal(other.present, false, `${kind} does not hear 440 Hz: ${JSON.stringify(other)}`);
    const shot = artifacts.path(`${kind}.png`);
    await browser.page.screenshot(shot);
    assert.ok(statSync(shot).size > 0, 'a screenshot was written');
    await browser.page.evaluate('window.pcs.forEach((pc) => pc.close())');
  });
}

describe('harness: browsers with a fake microphone', { timeout: 120_000 }, () => {
  test('Chromium: a loopback peer connection carries the fake microphone’s 660 Hz tone', { timeout: 60_000 }, (t) =>
    checkBrowser(t, 'chromium'),
  );
  test(
    'Firefox ESR: a loopback peer connection carries the fake microphone’s ~1000 Hz tone',
    { timeout: 60_000 },
    (t) => checkBrowser(t, 'firefox'),
  );
});
