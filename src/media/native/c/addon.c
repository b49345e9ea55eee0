/*
 * Parley's native packet path (a Node-API addon): SRTP on OpenSSL (srtp.c) and UDP I/O on the main
 * thread's own libuv loop, without Node's per-datagram costs (a Buffer, a RemoteInfo object and a
 * MakeCallback per datagram received; a SendWrap, a lookup and a tick per datagram sent).
 *
 * Sockets stay Node's (dgram, werift's): attach() dup()s a socket's descriptor and polls the copy; the
 * dgram handle stops reading (the caller calls recvStop) but keeps sending what werift sends (STUN,
 * DTLS) on its own descriptor. Every datagram read in one loop iteration is unprotected here (when the
 * socket has an SRTP session) and handed to JavaScript in one batch from a check handle: one call per
 * iteration, not one per packet. JavaScript keeps all the logic (routes, statistics, RTCP, DTMF); send()
 * protects and sends in one call.
 *
 * Batch layout (Int32Array shared with JavaScript, ENTRY_INTS per datagram):
 *   [socket id, offset in the batch buffer, length, status, source IPv4 (as uint32), port, 0, 0, 0]
 * status: 0 raw (not SRTP-handled: STUN, DTLS, or a socket without SRTP), 1 RTP and 2 RTCP unprotected,
 *   below 0 dropped (PSRTP_* codes; -4 truncated; -1000 - errno: the socket reported an error).
 *
 * Fast routes (the steady state of a passthrough audio stream, as rtpengine's kernel forwarding): once
 * JavaScript has relayed a packet of a stream, it programs the receiving socket with what it just did (the
 * SSRC it came with, the payload types it maps, the sequence/timestamp offsets and SSRC the far side
 * sees, the source it is latched to, the socket it went out on) and the packets that follow the same way
 * are rewritten, protected and sent here. JavaScript still sees each one, as numbers for its statistics
 * (status 3, or 4 when the send failed; no bytes):
 * [id, payload length, length, status, ip, port, SSRC, timestamp, seq | PT << 16 | marker << 23 | errno << 24].
 * Anything else (another SSRC, PT or source, DTMF, RTCP, video) takes the JavaScript path, which re-programs.
 * A route dies by itself when either socket changes (peer, SRTP session, detach, invalidate: a generation
 * number per socket) and JavaScript clears it when its own state changes (offsets, routes, injection).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include "bytes.h"
#include "srtp.h"

#define ENTRY_INTS 9
#define MAX_ENTRIES 256
#define SLOT 8192
#define RECV_BATCH 8
#define DATA_SIZE (MAX_ENTRIES * 512 + RECV_BATCH * SLOT)
#define STATUS_RAW 0
#define STATUS_RTP 1
#define STATUS_RTCP 2
#define STATUS_FORWARDED 3
#define STATUS_FORWARD_FAILED 4 /* forwarded, but the send failed (errno in the entry) */
#define STATUS_TRUNCATED (-4)
#define STATUS_ERRNO_BASE (-1000)

typedef struct engine engine;
typedef struct psocket psocket;

typedef struct {
  psocket *out;
  uint32_t in_generation, out_generation;
  uint32_t in_ssrc, out_ssrc, timestamp_offset;
  uint16_t sequence_offset;
  int16_t payload_types[128]; /* incoming PT → outgoing PT; -1: not on the route */
  int check_source;
  struct sockaddr_in source;
} fast_route;

struct psocket {
  uv_poll_t poll;
  engine *eng;
  int fd;
  int32_t id;
  int rtcp_only;
  psrtp_session *srtp;
  struct sockaddr_in peer;
  int has_peer;
  int detached;  /* uv_close called */
  int closed;    /* uv close callback ran */
  int finalized; /* the JavaScript object is gone */
  uint32_t generation;
  fast_route *route;
  psocket *next;
};

