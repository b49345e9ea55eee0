// RFC 3261 §17 timer values (Table 4 in Appendix A), plus the 200 ms of §17.2.1 after which an INVITE
// server transaction sends 100 Trying itself, and RFC 6026's Timers L and M. One immutable object per stack:
// nothing global, nothing a test can change under another test's feet.

export interface TimerConfig {
  /** RTT estimate, 500 ms default (§17.1.1.1). */
  readonly T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, 4 s. */
  readonly T2: number;
  /** Maximum duration a message will remain in the network, 5 s. */
  readonly T4: number;
  /** Timer A: INVITE request retransmit interval, initially T1, doubling (UDP only). */
  readonly A: number;
  /** Timer B: INVITE transaction timeout, 64*T1. */
  readonly B: number;
  /** Timer D: wait time for response retransmits, > 32 s for UDP (0 for reliable transports). */
  readonly D: number;
  /** Timer E: non-INVITE request retransmit interval, initially T1, doubling up to T2 (UDP only). */
  readonly E: number;
  /** Timer F: non-INVITE transaction timeout, 64*T1. */
  readonly F: number;
  /** Timer G: INVITE response retransmit interval, initially T1, doubling up to T2 (UDP only). */
  readonly G: number;
  /** Timer H: wait time for ACK receipt, 64*T1. */
  readonly H: number;
  /** Timer I: wait time for ACK retransmits, T4 for UDP (0 for reliable). */
  readonly I: number;
  /** Timer J: wait time for non-INVITE request retransmits, 64*T1 for UDP (0 for reliable). */
  readonly J: number;
  /** Timer K: wait time for response retransmits, T4 for UDP (0 for reliable). */
  readonly K: number;
  /** RFC 6026 Timer L: wait time for accepted INVITE request retransmits, 64*T1. */
  readonly L: number;
  /** RFC 6026 Timer M: wait time for retransmission of 2xx to INVITE, 64*T1. */
  readonly M: number;
  /** §17.2.1: the server transaction sends 100 Trying if the TU has not answered within 200 ms. */
  readonly trying: number;
}

export interface TimerBase {
  T1?: number;
  T2?: number;
  T4?: number;
}

/** Derives every timer from T1, T2 and T4 as Table 4 does. The result is frozen. */
export function createTimerConfig(base: TimerBase = {}): TimerConfig {
  const T1 = base.T1 ?? 500;
  const T2 = base.T2 ?? 4000;
  const T4 = base.T4 ?? 5000;
  if (!(T1 > 0 && T2 >= T1 && T4 > 0))
    throw new RangeError(`timers: need 0 < T1 <= T2 and T4 > 0 [T1:${T1}, T2:${T2}, T4:${T4}]`);
  return Object.freeze({
    T1,
    T2,
    T4,
    A: T1,
    B: 64 * T1,
    // Table 4: "> 32s for UDP". With a larger T1 the window grows so that every retransmission still fits.
    D: Math.max(32_000, 64 * T1),
    E: T1,
    F: 64 * T1,
    G: T1,
    H: 64 * T1,
    I: T4,
    J: 64 * T1,
    K: T4,
    L: 64 * T1,
    M: 64 * T1,
    trying: 200,
  });
}

export const DEFAULT_TIMERS: TimerConfig = createTimerConfig();
