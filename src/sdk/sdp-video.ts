// Reading an SDP from the SDK without a parser: only what the public API needs.

/**
 * A live video section in an SDP: `m=video` with a port, or a port of 0 with `a=bundle-only` (RFC 8843 §6:
 * a max-bundle offer's later sections ride on the first one's transport).
 */
export function videoAccepted(sdp: string): boolean {
  return sdp.split(/\r?\nm=/).some((section) => {
    const m = /^(?:m=)?video (\d+)/.exec(section);
    return m !== null && (m[1] !== '0' || /\r?\na=bundle-only/.test(section));
  });
}