struct engine {
  napi_env env;
  uv_loop_t *loop;
  uv_check_t check;
  napi_ref callback;
  napi_ref meta_ref;
  napi_async_context async;
  int32_t *meta;
  size_t meta_entries;
  size_t count;
  size_t used;
  int delivering;
  int open_handles; /* uv handles not yet closed (the check, one poll per attached socket) */
  napi_async_cleanup_hook_handle cleanup;
  psocket *sockets;
  uint8_t data[DATA_SIZE];
};

/* ---- helpers ---- */

#define CHECK(call)                                                             \
  do {                                                                          \
    if ((call) != napi_ok) {                                                    \
      napi_throw_error(env, "PARLEY_NATIVE", "Node-API call failed: " #call); \
      return NULL;                                                              \
    }                                                                           \
  } while (0)

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "PARLEY_NATIVE_ARGUMENT", message);
  return NULL;
}

static napi_value make_int(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

static napi_value undefined_value(napi_env env) {
  napi_value r;
  napi_get_undefined(env, &r);
  return r;
}

static engine *get_engine(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

static int get_external(napi_env env, napi_value v, void **out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) return 0;
  return napi_get_value_external(env, v, out) == napi_ok && *out != NULL;
}

static int get_bytes(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  bool is_buffer = false;
  if (napi_is_buffer(env, v, &is_buffer) != napi_ok || !is_buffer) return 0;
  return napi_get_buffer_info(env, v, (void **)data, length) == napi_ok;
}

/* ---- the batch ---- */

static void deliver(engine *e) {
  if (e->count == 0 || e->delivering) return;
  napi_env env = e->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn, resource, argv[2], result;
  size_t count = e->count;
  e->delivering = 1;
  if (napi_get_reference_value(env, e->callback, &fn) == napi_ok &&
      napi_create_buffer_copy(env, e->used, e->data, NULL, &argv[0]) == napi_ok &&
      napi_create_uint32(env, (uint32_t)count, &argv[1]) == napi_ok && napi_create_object(env, &resource) == napi_ok) {
    e->count = 0;
    e->used = 0;
    napi_callback_scope cb_scope;
    if (napi_open_callback_scope(env, resource, e->async, &cb_scope) == napi_ok) {
      napi_status status = napi_call_function(env, resource, fn, 2, argv, &result);
      if (status == napi_pending_exception) {
        napi_value error;
        napi_get_and_clear_last_exception(env, &error);
        napi_fatal_exception(env, error);
      }
      napi_close_callback_scope(env, cb_scope);
    }
  }
  e->count = 0;
  e->used = 0;
  e->delivering = 0;
  napi_close_handle_scope(env, scope);
}

static void on_check(uv_check_t *handle) { deliver(handle->data); }

static void add_entry(engine *e, psocket *s, size_t offset, int length, int status, const struct sockaddr_in *from) {
  int32_t *m = e->meta + e->count * ENTRY_INTS;
  m[0] = s->id;
  m[1] = (int32_t)offset;
  m[2] = length;
  m[3] = status;
  m[4] = from == NULL ? 0 : (int32_t)ntohl(from->sin_addr.s_addr);
  m[5] = from == NULL ? 0 : ntohs(from->sin_port);
  m[6] = m[7] = m[8] = 0;
  e->count++;
}


/*
 * The fast route: 1 when the (unprotected) RTP packet went out here, 0 for the JavaScript path. The checks
 * are parseRtpHeader's (rtp-header.ts) and the bridge's own; the rewrite is Forwarder.rewrite's.
 */
static int forward(engine *e, psocket *s, uint8_t *p, int length, const struct sockaddr_in *from) {
  fast_route *r = s->route;
  psocket *o = r->out;
  if (r->in_generation != s->generation || o->detached || r->out_generation != o->generation || !o->has_peer) {
    free(r); /* something changed on either side: JavaScript decides again */
    s->route = NULL;
    return 0;
  }
  if (length < 12 || (p[0] >> 6) != 2) return 0;
  int pt = p[1] & 0x7f;
  int out_pt = r->payload_types[pt];
  if (out_pt < 0 || read32(p + 8) != r->in_ssrc) return 0;
  if (r->check_source && (from == NULL || from->sin_addr.s_addr != r->source.sin_addr.s_addr ||
                          from->sin_port != r->source.sin_port))
    return 0;
  int offset = 12 + 4 * (p[0] & 0x0f);
  if (p[0] & 0x10) {
    if (offset + 4 > length) return 0;
    offset += 4 + 4 * ((p[offset + 2] << 8) | p[offset + 3]);
  }
  int end = length;
  if (p[0] & 0x20) {
    if (p[length - 1] == 0) return 0;
    end -= p[length - 1];
  }
  if (offset > end) return 0;
  uint16_t seq = (uint16_t)((p[2] << 8) | p[3]);
  uint32_t ts = read32(p + 4);
  uint32_t ssrc = r->in_ssrc;
  p[1] = (uint8_t)((p[1] & 0x80) | out_pt);
  uint16_t out_seq = (uint16_t)(seq + r->sequence_offset);
  p[2] = (uint8_t)(out_seq >> 8);
  p[3] = (uint8_t)out_seq;
  write32(p + 4, ts + r->timestamp_offset);
  write32(p + 8, r->out_ssrc);
  int n = o->srtp == NULL ? length : psrtp_protect_rtp(o->srtp, p, (size_t)length, SLOT);
  int status = STATUS_FORWARDED, error = 0;
  if (n < 0) {
    status = STATUS_FORWARD_FAILED;
    error = -n;
  } else {
    ssize_t sent;
    do {
      sent = sendto(o->fd, p, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&o->peer, sizeof o->peer);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
      status = STATUS_FORWARD_FAILED;
      error = errno;
    }
  }
  int32_t *m = e->meta + e->count * ENTRY_INTS;
  add_entry(e, s, 0, length, status, from);
  m[1] = end - offset;
  m[6] = (int32_t)ssrc;
  m[7] = (int32_t)ts;
  /* seq | PT << 16 | marker << 23 | errno (0-255) << 24 */
  m[8] = (int32_t)((uint32_t)seq | ((uint32_t)pt << 16) | ((uint32_t)(p[1] & 0x80) << 16) |
                   ((uint32_t)(error > 255 ? 255 : error) << 24));
  return 1;
}

/* RFC 7983 §7: 128-191 is RTP/RTCP; RFC 5761 §4: PT 192-223 (the second byte) is RTCP. */
static int classify_and_unprotect(psocket *s, uint8_t *p, int *length) {
  if (s->srtp == NULL || *length < 2 || p[0] < 128 || p[0] > 191) return STATUS_RAW;
  int rtcp = s->rtcp_only || (p[1] >= 192 && p[1] <= 223);
  int n = rtcp ? psrtp_unprotect_rtcp(s->srtp, p, (size_t)*length) : psrtp_unprotect_rtp(s->srtp, p, (size_t)*length);
  if (n < 0) return n;
  *length = n;
  return rtcp ? STATUS_RTCP : STATUS_RTP;
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  psocket *s = handle->data;
  engine *e = s->eng;
  if (s->detached) return;
  if (status < 0) {
    if (e->count >= e->meta_entries) deliver(e);
    if (s->detached || e->count >= e->meta_entries) return;
    add_entry(e, s, e->used, 0, STATUS_ERRNO_BASE + status, NULL);
    return;
  }
  for (;;) {
    if (e->count + RECV_BATCH > e->meta_entries || e->used + RECV_BATCH * SLOT > DATA_SIZE) {
      deliver(e);
      /* A handler may have detached this socket; a batch that could not be delivered leaves no room:
         level-triggered polling reports the socket again. */
      if (s->detached || e->count + RECV_BATCH > e->meta_entries || e->used + RECV_BATCH * SLOT > DATA_SIZE) return;
    }
    struct mmsghdr msgs[RECV_BATCH];
    struct iovec iov[RECV_BATCH];
    struct sockaddr_in from[RECV_BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < RECV_BATCH; i++) {
      iov[i].iov_base = e->data + e->used + (size_t)i * SLOT;
      /* Room left in each slot for a fast route's SRTP tag: a datagram that fills it is reported truncated. */
      iov[i].iov_len = SLOT - PSRTP_MAX_OVERHEAD;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    int n = recvmmsg(s->fd, msgs, RECV_BATCH, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) add_entry(e, s, e->used, 0, STATUS_ERRNO_BASE - errno, NULL);
      return;
    }
    size_t base = e->used;
    for (int i = 0; i < n; i++) {
      uint8_t *slot = e->data + base + (size_t)i * SLOT;
      int length = (int)msgs[i].msg_len;
      int st;
      if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
        st = STATUS_TRUNCATED;
        length = 0;
      } else {
        st = classify_and_unprotect(s, slot, &length);
        if (st < 0) length = 0;
      }
      const struct sockaddr_in *src = from[i].sin_family == AF_INET ? &from[i] : NULL;
      /* Plain RTP (a socket without SRTP) comes out of classify as raw. */
      int rtp = st == STATUS_RTP || (st == STATUS_RAW && s->srtp == NULL && !s->rtcp_only && length >= 12 &&
                                     slot[0] >= 128 && slot[0] <= 191 && (slot[1] < 192 || slot[1] > 223));
      if (rtp && s->route != NULL && forward(e, s, slot, length, src)) continue;
      /* Compact: the slots lie at or after e->used. */
      if (length > 0 && slot != e->data + e->used) memmove(e->data + e->used, slot, (size_t)length);
      add_entry(e, s, e->used, length, st, src);
      e->used += ((size_t)length + 7) & ~(size_t)7;
    }
    if (n < RECV_BATCH) return;
  }
}

