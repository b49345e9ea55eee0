// Frames SIP messages out of a TCP or TLS byte stream (RFC 3261 §18.3): the header section ends at the
// first empty line, and Content-Length says how many body bytes follow. Between messages:
//   RFC 3261 §7.5: CRLFs before a start line are ignored;
//   RFC 5626 §3.5.1: a double CRLF ("\r\n\r\n") is a keep-alive ping, answered by a single CRLF pong.
// A message that is framed but malformed is reported as an error and the stream goes on; a framing error
// (oversize message, unreadable Content-Length) fails the stream: the transport must close the connection.

import { err, ok, type Result, SipError } from '../errors.js';
import type { SipMessage } from './message.js';
import { findHeadEnd, parseHead } from './parser.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from './types.js';

export interface StreamParserHandlers {
  /** A "\r\n\r\n" keep-alive arrived: the transport answers "\r\n" (RFC 5626 §3.5.1). */
  onPing?: () => void;
  /** A lone "\r\n" arrived between messages: the answer to a ping this side sent. */
  onPong?: () => void;
}

/** One framed unit of the stream: the parse result and the exact bytes it was read from. */
export interface StreamFrame {
  result: Result<SipMessage>;
  /**
   * The message's bytes (start line to end of body), so that a transport can read enough of a malformed
   * request to answer it (RFC 3261 §8.2, 400). Undefined for a framing error, which has no message bounds.
   */
  bytes: Buffer | undefined;
  /** True for a framing error: the stream failed and the connection must be closed. */
  fatal: boolean;
}

interface FramedHead {
  headEnd: number;
  bodyStart: number;
  length: number;
  head: ReturnType<typeof parseHead>;
}

const CR = 0x0d;
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

/** Finds Content-Length in a head that did not parse, so that the stream can skip the broken message. */
function salvageContentLength(head: string): number | undefined {
  const m = /(?:^|\n)(?:content-length|l)[ \t]*:[ \t]*(\d{1,10})[ \t]*\r?(?:\n|$)/i.exec(head);
  return m === null ? undefined : Number(m[1]);
}

export class StreamParser {
  /**
   * Unframed bytes are store[start, end). The store is the caller's chunk while one chunk holds them all
   * (no copy), else a buffer of ours that grows by doubling, so that a peer dribbling bytes costs linear
   * time, not a copy of everything buffered per chunk.
   */
  private store: Buffer = EMPTY;
  private owned = false;
  private start = 0;
  private end = 0;
  /** Where the search for the end of the current header section resumes. */
  private scanFrom = 0;
  private error: SipError | undefined;
  /** The parsed head of a message whose body is still arriving, so that it is not parsed again per chunk. */
  private head: FramedHead | undefined;
  private readonly limits: ParseLimits;
  private readonly handlers: StreamParserHandlers;

  constructor(limits: ParseLimits = DEFAULT_PARSE_LIMITS, handlers: StreamParserHandlers = {}) {
    this.limits = limits;
    this.handlers = handlers;
  }

  /** True once a framing error was returned: nothing more is parsed and the connection should be closed. */
  get failed(): boolean {
    return this.error !== undefined;
  }

  /** Bytes received and not yet framed into a message. */
  get pending(): number {
    return this.end - this.start;
  }

  /** The unframed bytes (a view, valid until the next push). */
  private get buf(): Buffer {
    return this.store.subarray(this.start, this.end);
  }

