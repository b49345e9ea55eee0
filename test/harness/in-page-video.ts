// Video received by a call in a browser page, read from the SDK call's W3C getStats(): frames decoded by its
// inbound video, and their codec. getStats has no change event, so the page reads it every 100 ms until
// more than `minFrames` frames were decoded or the time is up, and returns what it saw either way: the test
// asserts on the figure, so a call that never decodes fails with the count in its message.
import type { PageLike } from './browsers.js';

export interface InPageVideoResult {
  frames: number;
  /** mimeType of the inbound video's codec (video/VP8, video/H264), when the browser reports one. */
  codec: string | undefined;
}

export function framesDecodedInPage(
  page: PageLike,
  callExpr = 'window.call',
  minFrames = 10,
  timeoutMs = 10_000,
): Promise<InPageVideoResult> {
  return page.evaluate<InPageVideoResult>(`(async () => {
  const deadline = performance.now() + ${timeoutMs};
  for (;;) {
    const stats = await ${callExpr}.getStats();
    let frames = 0, codecId;
    stats.forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') { frames += s.framesDecoded ?? 0; codecId = s.codecId; }
    });
    if (frames > ${minFrames} || performance.now() > deadline) {
      return { frames, codec: (codecId && stats.get(codecId)?.mimeType) || undefined };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
})()`);
}