/* ---- sockets ---- */

static void free_socket(psocket *s) {
  engine *e = s->eng;
  for (psocket **p = &e->sockets; *p != NULL; p = &(*p)->next) {
    if (*p == s) {
      *p = s->next;
      break;
    }
  }
  if (s->srtp != NULL) psrtp_release(s->srtp);
  free(s->route);
  free(s);
}

static void handle_closed(engine *e) {
  if (--e->open_handles == 0 && e->cleanup != NULL) {
    napi_remove_async_cleanup_hook(e->cleanup);
    e->cleanup = NULL;
  }
}

static void on_closed(uv_handle_t *handle) {
  psocket *s = handle->data;
  s->closed = 1;
  handle_closed(s->eng);
  if (s->finalized) free_socket(s);
}

static void detach_socket(psocket *s) {
  if (s->detached) return;
  s->detached = 1;
  s->generation++;
  free(s->route);
  s->route = NULL;
  /* Routes toward this socket end with it: they hold a pointer to it, and it may be freed next. */
  for (psocket *other = s->eng->sockets; other != NULL; other = other->next) {
    if (other->route != NULL && other->route->out == s) {
      free(other->route);
      other->route = NULL;
    }
  }
  uv_poll_stop(&s->poll);
  /* uv_close takes the descriptor out of the loop's epoll set at once: it can be closed now (the port is
     free again when the owner closes its socket, not a loop iteration later). */
  uv_close((uv_handle_t *)&s->poll, on_closed);
  close(s->fd);
  s->fd = -1;
}

