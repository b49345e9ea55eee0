import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sdesAnswerProblem } from './sdes-answer-check.js';

const key = (bytes = 30) => `inline:${randomBytes(bytes).toString('base64')}`;
const sdp = (...lines: string[]) =>
  ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', ...lines, ''].join('\r\n');

const OFFER = sdp(
  'm=audio 20000 RTP/SAVP 0',
  'a=rtpmap:0 PCMU/8000',
  `a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${key()}`,
  `a=crypto:2 AEAD_AES_128_GCM ${key(28)}`,
  'm=video 20002 RTP/SAVP 96',
  'a=rtpmap:96 VP8/90000',
  `a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${key()}`,
  `a=crypto:2 AEAD_AES_128_GCM ${key(28)}`,
);

test('an answer keying every stream with one of the offered suites passes', () => {
  const answer = sdp(
    'm=audio 30000 RTP/SAVP 0',
    `a=crypto:2 AEAD_AES_128_GCM ${key(28)}`,
    'm=video 30002 RTP/SAVP 96',
    `a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${key()}`,
  );
  assert.equal(sdesAnswerProblem(OFFER, answer), undefined);
});

test('a rejected stream (port 0) needs no key', () => {
  const answer = sdp(
    'm=audio 30000 RTP/SAVP 0',
    `a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${key()}`,
    'm=video 0 RTP/SAVP 96',
  );
  assert.equal(sdesAnswerProblem(OFFER, answer), undefined);
});

test('a plain RTP/AVP answer is refused, naming the stream and the profile', () => {
  const answer = sdp('m=audio 30000 RTP/AVP 0', 'm=video 0 RTP/AVP 96');
  assert.match(
    sdesAnswerProblem(OFFER, answer) ?? '',
    /^the SIP side answered our SRTP offer \(RTP\/SAVP, PARLEY_SIP_MEDIA_ENCRYPTION=sdes\) for audio without a=crypto \(RTP\/AVP\): plain RTP refused$/,
  );
});

test('a tag or suite that was not offered, or a key of the wrong length or with an MKI, is refused', () => {
  const with_ = (crypto: string) => sdp('m=audio 30000 RTP/SAVP 0', crypto, 'm=video 0 RTP/SAVP 96');
  assert.match(
    sdesAnswerProblem(OFFER, with_(`a=crypto:3 AES_CM_128_HMAC_SHA1_80 ${key()}`)) ?? '',
    /a=crypto:3 .*not offered/,
  );
  assert.match(sdesAnswerProblem(OFFER, with_(`a=crypto:1 AEAD_AES_128_GCM ${key(28)}`)) ?? '', /not offered/);
  assert.match(sdesAnswerProblem(OFFER, with_(`a=crypto:1 AES_CM_128_HMAC_SHA1_32 ${key()}`)) ?? '', /not offered/);
  assert.match(sdesAnswerProblem(OFFER, with_(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${key(28)}`)) ?? '', /unusable key/);
  assert.match(
    sdesAnswerProblem(OFFER, with_(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${key()} UNENCRYPTED_SRTP`)) ?? '',
    /session parameters Parley does not implement \(UNENCRYPTED_SRTP/,
  );
  assert.match(
    sdesAnswerProblem(OFFER, with_(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 ${key()}|2^20|1:4`)) ?? '',
    /unusable key/,
  );
});

test('an offer without a=crypto asks nothing of the answer; unreadable SDP is a problem, never a throw', () => {
  const plain = sdp('m=audio 20000 RTP/AVP 0');
  assert.equal(sdesAnswerProblem(plain, sdp('m=audio 30000 RTP/AVP 0')), undefined);
  assert.match(sdesAnswerProblem(OFFER, 'garbage') ?? '', /^the SIP answer cannot be read \(SDP_/);
});
