/*
 * SRTP and SRTCP (RFC 3711; AES-GCM: RFC 7714) for the native packet path: the same transforms as
 * src/media/srtp (the TypeScript SrtpSession), byte for byte, on OpenSSL's primitives (node's own
 * libcrypto: AES-CTR, AES-GCM, HMAC-SHA1). Packets are transformed in place; the caller leaves room for
 * the tag (and the SRTCP trailer).
 */
#ifndef PARLEY_SRTP_H
#define PARLEY_SRTP_H

#include <stddef.h>
#include <stdint.h>

/* Results below zero: why a packet was dropped (same order as SrtpDrop in srtp-session.ts). */
#define PSRTP_MALFORMED (-1)
#define PSRTP_AUTH_FAILED (-2)
#define PSRTP_REPLAYED (-3)
#define PSRTP_NO_ROOM (-5)

/* Bytes an SRTP/SRTCP packet can grow by: a 16-byte GCM tag and the 4-byte SRTCP trailer. */
#define PSRTP_MAX_OVERHEAD 20

/* One direction's session keys of one protocol (RFC 3711 §4.3.1 derived, not master keys). */
typedef struct {
  const uint8_t *key;  /* 16 bytes */
  const uint8_t *salt; /* 14 bytes (AES-CM) or 12 (GCM) */
  const uint8_t *auth; /* 20 bytes (AES-CM) or NULL (GCM) */
} psrtp_keys;

typedef struct psrtp_session psrtp_session;

/* tag_length: 10 (AES_CM_128_HMAC_SHA1_80) or 16 (AEAD_AES_128_GCM). NULL when OpenSSL fails. */
psrtp_session *psrtp_create(int aead, int tag_length, const psrtp_keys *out_rtp, const psrtp_keys *out_rtcp,
                            const psrtp_keys *in_rtp, const psrtp_keys *in_rtcp);
void psrtp_retain(psrtp_session *s);
void psrtp_release(psrtp_session *s);

/* Each returns the packet's new length, or a PSRTP_* code. `capacity` is the buffer's size. */
int psrtp_protect_rtp(psrtp_session *s, uint8_t *packet, size_t length, size_t capacity);
int psrtp_unprotect_rtp(psrtp_session *s, uint8_t *packet, size_t length);
int psrtp_protect_rtcp(psrtp_session *s, uint8_t *packet, size_t length, size_t capacity);
int psrtp_unprotect_rtcp(psrtp_session *s, uint8_t *packet, size_t length);

#endif