static void finalize_socket(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  psocket *s = data;
  s->finalized = 1;
  detach_socket(s);
  if (s->closed) free_socket(s);
}

static void free_unstarted(uv_handle_t *handle) { free(handle->data); }

/* attach(fd, id, rtcpOnly) → socket handle. The caller stops the dgram handle's reading. */
static napi_value js_attach(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  engine *e = get_engine(env);
  if (e == NULL || e->callback == NULL) return throw_type(env, "init() first");
  int32_t fd = -1, id = 0;
  bool rtcp_only = false;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_get_value_int32(env, argv[1], &id) != napi_ok || napi_get_value_bool(env, argv[2], &rtcp_only) != napi_ok)
    return throw_type(env, "attach(fd, id, rtcpOnly)");
  int copy = dup(fd);
  if (copy < 0) {
    napi_throw_error(env, "PARLEY_NATIVE_ATTACH", strerror(errno));
    return NULL;
  }
  psocket *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(copy);
    napi_throw_error(env, "PARLEY_NATIVE_ATTACH", "out of memory");
    return NULL;
  }
  s->eng = e;
  s->fd = copy;
  s->id = id;
  s->rtcp_only = rtcp_only;
  s->poll.data = s;
  int r = uv_poll_init_socket(e->loop, &s->poll, copy);
  if (r != 0) {
    close(copy);
    free(s);
    napi_throw_error(env, "PARLEY_NATIVE_ATTACH", uv_strerror(r));
    return NULL;
  }
  r = uv_poll_start(&s->poll, UV_READABLE, on_readable);
  if (r != 0) {
    uv_close((uv_handle_t *)&s->poll, free_unstarted);
    close(copy);
    napi_throw_error(env, "PARLEY_NATIVE_ATTACH", uv_strerror(r));
    return NULL;
  }
  e->open_handles++;
  s->next = e->sockets;
  e->sockets = s;
  napi_value handle;
  if (napi_create_external(env, s, finalize_socket, NULL, &handle) != napi_ok) {
    s->finalized = 1;
    detach_socket(s);
    napi_throw_error(env, "PARLEY_NATIVE_ATTACH", "napi_create_external failed");
    return NULL;
  }
  return handle;
}

