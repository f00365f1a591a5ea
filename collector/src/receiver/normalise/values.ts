// Conversions from the decoded OTLP shapes (Long or bigint, Buffer or string) to plain values.
// Hot path: called for every timestamp, id and count.
import type { Bytes, Int64, LongLike } from '../decode/otlp-types';

const TWO_32 = 4294967296;

function isLong(v: Int64): v is LongLike {
  return typeof v === 'object';
}

/** Exact conversion to bigint (epoch nanoseconds exceed 2^53). Absent → 0n. */
export function toBigInt(v: Int64 | null | undefined): bigint {
  if (v === null || v === undefined) return 0n;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
  const unsignedBits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return v.unsigned ? unsignedBits : BigInt.asIntN(64, unsignedBits);
}

/** Counts and other 64-bit integers that stay far below 2^53 in practice. Absent → 0. */
export function toNumber(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (isLong(v)) return v.unsigned ? (v.high >>> 0) * TWO_32 + (v.low >>> 0) : v.high * TWO_32 + (v.low >>> 0);
  return 0;
}

/**
 * toNumber of every value, and their sum, in one pass: a histogram point's bucket counts (hot:
 * ~100 a point, each a Long from the decoder; .map(toNumber) and a second loop for the sum
 * cost twice as much).
 */
export function bucketCounts(list: readonly Int64[] | null | undefined): { counts: number[]; total: number } {
  const n = list ? list.length : 0;
  const counts = new Array<number>(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const v = (list as readonly Int64[])[i] as Int64;
    const c =
      typeof v === 'object' && v !== null ? (v.unsigned ? (v.high >>> 0) * TWO_32 + (v.low >>> 0) : v.high * TWO_32 + (v.low >>> 0)) : toNumber(v);
    counts[i] = c;
    total += c;
  }
  return { counts, total };
}

/** A 64-bit integer attribute: a number when exact, else its decimal string. */
export function int64ToJs(v: Int64 | null | undefined): number | string {
  // Fast path (most integer attributes are small): no BigInt when the number is exact.
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object') {
    const n = v.unsigned ? (v.high >>> 0) * TWO_32 + (v.low >>> 0) : v.high * TWO_32 + (v.low >>> 0);
    if (Number.isSafeInteger(n)) return n;
  }
  const b = toBigInt(v);
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b.toString();
}

const HEX = /^[0-9a-fA-F]*$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A trace (16 bytes) or span (8 bytes) id as lower-case hex; null when absent, empty, of the
 * wrong length, not hex, or all zeroes — all of which the spec calls invalid.
 */
export function idHex(v: Bytes | null | undefined, bytes: number): string | null {
  if (v === null || v === undefined) return null;
  let hex: string;
  if (typeof v === 'string') {
    if (v.length === bytes * 2 && HEX.test(v)) hex = v.toLowerCase();
    else {
      // OTLP/JSON says hex; senders written before that (plain proto3 JSON) send base64.
      // The lengths differ (24 vs 32 characters for a trace id), so accepting both is safe.
      if (!BASE64.test(v)) return null;
      const raw = Buffer.from(v, 'base64');
      if (raw.length !== bytes) return null;
      hex = raw.toString('hex');
    }
  } else {
    if (v.length !== bytes) return null;
    hex = (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length)).toString('hex');
  }
  for (let i = 0; i < hex.length; i++) if (hex.charCodeAt(i) !== 48) return hex;
  return null;
}

/** True when an id field was not sent at all (as opposed to sent but invalid). */
export function idAbsent(v: Bytes | null | undefined): boolean {
  return v === null || v === undefined || v.length === 0;
}

export function bytesToBase64(v: Bytes): string {
  if (typeof v === 'string') return v;
  return (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length)).toString('base64');
}

export function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
