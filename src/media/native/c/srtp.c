/*
 * SRTP/SRTCP per RFC 3711 and RFC 7714; see srtp.h. Mirrors src/media/srtp/srtp-session.ts and
 * srtp-cipher.ts (index estimation §3.3.1, replay list §3.3.2, ROC/s_l updated only after authentication,
 * at most 32 inbound SSRCs per session, the oldest evicted), so that both implementations interoperate
 * and the property test can compare them byte for byte. Cipher and MAC contexts are keyed once and only
 * re-IV'd per packet.
 */
#include "srtp.h"

#include "bytes.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SSRCS 32
#define REPLAY_WINDOW 64
#define SEQ_HALF 0x8000
#define MAX_SRTCP_INDEX 0x7fffffffu
#define SRTCP_TRAILER 4

typedef struct {
  int64_t highest; /* -1 before the first accepted index */
  uint64_t bits;   /* bit i: index highest - i accepted */
} replay_window;

typedef struct {
  uint32_t ssrc;
  uint32_t roc;
  uint16_t highest;
  uint64_t order; /* insertion order, for eviction */
  replay_window replay;
  int used;
} ssrc_state;

typedef struct {
  EVP_CIPHER_CTX *cipher; /* AES-128-CTR (both ways) or AES-128-GCM (encrypt or decrypt) */
  EVP_MAC_CTX *mac;       /* HMAC-SHA1, AES-CM only */
  uint8_t salt[14];
} direction_keys;

struct psrtp_session {
  int aead;
  int tag;
  int refs;
  direction_keys out_rtp, out_rtcp, in_rtp, in_rtcp;
  ssrc_state out_rtp_ssrcs[MAX_SSRCS];
  ssrc_state in_rtp_ssrcs[MAX_SSRCS];
  ssrc_state out_rtcp_ssrcs[MAX_SSRCS]; /* roc unused; highest unused; replay.highest = last index sent */
  ssrc_state in_rtcp_ssrcs[MAX_SSRCS];
  uint64_t order;
};


/* ---- replay list (RFC 3711 §3.3.2), as replay-window.ts ---- */

static int replay_check(const replay_window *w, int64_t index) {
  if (index > w->highest) return 1;
  int64_t delta = w->highest - index;
  if (delta >= REPLAY_WINDOW) return 0;
  return (w->bits & ((uint64_t)1 << delta)) == 0;
}

static void replay_accept(replay_window *w, int64_t index) {
  if (index > w->highest) {
    int64_t shift = w->highest < 0 ? REPLAY_WINDOW : index - w->highest;
    w->bits = shift >= REPLAY_WINDOW ? 0 : w->bits << shift;
    w->highest = index;
    w->bits |= 1;
    return;
  }
  int64_t delta = w->highest - index;
  if (delta < REPLAY_WINDOW) w->bits |= (uint64_t)1 << delta;
}

/* ---- per-SSRC state tables ---- */

static ssrc_state *find_ssrc(ssrc_state *table, uint32_t ssrc) {
  for (int i = 0; i < MAX_SSRCS; i++)
    if (table[i].used && table[i].ssrc == ssrc) return &table[i];
  return NULL;
}

/*
 * A new entry; evicts the oldest when the table is full (inbound: as the Map's first key in srtp-session.ts).
 * Outbound tables hold our own SSRCs (one per stream sent): the cap of 32 is never reached in a call; the
 * TypeScript session's outbound maps have none.
 */
static ssrc_state *add_ssrc(psrtp_session *s, ssrc_state *table, uint32_t ssrc) {
  ssrc_state *slot = NULL;
  for (int i = 0; i < MAX_SSRCS; i++) {
    if (!table[i].used) {
      slot = &table[i];
      break;
    }
    if (slot == NULL || table[i].order < slot->order) slot = &table[i];
  }
  memset(slot, 0, sizeof *slot);
  slot->used = 1;
  slot->ssrc = ssrc;
  slot->order = ++s->order;
  slot->replay.highest = -1;
  return slot;
}