/* The native object behind an external (a socket or an SRTP session), or NULL. */
static void *external_arg(napi_env env, napi_value v) {
  void *p = NULL;
  return get_external(env, v, &p) ? p : NULL;
}
#define socket_arg(env, v) ((psocket *)external_arg(env, v))
#define session_arg(env, v) ((psrtp_session *)external_arg(env, v))

static napi_value js_detach(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  psocket *s = argc < 1 ? NULL : socket_arg(env, argv[0]);
  if (s == NULL) return throw_type(env, "detach(socket)");
  detach_socket(s);
  return undefined_value(env);
}

/* setPeer(socket, ipv4 as uint32, port); port 0 clears it. */
static napi_value js_set_peer(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  psocket *s = argc < 3 ? NULL : socket_arg(env, argv[0]);
  uint32_t ip = 0, port = 0;
  if (s == NULL || napi_get_value_uint32(env, argv[1], &ip) != napi_ok ||
      napi_get_value_uint32(env, argv[2], &port) != napi_ok || port > 65535)
    return throw_type(env, "setPeer(socket, ip, port)");
  memset(&s->peer, 0, sizeof s->peer);
  s->peer.sin_family = AF_INET;
  s->peer.sin_addr.s_addr = htonl(ip);
  s->peer.sin_port = htons((uint16_t)port);
  s->has_peer = port != 0;
  s->generation++;
  return undefined_value(env);
}

/* setSrtp(socket, session | null): inbound RTP/RTCP on the socket is unprotected with it from now. */
static napi_value js_set_srtp(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  psocket *s = argc < 2 ? NULL : socket_arg(env, argv[0]);
  if (s == NULL) return throw_type(env, "setSrtp(socket, session)");
  napi_valuetype t;
  CHECK(napi_typeof(env, argv[1], &t));
  psrtp_session *session = t == napi_null || t == napi_undefined ? NULL : session_arg(env, argv[1]);
  if (session == NULL && t != napi_null && t != napi_undefined) return throw_type(env, "setSrtp(socket, session)");
  if (session != NULL) psrtp_retain(session);
  if (s->srtp != NULL) psrtp_release(s->srtp);
  s->srtp = session;
  s->generation++;
  return undefined_value(env);
}

