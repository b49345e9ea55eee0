// The media plane's interface: narrow, asynchronous, plain data in and out (SDP strings, ids, numbers),
// so that it can move into a worker thread per core without its callers changing. It knows no SIP:
// "the offer received on a leg" and "the answer to send on a leg" are all it is told.
//
//   call from the browser                         call to the browser
//   applyOffer(webrtc, browserOffer)              applyOffer(rtp, deviceOffer)
//   createOffer(rtp)        → to the device       createOffer(webrtc)        → to the browser
//   applyAnswer(rtp, deviceAnswer)                applyAnswer(webrtc, browserAnswer)
//   createAnswer(webrtc)    → to the browser      createAnswer(rtp)          → to the device
//
// Re-offers (hold, codec change, new address, transfer) take the same four steps from either side; the
// browser's ICE/DTLS transport is never restarted. Early media: applyAnswer may be called for a
// provisional answer and again for the final one.

import type { Direction } from '../sdp/index.js';
import type { LegStats } from './media-leg.js';
import type { MediaSource } from './sources/pcm-source.js';

export type LegId = string;

export interface MediaPlaneEvents {
  /** Media can flow on the leg (DTLS up for WebRTC; first packet latched for RTP is not awaited). */
  connected: { legId: LegId };
  /** An RFC 4733 event received on a leg (end of the event). */
  dtmf: { legId: LegId; digit: string; durationMs: number };
  /** A leg failed (ICE or DTLS); the call should end with this reason. */
  failed: { legId: LegId; code: string; reason: string };
  /** Periodic stats of a leg. */
  stats: LegStats;
  /** A keyframe was asked for toward this leg: for a SIP device, send INFO picture_fast_update (RFC 5168). */
  pictureFastUpdate: { legId: LegId };
  /** A sound given to play() ended by itself (played once to its end); not emitted after stopPlaying(). */
  playEnded: { legId: LegId };
}

export type MediaPlaneListener<K extends keyof MediaPlaneEvents> = (event: MediaPlaneEvents[K]) => void;

export interface WebRtcLegRequest {
  /** ICE-lite instead of full ICE (RFC 8445 §2.5). */
  iceLite?: boolean;
}

export interface RtpLegRequest {
  /** Offer SDES-SRTP (RFC 4568, RTP/SAVP) toward the SIP side. Offers received with a=crypto are always honoured. */
  sdesSrtp?: boolean;
  /**
   * The server itself is this leg's far end (no partner leg; never connect() it):
   * - `player`: offers and answers G.711 audio only (PCMU, PCMA, telephone-event/8000) and sends what
   *   play() gives it (nothing until then: play `{ type: 'silence' }` for a steady stream). createOffer works without a partner (a call from the server).
   * - `echo`: answers an offer with the offer's own streams and codecs, and sends every RTP packet it
   *   receives back to the sender (audio and video, any codec). It cannot make offers.
   * Both report RFC 4733 digits they receive with the `dtmf` event; a player also sends them (sendDtmf).
   */
  endpoint?: 'player' | 'echo';
}

export interface PlayOptions {
  /** Repeat a WAV or DTMF source until stopPlaying() (default false: once, then `playEnded`). */
  loop?: boolean;
}