/* §3.3.1: v, the ROC guessed for seq given s_l; -1 for ROC - 1 with ROC = 0. */
static int64_t estimate_roc(uint32_t roc, uint16_t highest, uint16_t seq) {
  if (highest < SEQ_HALF) return (int)seq - (int)highest > SEQ_HALF ? (int64_t)roc - 1 : roc;
  return (int)highest - SEQ_HALF > (int)seq ? (int64_t)roc + 1 : roc;
}

/* Bytes of RTP header, or -1 when the packet is shorter than its header (plus the tag) says. */
static int rtp_header_length(const uint8_t *p, size_t length, int tag) {
  if (length < 12) return -1;
  size_t h = 12 + 4 * (size_t)(p[0] & 0x0f);
  if (p[0] & 0x10) {
    if (h + 4 > length) return -1;
    h += 4 + 4 * (size_t)((p[h + 2] << 8) | p[h + 3]);
  }
  return h + (size_t)tag <= length ? (int)h : -1;
}

/* ---- the transforms (srtp-cipher.ts) ---- */

/* AES-CM: (k_s·2^16) ⊕ (SSRC·2^64) ⊕ (i·2^16); GCM (RFC 7714 §8.1): 00 00 SSRC ROC SEQ ⊕ k_s. */
static void rtp_iv(const psrtp_session *s, const direction_keys *k, uint8_t *iv, uint32_t ssrc, uint32_t roc,
                   uint16_t seq) {
  int n = s->aead ? 12 : 16;
  memset(iv, 0, 16);
  write32(iv + (s->aead ? 2 : 4), ssrc);
  write32(iv + (s->aead ? 6 : 8), roc);
  iv[s->aead ? 10 : 12] = (uint8_t)(seq >> 8);
  iv[s->aead ? 11 : 13] = (uint8_t)seq;
  for (int i = 0; i < (s->aead ? 12 : 14) && i < n; i++) iv[i] ^= k->salt[i];
}

/* AES-CM: as RTP with i = the SRTCP index; GCM (RFC 7714 §9.1): 00 00 SSRC 00 00 index ⊕ k_s. */
static void rtcp_iv(const psrtp_session *s, const direction_keys *k, uint8_t *iv, uint32_t ssrc, uint32_t index) {
  memset(iv, 0, 16);
  write32(iv + (s->aead ? 2 : 4), ssrc);
  write32(iv + (s->aead ? 8 : 10), index);
  for (int i = 0; i < (s->aead ? 12 : 14); i++) iv[i] ^= k->salt[i];
}

static int ctr_xor(direction_keys *k, const uint8_t *iv, uint8_t *data, size_t length) {
  int n = 0;
  if (EVP_EncryptInit_ex(k->cipher, NULL, NULL, NULL, iv) != 1) return 0;
  return length == 0 || EVP_EncryptUpdate(k->cipher, data, &n, data, (int)length) == 1;
}

/* HMAC-SHA1(k_a, data || trailer) where trailer is the ROC for SRTP, nothing for SRTCP. */
static int hmac_sha1(direction_keys *k, const uint8_t *data, size_t length, const uint8_t *roc, uint8_t *out20) {
  size_t n = 0;
  if (EVP_MAC_init(k->mac, NULL, 0, NULL) != 1) return 0;
  if (EVP_MAC_update(k->mac, data, length) != 1) return 0;
  if (roc != NULL && EVP_MAC_update(k->mac, roc, 4) != 1) return 0;
  return EVP_MAC_final(k->mac, out20, &n, 20) == 1;
}

/* GCM encrypt in place: aad1 || aad2 authenticated, data encrypted, tag written. */
static int gcm_seal(direction_keys *k, const uint8_t *iv, const uint8_t *aad1, size_t aad1_length,
                    const uint8_t *aad2, size_t aad2_length, uint8_t *data, size_t length, uint8_t *tag) {
  int n = 0;
  EVP_CIPHER_CTX *c = k->cipher;
  if (EVP_EncryptInit_ex(c, NULL, NULL, NULL, iv) != 1) return 0;
  if (aad1_length > 0 && EVP_EncryptUpdate(c, NULL, &n, aad1, (int)aad1_length) != 1) return 0;
  if (aad2_length > 0 && EVP_EncryptUpdate(c, NULL, &n, aad2, (int)aad2_length) != 1) return 0;
  if (length > 0 && EVP_EncryptUpdate(c, data, &n, data, (int)length) != 1) return 0;
  if (EVP_EncryptFinal_ex(c, data + length, &n) != 1) return 0;
  return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
}

