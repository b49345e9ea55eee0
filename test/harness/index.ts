// The harness of real peers for Parley's tests: Kamailio (+ rtpengine), baresip, sipp, browsers,
// tones. Every peer runs on 127.0.0.1 with ports chosen per run and logs into the test's artifacts.

export { ARTIFACTS_ROOT, Artifacts, type Cleanup, type TestLike, withArtifacts } from './artifacts.js';
export { Baresip, type BaresipEvent, BaresipEvents, type BaresipOptions, type Registrar } from './baresip.js';
export { type BdecodeResult, type BencodeValue, bdecode, bencode } from './bencode.js';
export {
  type BrowserKind,
  type BrowserSession,
  CHROMIUM_FLAGS,
  FIREFOX_FAKE_MIC_HZ,
  FIREFOX_PREFS,
  type LaunchOptions,
  launchBrowser,
  type PageLike,
} from './browsers.js';
export { HarnessError, type HarnessErrorCode, withTimeout } from './errors.js';
export { detectToneInPage, type InPageToneOptions, type InPageToneResult, toneWithin } from './in-page-tone.js';
export { framesDecodedInPage, type InPageVideoResult } from './in-page-video.js';
export { type Kamailio, type StartKamailioOptions, startKamailio } from './kamailio.js';
export { KAMAILIO_DOMAIN, kamailioConfig, type SipUser } from './kamailio-config.js';
export { NgClient, type NgDict } from './ng-client.js';
export { type PageRoute, type PageServer, startPageServer } from './page-server.js';
export { PeerProcess } from './peer-process.js';
export { freeSipPort, freeTcpPort, freeUdpPort, freeUdpRange, LOOPBACK, type PortRange } from './ports.js';
export { type PulseAudio, startPulseAudio } from './pulseaudio.js';
export { type RtpEngine, startRtpEngine } from './rtpengine.js';
export { parseSippStats, type SippOptions, type SippResult, type SippRun, type SippStats, startSipp } from './sipp.js';
export {
  PCMA,
  PCMU,
  SIPP_BYE_ANSWERED,
  type SippCodec,
  sippResponse,
  sippScenario,
  sippSdp,
} from './sipp-scenario-parts.js';
export { ANSWER_PCMU_UAS_SCENARIO, INFO_DTMF_CALL_SCENARIO, REGISTER_SCENARIO } from './sipp-scenarios.js';
export {
  type DetectOptions,
  decodeWav,
  detectTone,
  detectToneInSamples,
  encodeWav,
  goertzelPower,
  type Pcm,
  readWav,
  sine,
  type ToneDetection,
  writeToneWav,
} from './tone.js';
