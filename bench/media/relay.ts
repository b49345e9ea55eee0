// What the media benchmark measures: a relay that bridges the generator's calls (werift client with ICE +
// DTLS-SRTP on one side, a plain-RTP device socket on the other) and reports its own CPU, memory and
// relayed-packet count. Parley's in-process media plane and rtpengine implement it.

export interface RelayCpu {
  /** Cumulative CPU of the relay's process, µs. */
  user: number;
  system: number;
}

export interface Relay {
  readonly name: string;
  /** Bridges one call: takes the client's offer and the device's port, returns the client's answer and the
   * port the device sends its RTP to. */
  setupCall(index: number, clientOffer: string, devicePort: number): Promise<{ answer: string; rtpPort: number }>;
  cpu(): Promise<RelayCpu>;
  /** Packets relayed so far (sent toward either side), all calls. */
  relayedPackets(): Promise<number>;
  rssBytes(): Promise<number>;
  /** The SRTP protection profile negotiated with the clients (first call), for the table. */
  srtpProfile(): Promise<string | undefined>;
  debug(): Promise<unknown>;
  close(): Promise<void>;
}

/** The device's SDP: PCMU at 50 packets a second on `port`, plain RTP. */
export function deviceSdp(port: number): string {
  return `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=device\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n`;
}
