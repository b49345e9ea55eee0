// Errors of the media plane: values with a stable code. Parsers of packet bytes return the code (they
// never throw); leg and bridge operations reject with a MediaError.

export type MediaErrorCode =
  // packet parsing (counted per leg, never thrown)
  | 'MEDIA_RTP_TOO_SHORT'
  | 'MEDIA_RTP_BAD_VERSION'
  | 'MEDIA_RTP_BAD_LENGTH'
  | 'MEDIA_RTCP_TOO_SHORT'
  | 'MEDIA_RTCP_BAD_VERSION'
  | 'MEDIA_RTCP_BAD_LENGTH'
  | 'MEDIA_DTMF_BAD_PAYLOAD'
  // legs and plane
  | 'MEDIA_NO_PORT'
  | 'MEDIA_BAD_SDP'
  /** c= or a=rtcp of a SIP peer is not a unicast IP of the RTP socket's family (488). */
  | 'MEDIA_BAD_ADDRESS'
  | 'MEDIA_NO_COMMON_CODEC'
  /**
   * A re-offer cannot be answered from what the other leg negotiated (its codec is dropped, or a stream is
   * added): the other leg needs a new offer first (createOffer on it, then its answer). sipStatus 488.
   */
  | 'MEDIA_RENEGOTIATION_NEEDED'
  | 'MEDIA_BAD_STATE'
  | 'MEDIA_UNKNOWN_LEG'
  | 'MEDIA_ICE_FAILED'
  | 'MEDIA_DTLS_FAILED'
  | 'MEDIA_CLOSED'
  // The native packet path was required (PARLEY_MEDIA_PACKET_PATH=native) and the addon cannot be loaded.
  | 'MEDIA_NATIVE_UNAVAILABLE'
  // sounds played by the server (sources/)
  | 'MEDIA_BAD_SOURCE'
  | 'MEDIA_WAV_NOT_RIFF'
  | 'MEDIA_WAV_NO_FORMAT'
  | 'MEDIA_WAV_NOT_PCM16'
  | 'MEDIA_WAV_NO_DATA';

export class MediaError extends Error {
  readonly code: MediaErrorCode;
  /** For negotiation failures: the SIP status to answer with (488) and a reason a user can read. */
  readonly sipStatus: number | undefined;

  constructor(code: MediaErrorCode, message: string, opts: { sipStatus?: number; cause?: unknown } = {}) {
    super(`[${code}] ${message}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MediaError';
    this.code = code;
    this.sipStatus = opts.sipStatus;
  }
}
