// The identity of a delta metric point: its stream (resource, scope, metric, attribute set:
// histogram-points.ts streamKey) and its interval (start and end time). A resent request
// carries the same points with the same identities, so the store can count each once; two
// intervals of one stream, or one interval of two instances, differ.
//
// Hot path (every delta histogram point): a 64-bit hash in plain JS, two 32-bit FNV-1a lanes
// with different primes, each finished by murmur3's fmix32. ~1 µs per point where
// crypto.createHash('sha1') took ~3 µs. Not cryptographic, and it need not be: the store keys
// an identity by the point's end time too, so two points of one export (hundreds, at most some
// thousands) would have to collide in 64 bits to be taken for each other.

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A signed 64-bit hash (SQLite INTEGER) of the stream key and interval. */
export function pointIdentity(streamKey: string, startNs: bigint, endNs: bigint): bigint {
  const text = `${streamKey}\u0000${startNs}\u0000${endNs}`;
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000f3b);
  }
  return BigInt.asIntN(64, (BigInt(fmix32(a)) << 32n) | BigInt(fmix32(b ^ a)));
}
