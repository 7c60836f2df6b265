// The media datagram: a 32-byte big-endian header, then Opus
// (docs/media-plane.md, "Datagram"). Pure functions, no I/O.

export const HEADER_BYTES = 32;
export const MAX_DATAGRAM = 1500;
export const DATAGRAM_BUDGET = 1400;
export const FLAG_REDUNDANCY = 1;
export const FLAG_DISCONTINUITY = 2;
export const FLAG_RETRANSMISSION = 4;
export const KIND_PROGRAM = 0;
export const KIND_TALKBACK = 1;
export const KIND_CUE = 2;
export const NO_POSITION = -(2n ** 63n);
const FRAME_SIZES = [120, 240, 480, 960];

// Strict, as the server and the SDK are: null for anything malformed.
export function parseDatagram(u8) {
  if (u8.length < HEADER_BYTES + 1 || u8.length > MAX_DATAGRAM) return null;
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const flags = dv.getUint8(1);
  const d = {
    flags,
    frameSamples: dv.getUint16(2),
    senderId: dv.getUint32(4),
    kind: dv.getUint8(8),
    channels: dv.getUint8(9),
    sequence: dv.getUint32(12),
    captureUs: dv.getBigUint64(16),
    position: dv.getBigInt64(24),
    primary: null,
    redundant: null,
  };
  if (dv.getUint8(0) !== 1 || (flags & 0xf8) !== 0 || dv.getUint16(10) !== 0) return null;
  if (!FRAME_SIZES.includes(d.frameSamples) || d.kind > 2) return null;
  if (d.channels !== 1 && d.channels !== 2) return null;
  if (flags & FLAG_REDUNDANCY) {
    if (u8.length < HEADER_BYTES + 2) return null;
    const primaryLen = dv.getUint16(HEADER_BYTES);
    const start = HEADER_BYTES + 2;
    // primary_len >= 1 and at least one redundant byte after it.
    if (primaryLen < 1 || start + primaryLen >= u8.length) return null;
    d.primary = u8.subarray(start, start + primaryLen);
    // A copy riding a discontinuity belongs to the old timeline: ignored.
    if (!(flags & FLAG_DISCONTINUITY)) d.redundant = u8.subarray(start + primaryLen);
  } else {
    d.primary = u8.subarray(HEADER_BYTES);
  }
  return d;
}

// Builds a datagram; attaches `redundant` only when both fit the budget.
export function buildDatagram(h) {
  const withCopy = h.redundant && !(h.flags & FLAG_DISCONTINUITY) &&
    HEADER_BYTES + 2 + h.primary.length + h.redundant.length <= DATAGRAM_BUDGET;
  const size = HEADER_BYTES + (withCopy ? 2 + h.primary.length + h.redundant.length
                                        : h.primary.length);
  const u8 = new Uint8Array(size);
  const dv = new DataView(u8.buffer);
  const flags = (h.flags & ~FLAG_REDUNDANCY) | (withCopy ? FLAG_REDUNDANCY : 0);
  dv.setUint8(0, 1);
  dv.setUint8(1, flags);
  dv.setUint16(2, h.frameSamples);
  dv.setUint32(4, h.senderId);
  dv.setUint8(8, h.kind);
  dv.setUint8(9, h.channels);
  dv.setUint16(10, 0);
  dv.setUint32(12, h.sequence >>> 0);
  dv.setBigUint64(16, BigInt(h.captureUs));
  dv.setBigInt64(24, h.position === null ? NO_POSITION : BigInt(h.position));
  if (withCopy) {
    dv.setUint16(HEADER_BYTES, h.primary.length);
    u8.set(h.primary, HEADER_BYTES + 2);
    u8.set(h.redundant, HEADER_BYTES + 2 + h.primary.length);
  } else {
    u8.set(h.primary, HEADER_BYTES);
  }
  return u8;
}

// Serial arithmetic on 32-bit sequence numbers: b - a as a signed distance.
export function seqDelta(a, b) {
  return ((b - a) << 0);
}