/*
 * send(socket, packet, mode, session?) → 0 or below: mode 0 as is, 1 SRTP-protect as RTP, 2 as RTCP (with
 * `session`). The packet is copied: the caller's buffer is not changed. Errors: PSRTP_* codes, -1000 - errno.
 */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  psocket *s = argc < 3 ? NULL : socket_arg(env, argv[0]);
  uint8_t *data = NULL;
  size_t length = 0;
  int32_t mode = 0;
  if (s == NULL || !get_bytes(env, argv[1], &data, &length) || napi_get_value_int32(env, argv[2], &mode) != napi_ok ||
      mode < 0 || mode > 2)
    return throw_type(env, "send(socket, packet, mode 0-2, session)");
  if (s->detached) return make_int(env, STATUS_ERRNO_BASE - EBADF);
  if (!s->has_peer) return make_int(env, STATUS_ERRNO_BASE - EDESTADDRREQ);
  if (length > 65507 - PSRTP_MAX_OVERHEAD) return make_int(env, STATUS_ERRNO_BASE - EMSGSIZE);
  uint8_t stack[2048];
  uint8_t *buf = length + PSRTP_MAX_OVERHEAD <= sizeof stack ? stack : malloc(length + PSRTP_MAX_OVERHEAD);
  if (buf == NULL) return make_int(env, STATUS_ERRNO_BASE - ENOMEM);
  if (length > 0) memcpy(buf, data, length);
  int n = (int)length;
  if (mode != 0) {
    psrtp_session *session = argc < 4 ? NULL : session_arg(env, argv[3]);
    if (session == NULL) n = PSRTP_MALFORMED;
    else if (mode == 1) n = psrtp_protect_rtp(session, buf, length, length + PSRTP_MAX_OVERHEAD);
    else n = psrtp_protect_rtcp(session, buf, length, length + PSRTP_MAX_OVERHEAD);
  }
  int result = n;
  if (n >= 0) {
    ssize_t sent;
    do {
      sent = sendto(s->fd, buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&s->peer, sizeof s->peer);
    } while (sent < 0 && errno == EINTR);
    result = sent < 0 ? STATUS_ERRNO_BASE - errno : 0;
  }
  if (buf != stack) free(buf);
  return make_int(env, result);
}

/*
 * setRoute(in, out | null, inSsrc, outSsrc, sequenceOffset, timestampOffset, payloadTypes, sourceIp, sourcePort)
 * payloadTypes: a 128-byte Buffer, outgoing PT per incoming PT, 255 = not routed. sourcePort 0: any source.
 * out null clears the route. Both sockets' present state (peer, SRTP session) is what the route uses.
 */
static napi_value js_set_route(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  psocket *s = argc < 2 ? NULL : socket_arg(env, argv[0]);
  if (s == NULL) return throw_type(env, "setRoute(in, out, …)");
  napi_valuetype t;
  CHECK(napi_typeof(env, argv[1], &t));
  free(s->route);
  s->route = NULL;
  if (t == napi_null || t == napi_undefined) return undefined_value(env);
  psocket *o = socket_arg(env, argv[1]);
  uint32_t in_ssrc = 0, out_ssrc = 0, seq_offset = 0, ts_offset = 0, ip = 0, port = 0;
  uint8_t *pts = NULL;
  size_t pts_length = 0;
  if (o == NULL || argc < 9 || napi_get_value_uint32(env, argv[2], &in_ssrc) != napi_ok ||
      napi_get_value_uint32(env, argv[3], &out_ssrc) != napi_ok ||
      napi_get_value_uint32(env, argv[4], &seq_offset) != napi_ok ||
      napi_get_value_uint32(env, argv[5], &ts_offset) != napi_ok || !get_bytes(env, argv[6], &pts, &pts_length) ||
      pts_length != 128 || napi_get_value_uint32(env, argv[7], &ip) != napi_ok ||
      napi_get_value_uint32(env, argv[8], &port) != napi_ok || port > 65535)
    return throw_type(env, "setRoute(in, out, inSsrc, outSsrc, seqOffset, tsOffset, payloadTypes, ip, port)");
  if (s->detached || o->detached || !o->has_peer) return make_int(env, 0);
  fast_route *r = calloc(1, sizeof *r);
  if (r == NULL) return make_int(env, 0);
  r->out = o;
  r->in_generation = s->generation;
  r->out_generation = o->generation;
  r->in_ssrc = in_ssrc;
  r->out_ssrc = out_ssrc;
  r->sequence_offset = (uint16_t)seq_offset;
  r->timestamp_offset = ts_offset;
  for (int i = 0; i < 128; i++) r->payload_types[i] = pts[i] > 127 ? -1 : pts[i];
  r->check_source = port != 0;
  r->source.sin_family = AF_INET;
  r->source.sin_addr.s_addr = htonl(ip);
  r->source.sin_port = htons((uint16_t)port);
  s->route = r;
  return make_int(env, 1);
}