/* GCM decrypt in place; 0 when the tag does not match (an authentication failure). */
static int gcm_open(direction_keys *k, const uint8_t *iv, const uint8_t *aad1, size_t aad1_length,
                    const uint8_t *aad2, size_t aad2_length, uint8_t *data, size_t length, const uint8_t *tag) {
  int n = 0;
  uint8_t t[16];
  EVP_CIPHER_CTX *c = k->cipher;
  memcpy(t, tag, 16);
  if (EVP_DecryptInit_ex(c, NULL, NULL, NULL, iv) != 1) return 0;
  if (aad1_length > 0 && EVP_DecryptUpdate(c, NULL, &n, aad1, (int)aad1_length) != 1) return 0;
  if (aad2_length > 0 && EVP_DecryptUpdate(c, NULL, &n, aad2, (int)aad2_length) != 1) return 0;
  if (length > 0 && EVP_DecryptUpdate(c, data, &n, data, (int)length) != 1) return 0;
  if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, t) != 1) return 0;
  return EVP_DecryptFinal_ex(c, data + length, &n) == 1;
}

/* ---- SRTP ---- */

int psrtp_protect_rtp(psrtp_session *s, uint8_t *p, size_t length, size_t capacity) {
  int h = rtp_header_length(p, length, 0);
  if (h < 0) return PSRTP_MALFORMED;
  if (length + (size_t)s->tag > capacity) return PSRTP_NO_ROOM;
  uint32_t ssrc = read32(p + 8);
  uint16_t seq = (uint16_t)((p[2] << 8) | p[3]);
  ssrc_state *st = find_ssrc(s->out_rtp_ssrcs, ssrc);
  if (st == NULL) {
    st = add_ssrc(s, s->out_rtp_ssrcs, ssrc);
    st->highest = seq;
  }
  /* The sender's own index: a retransmission from before the last wrap keeps that ROC. */
  int64_t v = estimate_roc(st->roc, st->highest, seq);
  uint32_t roc = v < 0 ? 0 : (uint32_t)v;
  if (roc > st->roc || (roc == st->roc && seq > st->highest)) {
    st->roc = roc;
    st->highest = seq;
  }
  uint8_t iv[16];
  rtp_iv(s, &s->out_rtp, iv, ssrc, roc, seq);
  if (s->aead) {
    if (!gcm_seal(&s->out_rtp, iv, p, (size_t)h, NULL, 0, p + h, length - (size_t)h, p + length))
      return PSRTP_MALFORMED;
    return (int)length + 16;
  }
  uint8_t rocb[4], mac[20];
  write32(rocb, roc);
  if (!ctr_xor(&s->out_rtp, iv, p + h, length - (size_t)h)) return PSRTP_MALFORMED;
  if (!hmac_sha1(&s->out_rtp, p, length, rocb, mac)) return PSRTP_MALFORMED;
  memcpy(p + length, mac, (size_t)s->tag);
  return (int)length + s->tag;
}

