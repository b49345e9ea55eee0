// With PARLEY_SIP_MEDIA_ENCRYPTION=sdes the RTP leg offers RTP/SAVP with a=crypto (RFC 4568). The media
// plane keys SRTP from whatever the answer brings and sends plain RTP when it brings nothing usable; the
// setting promises no plain RTP, so an answer that does not key SRTP for every stream we offered it on fails
// the call (488) before it is applied.
import { findSuite, parseInlineKey } from '../../media/sdes-srtp.js';
import { parseSessionDescription } from '../../sdp/index.js';

/** Why `answer` does not key SRTP for a stream `offer` put a=crypto on; undefined when it does for all. */
export function sdesAnswerProblem(offer: string, answer: string): string | undefined {
  const ours = parseSessionDescription(offer);
  const theirs = parseSessionDescription(answer);
  if (!ours.ok) return `our SRTP offer cannot be read (${ours.error.code})`;
  if (!theirs.ok) return `the SIP answer cannot be read (${theirs.error.code})`;
  for (const [i, offered] of ours.value.media.entries()) {
    const answered = theirs.value.media[i];
    if (offered.crypto.length === 0 || answered === undefined || answered.port === 0) continue;
    const what = `the SIP side answered our SRTP offer (RTP/SAVP, PARLEY_SIP_MEDIA_ENCRYPTION=sdes) for ${answered.kind}`;
    // RFC 4568 §5.1.2: the answer holds exactly one a=crypto, naming one of the offered ones by tag.
    const chosen = answered.crypto[0];
    if (chosen === undefined) return `${what} without a=crypto (${answered.protocol}): plain RTP refused`;
    const match = offered.crypto.find((c) => c.tag === chosen.tag && c.suite === chosen.suite);
    const suite = findSuite(chosen.suite);
    if (match === undefined || suite === undefined) {
      return `${what} with a=crypto:${chosen.tag} ${chosen.suite}, which it was not offered`;
    }
    if (chosen.sessionParams !== undefined) {
      return `${what} with session parameters Parley does not implement (${chosen.sessionParams}, RFC 4568 §6.3)`;
    }
    if (parseInlineKey(chosen.keyParams, suite) === undefined) {
      return `${what} with an unusable key in a=crypto:${chosen.tag} (RFC 4568 §6.1 inline key of the suite's length, no MKI)`;
    }
  }
  return undefined;
}