/* invalidate(socket): routes from and to this socket end (its leg's negotiation changed). */
static napi_value js_invalidate(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  psocket *s = argc < 1 ? NULL : socket_arg(env, argv[0]);
  if (s == NULL) return throw_type(env, "invalidate(socket)");
  s->generation++;
  return undefined_value(env);
}

/* ---- SRTP sessions as JavaScript values ---- */

static void finalize_session(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  psrtp_release(data);
}

/* srtpCreate(aead, tagLength, keys[12]): out RTP key/salt/auth, out RTCP …, in RTP …, in RTCP …. */
static napi_value js_srtp_create(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool aead = false, is_array = false;
  int32_t tag = 0;
  uint32_t n = 0;
  if (argc < 3 || napi_get_value_bool(env, argv[0], &aead) != napi_ok ||
      napi_get_value_int32(env, argv[1], &tag) != napi_ok || tag != (aead ? 16 : 10) ||
      napi_is_array(env, argv[2], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[2], &n) != napi_ok || n != 12)
    return throw_type(env, "srtpCreate(aead, tagLength, keys[12])");
  psrtp_keys keys[4];
  for (uint32_t i = 0; i < 12; i++) {
    napi_value item;
    uint8_t *bytes = NULL;
    size_t length = 0;
    CHECK(napi_get_element(env, argv[2], i, &item));
    if (!get_bytes(env, item, &bytes, &length)) return throw_type(env, "srtpCreate: keys must be Buffers");
    size_t want = i % 3 == 0 ? 16 : i % 3 == 1 ? (aead ? 12 : 14) : (aead ? 0 : 20);
    if (length != want) return throw_type(env, "srtpCreate: a key has the wrong length");
    if (i % 3 == 0) keys[i / 3].key = bytes;
    else if (i % 3 == 1) keys[i / 3].salt = bytes;
    else keys[i / 3].auth = aead ? NULL : bytes;
  }
  psrtp_session *s = psrtp_create(aead, tag, &keys[0], &keys[1], &keys[2], &keys[3]);
  if (s == NULL) {
    napi_throw_error(env, "PARLEY_NATIVE_SRTP", "OpenSSL could not create the SRTP contexts");
    return NULL;
  }
  napi_value handle;
  if (napi_create_external(env, s, finalize_session, NULL, &handle) != napi_ok) {
    psrtp_release(s);
    napi_throw_error(env, "PARLEY_NATIVE_SRTP", "napi_create_external failed");
    return NULL;
  }
  return handle;
}

/* srtpTransform(session, packet, op) → a new Buffer, or a PSRTP_* code (op 0/1 protect RTP/RTCP, 2/3 unprotect). */
static napi_value js_srtp_transform(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  psrtp_session *s = argc < 3 ? NULL : session_arg(env, argv[0]);
  uint8_t *data = NULL;
  size_t length = 0;
  int32_t op = -1;
  if (s == NULL || !get_bytes(env, argv[1], &data, &length) || napi_get_value_int32(env, argv[2], &op) != napi_ok ||
      op < 0 || op > 3)
    return throw_type(env, "srtpTransform(session, packet, op)");
  if (length > 65535) return make_int(env, PSRTP_MALFORMED);
  uint8_t stack[2048];
  size_t capacity = length + PSRTP_MAX_OVERHEAD;
  uint8_t *buf = capacity <= sizeof stack ? stack : malloc(capacity);
  if (buf == NULL) return make_int(env, PSRTP_NO_ROOM);
  if (length > 0) memcpy(buf, data, length);
  int n = op == 0   ? psrtp_protect_rtp(s, buf, length, capacity)
          : op == 1 ? psrtp_protect_rtcp(s, buf, length, capacity)
          : op == 2 ? psrtp_unprotect_rtp(s, buf, length)
                    : psrtp_unprotect_rtcp(s, buf, length);
  napi_value result = NULL;
  if (n < 0) result = make_int(env, n);
  else if (napi_create_buffer_copy(env, (size_t)n, buf, NULL, &result) != napi_ok) result = make_int(env, PSRTP_NO_ROOM);
  if (buf != stack) free(buf);
  return result;
}