  private append(chunk: Buffer): void {
    const len = this.end - this.start;
    if (len === 0 && !this.owned) {
      this.store = chunk;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    if (!this.owned || this.end + chunk.length > this.store.length) {
      if (this.owned && len + chunk.length <= this.store.length) {
        this.store.copyWithin(0, this.start, this.end);
      } else {
        const next = Buffer.allocUnsafe(Math.max(len + chunk.length, this.owned ? this.store.length * 2 : 4096));
        this.store.copy(next, 0, this.start, this.end);
        this.store = next;
        this.owned = true;
      }
      this.start = 0;
      this.end = len;
    }
    chunk.copy(this.store, this.end);
    this.end += chunk.length;
  }

  private reset(): void {
    this.store = EMPTY;
    this.owned = false;
    this.start = 0;
    this.end = 0;
    this.scanFrom = 0;
    this.head = undefined;
  }

  /** Feeds bytes; returns the messages (and errors) completed by them, in order. */
  push(chunk: Buffer): Result<SipMessage>[] {
    return this.pushFrames(chunk).map((f) => f.result);
  }

  /** Like push, with each result's bytes and whether it failed the stream. */
  pushFrames(chunk: Buffer): StreamFrame[] {
    if (this.error !== undefined) return [];
    this.append(chunk);
    const out: StreamFrame[] = [];
    for (;;) {
      const f = this.next();
      if (f === undefined) break;
      out.push(f);
      if (f.fatal) {
        this.reset();
        break;
      }
    }
    return out;
  }

  private fatal(e: SipError): StreamFrame {
    this.error = e;
    return { result: err(e), bytes: undefined, fatal: true };
  }

  private consume(n: number): void {
    this.start = Math.min(this.start + n, this.end);
    this.scanFrom = 0;
    this.head = undefined;
    if (this.start === this.end) {
      // Keep our buffer for the next message unless it grew past the usual size.
      if (!this.owned || this.store.length > 64 * 1024) this.reset();
      else this.start = this.end = 0;
    }
  }

  /** One framed result, or undefined when more bytes are needed. */
  private next(): StreamFrame | undefined {
    // Keep-alives and stray line breaks between messages.
    while (this.buf.length > 0 && this.scanFrom === 0) {
      const b = this.buf;
      if (b[0] === CR) {
        if (b.length < 2) return undefined;
        if (b[1] !== LF) break;
        if (b.length >= 4 && b[2] === CR && b[3] === LF) {
          this.consume(4);
          this.handlers.onPing?.();
        } else if (b.length === 3 && b[2] === CR) {
          return undefined;
        } else {
          this.consume(2);
          this.handlers.onPong?.();
        }
      } else if (b[0] === LF) {
        this.consume(1);
      } else break;
      if (this.buf.length === 0) return undefined;
    }
    const b = this.buf;
    if (b.length === 0) return undefined;
    const framed = this.head ?? this.frameHead(b);
    if (framed === undefined || 'fatal' in framed) return framed;
    const { head, length, bodyStart } = framed;
    if (b.length < bodyStart + length) {
      this.head = framed;
      this.scanFrom = framed.headEnd;
      return undefined;
    }
    const bytes = Buffer.from(b.subarray(0, bodyStart + length));
    const body = length === 0 ? Buffer.alloc(0) : Buffer.from(b.subarray(bodyStart, bodyStart + length));
    this.consume(bodyStart + length);
    if (head instanceof SipError) return { result: err(head), bytes, fatal: false };
    head.message.body = body;
    return { result: ok(head.message), bytes, fatal: false };
  }

  /** Finds and parses the head of the next message; undefined when more bytes are needed. */
  private frameHead(b: Buffer): FramedHead | StreamFrame | undefined {
    const end = findHeadEnd(b, 0, this.scanFrom);
    if (end === undefined) {
      if (b.length > this.limits.maxMessageBytes) {
        return this.fatal(
          new SipError('SIP_PARSE_TOO_LARGE', `header section over ${this.limits.maxMessageBytes} bytes`),
        );
      }
      this.scanFrom = Math.max(0, b.length - 3);
      return undefined;
    }
    if (end.headEnd > this.limits.maxMessageBytes) {
      return this.fatal(
        new SipError('SIP_PARSE_TOO_LARGE', `header section over ${this.limits.maxMessageBytes} bytes`),
      );
    }
    const headText = b.toString('utf8', 0, end.headEnd);
    const head = parseHead(headText, this.limits);
    // DEVIATION: RFC 3261 §18.3 makes Content-Length mandatory on streams; a message without one is read as
    // having no body (as most stacks do). If a body did follow, the next "message" fails to parse.
    const length = head instanceof SipError ? salvageContentLength(headText) : (head.contentLength ?? 0);
    if (length === undefined) return this.fatal(head as SipError);
    if (end.bodyStart + length > this.limits.maxMessageBytes) {
      return this.fatal(
        new SipError(
          'SIP_PARSE_TOO_LARGE',
          `message of ${end.bodyStart + length} bytes is over ${this.limits.maxMessageBytes}`,
          {
            status: 513,
          },
        ),
      );
    }
    return { headEnd: end.headEnd, bodyStart: end.bodyStart, length, head };
  }
}
