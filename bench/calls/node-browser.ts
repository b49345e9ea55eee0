// A stand-in for the browser in the call benchmark: the SDK's side of the WebSocket protocol spoken by a
// Node client, with a werift RTCPeerConnection in place of the browser's (offer with one PCMU audio
// transceiver, candidates trickled as call.ice, the answer applied; ICE and DTLS-SRTP then run with
// Parley's WebRTC leg). It is not the SDK and not a browser: the measured windows end at the server's own
// send of call.status, which is what the SDK reacts to; `establishedAt` here is when it arrived.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { RTCPeerConnection, useOPUS, usePCMU } from 'werift';
import WebSocket from 'ws';

type Msg = { type: string; [k: string]: unknown };

export interface NodeSession {
  ws: WebSocket;
  close(): Promise<void>;
}

export interface PlacedCall {
  callId: string;
  /** When call.status ESTABLISHED arrived, in ms since the epoch (performance.timeOrigin + now(): comparable
   * with another process's on the same machine). */
  establishedAt: number;
  hangup(): Promise<void>;
}

function waitFor(ws: WebSocket, pred: (m: Msg) => boolean, what: string, timeoutMs = 15_000): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.off('message', on);
      reject(new Error(`timed out waiting for ${what}`));
    }, timeoutMs);
    const on = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as Msg;
      if (m.type === 'error') {
        clearTimeout(timer);
        ws.off('message', on);
        reject(new Error(`server error while waiting for ${what}: ${JSON.stringify(m)}`));
        return;
      }
      if (!pred(m)) return;
      clearTimeout(timer);
      ws.off('message', on);
      resolve(m);
    };
    ws.on('message', on);
  });
}

/** Opens a session; resolves once it is ESTABLISHED (no registration) or REGISTERED. */
export async function openSession(
  wsUrl: string,
  sipOptions: { login: string; domain: string; password?: string; port?: number; registerRequired: boolean },
): Promise<NodeSession> {
  const ws = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as Msg;
    if (m.type === 'ping') ws.send(JSON.stringify({ type: 'pong', ...(m.id !== undefined ? { id: m.id } : {}) }));
  });
  const want = sipOptions.registerRequired ? 'REGISTERED' : 'ESTABLISHED';
  const ready = waitFor(
    ws,
    (m) => m.type === 'session.status' && (m.status === want || m.status === 'FAILED'),
    `session ${want}`,
    30_000,
  );
  ws.send(JSON.stringify({ type: 'connect', sipOptions }));
  const m = await ready;
  if (m.status === 'FAILED') throw new Error(`session FAILED: ${JSON.stringify(m)}`);
  return {
    ws,
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close(1000);
      }),
  };
}

/** Places a call as the SDK does (offer at once, candidates trickled); resolves at ESTABLISHED. */
export async function placeCall(session: NodeSession, callee: string): Promise<PlacedCall> {
  const { ws } = session;
  const callId = randomUUID();
  const pc = new RTCPeerConnection({ codecs: { audio: [usePCMU(), useOPUS()] } });
  pc.addTransceiver('audio', { direction: 'sendrecv' });
  // As the SDK does: candidates found before call.start is sent wait for it, then follow it in order.
  let started = false;
  const early: string[] = [];
  pc.onIceCandidate.subscribe((c) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const candidate = c
      ? { candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null }
      : null;
    const text = JSON.stringify({ type: 'call.ice', callId, candidate });
    if (started) ws.send(text);
    else early.push(text);
  });
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  const answered = waitFor(ws, (m) => m.type === 'call.sdp' && m.callId === callId, 'call.sdp answer');
  const established = waitFor(
    ws,
    (m) =>
      m.type === 'call.status' &&
      m.callId === callId &&
      ['ESTABLISHED', 'FAILED', 'FINISH', 'BUSY'].includes(String(m.status)),
    'ESTABLISHED',
  ).then((m) => ({ m, at: performance.timeOrigin + performance.now() }));
  ws.send(
    JSON.stringify({ type: 'call.start', callId, callee, sdp: pc.localDescription?.sdp ?? offer.sdp, hasAudio: true }),
  );
  started = true;
  for (const text of early.splice(0)) ws.send(text);
  // Raced so that an early failure (an error, or the call ending) is never an unhandled rejection.
  const answer = await Promise.race([
    answered,
    established.then(({ m }) => {
      throw new Error(`call ${String(m.status)} before its answer: ${JSON.stringify(m)}`);
    }),
  ]);
  await pc.setRemoteDescription({ type: 'answer', sdp: String(answer.sdp) });
  const { m, at } = await established;
  if (m.status !== 'ESTABLISHED') {
    await pc.close();
    throw new Error(`call ended ${String(m.status)}: ${JSON.stringify(m)}`);
  }
  // The call may end on its own (the far end's BYE, a media failure): hangup() then has nothing to wait for.
  let endedAs: string | undefined;
  const track = (data: WebSocket.RawData) => {
    const x = JSON.parse(data.toString()) as Msg;
    if (x.type === 'call.status' && x.callId === callId && ['FINISH', 'FAILED'].includes(String(x.status))) {
      endedAs = String(x.status);
      ws.off('message', track);
    }
  };
  ws.on('message', track);
  return {
    callId,
    establishedAt: at,
    hangup: async () => {
      if (endedAs === undefined && ws.readyState === WebSocket.OPEN) {
        const finished = waitFor(
          ws,
          (x) => x.type === 'call.status' && x.callId === callId && ['FINISH', 'FAILED'].includes(String(x.status)),
          'FINISH',
        );
        ws.send(JSON.stringify({ type: 'call.hangup', callId }));
        await finished;
      }
      ws.off('message', track);
      await pc.close();
    },
  };
}