export interface MediaPlane {
  createWebRtcLeg(request?: WebRtcLegRequest): Promise<LegId>;
  createRtpLeg(request?: RtpLegRequest): Promise<LegId>;
  /** Joins two legs for passthrough; negotiation on one derives from the other from now on. */
  connect(a: LegId, b: LegId): Promise<void>;
  /** A remote offer received on a leg. Rejects with MEDIA_BAD_SDP on unreadable SDP. */
  applyOffer(legId: LegId, sdp: string): Promise<void>;
  /** The offer to send on a leg, derived from the offer pending on its partner. Rejects with MEDIA_NO_COMMON_CODEC (sipStatus 488). */
  createOffer(legId: LegId): Promise<string>;
  /**
   * The offer to send on a leg so that its peer follows the remote answer its partner last received (a 2xx
   * whose SDP differs from the 183's; a transfer target's 200 OK), derived from that answer on the same
   * transport (mids kept, no ICE restart); undefined when what the leg's peer agreed to already fits it (it
   * sends a codec the answer kept, and receives the one the answer sends). Its answer goes to applyAnswer,
   * or rollback gives it up. Rejects with MEDIA_BAD_STATE when the partner has no remote answer.
   */
  offerFollowingAnswer(legId: LegId): Promise<string | undefined>;
  /** The remote answer to the offer we sent on a leg (provisional answers allowed, then the final one). */
  applyAnswer(legId: LegId, sdp: string): Promise<void>;
  /**
   * The answer to send on a leg for its pending remote offer, derived from the partner's answer. A re-offer
   * answered without a new exchange on the partner (hold, a new address) may only use what the partner's
   * peer agreed to: one that drops the codec that peer sends, or adds a stream, rejects with
   * MEDIA_RENEGOTIATION_NEEDED (sipStatus 488); then createOffer(partner), its answer, and createAnswer again.
   */
  createAnswer(legId: LegId): Promise<string>;
  /**
   * Gives up an offer/answer in progress on a leg (JSEP's rollback): a remote offer not answered is
   * dropped, and after an offer sent that will not be answered, the leg takes again what was last
   * negotiated (a WebRTC leg accepts the payload types of its last answer again). Resolves at once otherwise.
   */
  rollback(legId: LegId): Promise<void>;
  /**
   * A re-offer on one leg decided by Parley itself (hold or resume toward that side only): the codecs in
   * use, the given direction. With `newPeer` (the leg's peer is replaced: a REFER followed), what the
   * partner's peer can do instead (its last offer's codecs, or its answer's), streams rejected here kept
   * rejected; then offerFollowingAnswer(partner) once the new peer answered. Returns the offer; the answer
   * comes back with applyAnswer.
   */
  update(legId: LegId, request: { direction: Direction; newPeer?: boolean }): Promise<string>;
  /**
   * RFC 4733 digits generated toward a leg: through the bridge on a connected leg, in the leg's own stream
   * on a player endpoint leg (telephone-event/8000; a playing sound gives way meanwhile). Resolves false
   * when the leg's peer has no telephone-event, and on an echo leg.
   */
  sendDtmf(legId: LegId, digits: string, durationMs?: number): Promise<boolean>;
  /**
   * Plays a sound from the server toward the leg's peer, encoded in G.711 at 20 ms packets. On a player
   * endpoint leg it is the leg's own stream; on a leg connected to another (inject_sound into a call) it
   * replaces the other leg's voice toward this one until it ends or stopPlaying(), in the same RTP stream.
   * Replaces a sound already playing on the leg. Rejects with MEDIA_NO_COMMON_CODEC (sipStatus 488) when
   * the leg's peer did not negotiate PCMU or PCMA, MEDIA_BAD_SOURCE for a bad WAV/tone/digits,
   * MEDIA_BAD_STATE before the leg's offer/answer is complete.
   */
  play(legId: LegId, source: MediaSource, options?: PlayOptions): Promise<void>;
  /** Stops the sound on a leg (a player endpoint then sends nothing). Idempotent. */
  stopPlaying(legId: LegId): Promise<void>;
  getStats(legId: LegId): Promise<LegStats>;
  /** Closes a leg (and its bridge). Idempotent. */
  closeLeg(legId: LegId): Promise<void>;
  /** Closes everything. Idempotent. */
  close(): Promise<void>;
  on<K extends keyof MediaPlaneEvents>(event: K, listener: MediaPlaneListener<K>): void;
  off<K extends keyof MediaPlaneEvents>(event: K, listener: MediaPlaneListener<K>): void;
}
