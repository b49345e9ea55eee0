import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { videoAccepted } from './sdp-video.js';

const fixture = (name: string) => readFileSync(new URL(`../../test/fixtures/sdp/${name}`, import.meta.url), 'utf8');

test('videoAccepted: a video section with a port, or bundle-only in a max-bundle offer, is live', () => {
  assert.equal(videoAccepted(fixture('firefox-answer-audio-video.sdp')), true);
  assert.equal(videoAccepted(fixture('firefox-offer-max-bundle-audio-video.sdp')), true);
});

test('videoAccepted: a rejected video section (m=video 0) or none at all is not', () => {
  assert.equal(videoAccepted(fixture('firefox-answer-video-rejected.sdp')), false);
  assert.equal(videoAccepted('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n'), false);
});