/* ---- the engine ---- */

/* init(callback(batch: Buffer, count), meta: Int32Array of MAX_ENTRIES * ENTRY_INTS) — once per thread. */
static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  engine *e = get_engine(env);
  if (e == NULL) return throw_type(env, "engine missing");
  if (e->callback != NULL) {
    napi_throw_error(env, "PARLEY_NATIVE_INIT", "init() was already called in this thread");
    return NULL;
  }
  napi_valuetype t;
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (argc < 2 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_function ||
      napi_is_typedarray(env, argv[1], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[1], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_int32_array ||
      length < (size_t)RECV_BATCH * ENTRY_INTS)
    return throw_type(env, "init(callback, Int32Array)");
  CHECK(napi_create_reference(env, argv[0], 1, &e->callback));
  CHECK(napi_create_reference(env, argv[1], 1, &e->meta_ref));
  e->meta = data;
  e->meta_entries = length / ENTRY_INTS;
  napi_value resource, name;
  CHECK(napi_create_object(env, &resource));
  CHECK(napi_create_string_utf8(env, "parley:packet-path", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, resource, name, &e->async));
  CHECK(napi_get_uv_event_loop(env, &e->loop));
  uv_check_init(e->loop, &e->check);
  e->open_handles++;
  e->check.data = e;
  uv_check_start(&e->check, on_check);
  uv_unref((uv_handle_t *)&e->check);
  return make_int(env, (int32_t)e->meta_entries);
}

static void on_check_closed(uv_handle_t *handle) { handle_closed(handle->data); }

/* The environment ends (a worker thread exits): every handle is closed before its loop is. */
static void cleanup(napi_async_cleanup_hook_handle handle, void *arg) {
  engine *e = arg;
  e->cleanup = handle;
  e->open_handles++; /* held until every close below has been asked for */
  for (psocket *s = e->sockets; s != NULL; s = s->next) detach_socket(s);
  if (e->loop != NULL) {
    uv_check_stop(&e->check);
    uv_close((uv_handle_t *)&e->check, on_check_closed);
  }
  handle_closed(e);
}

static void finalize_engine(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  /* Sockets and the check handle belong to a loop that is ending with this environment. */
  (void)data;
}

static napi_value init_module(napi_env env, napi_value exports) {
  engine *e = calloc(1, sizeof *e);
  if (e == NULL) return NULL;
  e->env = env;
  if (napi_set_instance_data(env, e, finalize_engine, NULL) != napi_ok) return NULL;
  napi_add_async_cleanup_hook(env, cleanup, e, NULL);
  napi_property_descriptor props[] = {
      {"init", NULL, js_init, NULL, NULL, NULL, napi_default, NULL},
      {"attach", NULL, js_attach, NULL, NULL, NULL, napi_default, NULL},
      {"detach", NULL, js_detach, NULL, NULL, NULL, napi_default, NULL},
      {"setPeer", NULL, js_set_peer, NULL, NULL, NULL, napi_default, NULL},
      {"setSrtp", NULL, js_set_srtp, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"setRoute", NULL, js_set_route, NULL, NULL, NULL, napi_default, NULL},
      {"invalidate", NULL, js_invalidate, NULL, NULL, NULL, napi_default, NULL},
      {"srtpCreate", NULL, js_srtp_create, NULL, NULL, NULL, napi_default, NULL},
      {"srtpTransform", NULL, js_srtp_transform, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init_module)