int psrtp_unprotect_rtp(psrtp_session *s, uint8_t *p, size_t length) {
  int h = rtp_header_length(p, length, s->tag);
  if (h < 0) return PSRTP_MALFORMED;
  uint32_t ssrc = read32(p + 8);
  uint16_t seq = (uint16_t)((p[2] << 8) | p[3]);
  ssrc_state *st = find_ssrc(s->in_rtp_ssrcs, ssrc);
  int64_t v = st == NULL ? 0 : estimate_roc(st->roc, st->highest, seq);
  if (v < 0) return PSRTP_REPLAYED;
  uint32_t roc = (uint32_t)v;
  int64_t index = ((int64_t)roc << 16) + seq;
  if (st != NULL && !replay_check(&st->replay, index)) return PSRTP_REPLAYED;
  size_t end = length - (size_t)s->tag;
  uint8_t iv[16];
  rtp_iv(s, &s->in_rtp, iv, ssrc, roc, seq);
  if (s->aead) {
    if (!gcm_open(&s->in_rtp, iv, p, (size_t)h, NULL, 0, p + h, end - (size_t)h, p + end)) return PSRTP_AUTH_FAILED;
  } else {
    uint8_t rocb[4], mac[20];
    write32(rocb, roc);
    if (!hmac_sha1(&s->in_rtp, p, end, rocb, mac)) return PSRTP_AUTH_FAILED;
    if (CRYPTO_memcmp(mac, p + end, (size_t)s->tag) != 0) return PSRTP_AUTH_FAILED;
    if (!ctr_xor(&s->in_rtp, iv, p + h, end - (size_t)h)) return PSRTP_AUTH_FAILED;
  }
  /* §3.3.1: ROC and s_l move only once the packet authenticated. */
  if (st == NULL) {
    st = add_ssrc(s, s->in_rtp_ssrcs, ssrc);
    st->roc = roc;
    st->highest = seq;
    replay_accept(&st->replay, index);
  } else {
    replay_accept(&st->replay, index);
    if (roc > st->roc || (roc == st->roc && seq > st->highest)) {
      st->roc = roc;
      st->highest = seq;
    }
  }
  return (int)end;
}

/* ---- SRTCP (§3.4; RFC 7714 §9) ---- */

int psrtp_protect_rtcp(psrtp_session *s, uint8_t *p, size_t length, size_t capacity) {
  if (length < 8) return PSRTP_MALFORMED;
  if (length + (size_t)s->tag + SRTCP_TRAILER > capacity) return PSRTP_NO_ROOM;
  uint32_t ssrc = read32(p + 4);
  ssrc_state *st = find_ssrc(s->out_rtcp_ssrcs, ssrc);
  if (st == NULL) st = add_ssrc(s, s->out_rtcp_ssrcs, ssrc);
  uint32_t index = (uint32_t)((st->replay.highest + 1) & MAX_SRTCP_INDEX);
  st->replay.highest = index;
  uint8_t iv[16], trailer[4];
  rtcp_iv(s, &s->out_rtcp, iv, ssrc, index);
  write32(trailer, 0x80000000u | index);
  if (s->aead) {
    /* header || ciphertext || tag || E+index; the AAD is the 8-byte header and E+index. */
    if (!gcm_seal(&s->out_rtcp, iv, p, 8, trailer, 4, p + 8, length - 8, p + length)) return PSRTP_MALFORMED;
    memcpy(p + length + 16, trailer, 4);
    return (int)length + 16 + SRTCP_TRAILER;
  }
  uint8_t mac[20];
  if (!ctr_xor(&s->out_rtcp, iv, p + 8, length - 8)) return PSRTP_MALFORMED;
  memcpy(p + length, trailer, 4);
  if (!hmac_sha1(&s->out_rtcp, p, length + 4, NULL, mac)) return PSRTP_MALFORMED;
  memcpy(p + length + 4, mac, (size_t)s->tag);
  return (int)length + SRTCP_TRAILER + s->tag;
}

