// RFC 3261 §16.7 step 6 and 7: the response a stateful proxy forwards once every branch has a final answer.
//   "the proxy MUST choose the "best" final response ... If there are any 6xx responses, one of them MUST be
//   chosen; otherwise the proxy SHOULD choose the lowest response class stored in the response context ...
//   If a 4xx class response is chosen, the proxy SHOULD give preference to 401, 407, 415, 420, and 484"
//   "If the selected response is a 503 (Service Unavailable) response, the proxy MUST convert it to a 500"
//   Step 7: a 401/407 chosen carries every WWW-Authenticate / Proxy-Authenticate of the 401s and 407s.

import { SipResponse } from '../sip/message/message.js';

const PREFERRED_4XX = [401, 407, 415, 420, 484];

/** Chooses among the stored final responses (at least one). Returns a new response; inputs are not changed. */
export function bestResponse(responses: readonly SipResponse[]): SipResponse {
  if (responses.length === 0) throw new RangeError('bestResponse needs at least one response');
  const six = responses.find((r) => r.status >= 600);
  let chosen: SipResponse;
  if (six !== undefined) chosen = six;
  else {
    const lowest = Math.min(...responses.map((r) => Math.floor(r.status / 100)));
    const inClass = responses.filter((r) => Math.floor(r.status / 100) === lowest);
    chosen = (lowest === 4 ? inClass.find((r) => PREFERRED_4XX.includes(r.status)) : undefined) ?? inClass[0]!;
  }
  const out = new SipResponse(chosen.status, chosen.reason, chosen.headers.clone(), chosen.body);
  if (out.status === 503) {
    out.status = 500;
    out.reason = 'Server Internal Error';
  }
  if (out.status === 401 || out.status === 407) {
    // Step 7: collect the challenges of every 401 and 407 (RFC 3261 §16.7, §22.3).
    out.headers.remove('WWW-Authenticate').remove('Proxy-Authenticate');
    for (const r of responses) {
      if (r.status !== 401 && r.status !== 407) continue;
      for (const name of ['WWW-Authenticate', 'Proxy-Authenticate']) {
        for (const v of r.headers.getAll(name)) out.headers.append(name, v);
      }
    }
  }
  return out;
}