int psrtp_unprotect_rtcp(psrtp_session *s, uint8_t *p, size_t length) {
  if (length < 8 + SRTCP_TRAILER + (size_t)s->tag) return PSRTP_MALFORMED;
  size_t trailer_at = s->aead ? length - SRTCP_TRAILER : length - (size_t)s->tag - SRTCP_TRAILER;
  uint8_t trailer[4];
  memcpy(trailer, p + trailer_at, 4);
  uint32_t t = read32(trailer);
  uint32_t index = t & MAX_SRTCP_INDEX;
  int encrypted = (t >> 31) == 1;
  uint32_t ssrc = read32(p + 4);
  ssrc_state *st = find_ssrc(s->in_rtcp_ssrcs, ssrc);
  if (st != NULL && !replay_check(&st->replay, index)) return PSRTP_REPLAYED;
  uint8_t iv[16];
  rtcp_iv(s, &s->in_rtcp, iv, ssrc, index);
  size_t plain;
  if (s->aead) {
    size_t tag_at = trailer_at - 16;
    if (!encrypted) {
      /* §9.3: unencrypted SRTCP authenticates the whole packet as AAD. */
      if (!gcm_open(&s->in_rtcp, iv, p, tag_at, trailer, 4, NULL, 0, p + tag_at)) return PSRTP_AUTH_FAILED;
    } else if (!gcm_open(&s->in_rtcp, iv, p, 8, trailer, 4, p + 8, tag_at - 8, p + tag_at)) {
      return PSRTP_AUTH_FAILED;
    }
    plain = tag_at;
  } else {
    size_t tag_at = length - (size_t)s->tag;
    size_t end = tag_at - SRTCP_TRAILER;
    uint8_t mac[20];
    if (!hmac_sha1(&s->in_rtcp, p, tag_at, NULL, mac)) return PSRTP_AUTH_FAILED;
    if (CRYPTO_memcmp(mac, p + tag_at, (size_t)s->tag) != 0) return PSRTP_AUTH_FAILED;
    if (encrypted && !ctr_xor(&s->in_rtcp, iv, p + 8, end - 8)) return PSRTP_AUTH_FAILED;
    plain = end;
  }
  if (st == NULL) st = add_ssrc(s, s->in_rtcp_ssrcs, ssrc);
  replay_accept(&st->replay, index);
  return (int)plain;
}

/* ---- contexts ---- */

static void free_keys(direction_keys *k) {
  EVP_CIPHER_CTX_free(k->cipher);
  EVP_MAC_CTX_free(k->mac);
  k->cipher = NULL;
  k->mac = NULL;
}

static int init_keys(direction_keys *k, int aead, int decrypt, const psrtp_keys *in) {
  memset(k, 0, sizeof *k);
  memcpy(k->salt, in->salt, aead ? 12 : 14);
  k->cipher = EVP_CIPHER_CTX_new();
  if (k->cipher == NULL) return 0;
  if (aead) {
    int ok = decrypt ? EVP_DecryptInit_ex(k->cipher, EVP_aes_128_gcm(), NULL, in->key, NULL)
                     : EVP_EncryptInit_ex(k->cipher, EVP_aes_128_gcm(), NULL, in->key, NULL);
    return ok == 1;
  }
  if (EVP_EncryptInit_ex(k->cipher, EVP_aes_128_ctr(), NULL, in->key, NULL) != 1) return 0;
  EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  if (hmac == NULL) return 0;
  k->mac = EVP_MAC_CTX_new(hmac);
  EVP_MAC_free(hmac);
  if (k->mac == NULL) return 0;
  char digest[] = "SHA1";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  return EVP_MAC_init(k->mac, in->auth, 20, params) == 1;
}

psrtp_session *psrtp_create(int aead, int tag_length, const psrtp_keys *out_rtp, const psrtp_keys *out_rtcp,
                            const psrtp_keys *in_rtp, const psrtp_keys *in_rtcp) {
  /* The tag is the profile's: 16 bytes for GCM, 10 for AES_CM_128_HMAC_SHA1_80 (the length checks rely on it). */
  if (tag_length != (aead ? 16 : 10)) return NULL;
  psrtp_session *s = calloc(1, sizeof *s);
  if (s == NULL) return NULL;
  s->aead = aead;
  s->tag = tag_length;
  s->refs = 1;
  if (!init_keys(&s->out_rtp, aead, 0, out_rtp) || !init_keys(&s->out_rtcp, aead, 0, out_rtcp) ||
      !init_keys(&s->in_rtp, aead, 1, in_rtp) || !init_keys(&s->in_rtcp, aead, 1, in_rtcp)) {
    s->refs = 0;
    psrtp_release(s);
    return NULL;
  }
  return s;
}

void psrtp_retain(psrtp_session *s) { s->refs++; }

void psrtp_release(psrtp_session *s) {
  if (s == NULL || --s->refs > 0) return;
  free_keys(&s->out_rtp);
  free_keys(&s->out_rtcp);
  free_keys(&s->in_rtp);
  free_keys(&s->in_rtcp);
  OPENSSL_cleanse(s, sizeof *s);
  free(s);
}
