// The identity of a delta metric point: its stream (resource, scope, metric, attribute set:
// histogram-points.ts streamKey) and its interval (start and end time). A resent request
// carries the same points with the same identities, so the store can count each once; two
// intervals of one stream, or one interval of two instances, differ.
//
// A 64-bit hash in plain JS, two 32-bit FNV-1a lanes with different primes, each finished by
// murmur3's fmix32, of the text `${streamKey}\u0000${startNs}\u0000${endNs}`. Not
// cryptographic, and it need not be: the store keys an identity by the point's end time too,
// so two points of one export (hundreds, at most some thousands) would have to collide in 64
// bits to be taken for each other.
//
// Hot path (every delta histogram point). FNV-1a is a stream hash, so the part every point of
// a metric shares (resource, scope, metric name) is hashed once per metric, and a point feeds
// only its attributes and times, straight from the values, without building the key string
// or JSON text (only a string JSON would escape goes through JSON.stringify): ~0.8 µs a point
// where building streamKey and hashing it whole took 2.5 µs (normaliseMetrics on bench/ingest's
// bodies: 9.4 → 7.8 µs a point, 6.2 before points had identities). The values are those of
// hashing the whole text, so identities stored by an earlier version stay valid.
import type { Attributes, AttrValue } from '../../model';

const FNV_OFFSET_A = 0x811c9dc5;
const FNV_OFFSET_B = 0x050c5d1f;
const FNV_PRIME_A = 0x01000193;
const FNV_PRIME_B = 0x01000f3b;

/** Both lanes after some leading text; a point's identity goes on from there. */
export interface IdentityPrefix {
  readonly a: number;
  readonly b: number;
}

// The lanes while one identity is hashed (JS runs one at a time here).
let laneA = 0;
let laneB = 0;

function feed(text: string): void {
  let a = laneA;
  let b = laneB;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, FNV_PRIME_A);
    b = Math.imul(b ^ c, FNV_PRIME_B);
  }
  laneA = a;
  laneB = b;
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The lanes after `text`: for a metric, `${prefix}\u0000${metricName}` as streamKey begins. */
export function identityPrefix(text: string): IdentityPrefix {
  laneA = FNV_OFFSET_A;
  laneB = FNV_OFFSET_B;
  feed(text);
  return { a: laneA, b: laneB };
}

// The points of one export share their end time and mostly their start: their decimal text
// is kept from the last point.
let lastStart: bigint | null = null;
let lastStartText = '';
let lastEnd: bigint | null = null;
let lastEndText = '';
// The two 32-bit halves become one signed 64-bit value (SQLite INTEGER) without BigInt maths.
const halves = new DataView(new ArrayBuffer(8));

function feedCode(c: number): void {
  laneA = Math.imul(laneA ^ c, FNV_PRIME_A);
  laneB = Math.imul(laneB ^ c, FNV_PRIME_B);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Feeds JSON.stringify(v) as streamKey writes it, without the text where that is cheap. */
function feedJson(v: AttrValue): void {
  if (typeof v === 'string' && feedPlainJsonString(v)) return;
  // ToString is what JSON.stringify writes for a finite number or a boolean (ECMA-262 25.5.2.2).
  if (typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) feed(String(v));
  else feed(`${JSON.stringify(v)}`);
}

/**
 * Feeds `"v"` when JSON would write v as it is: no control character, quote, backslash or
 * surrogate (JSON.stringify escapes a lone one). Otherwise feeds nothing and returns false.
 */
function feedPlainJsonString(v: string): boolean {
  let a = Math.imul(laneA ^ QUOTE, FNV_PRIME_A);
  let b = Math.imul(laneB ^ QUOTE, FNV_PRIME_B);
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === QUOTE || c === BACKSLASH || (c & 0xf800) === 0xd800) return false;
    a = Math.imul(a ^ c, FNV_PRIME_A);
    b = Math.imul(b ^ c, FNV_PRIME_B);
  }
  laneA = Math.imul(a ^ QUOTE, FNV_PRIME_A);
  laneB = Math.imul(b ^ QUOTE, FNV_PRIME_B);
  return true;
}

/** In place, in the order Array.prototype.sort gives strings (UTF-16 code units); a few keys. */
function sortKeys(keys: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i] as string;
    let j = i - 1;
    while (j >= 0 && (keys[j] as string) > k) {
      keys[j + 1] = keys[j] as string;
      j--;
    }
    keys[j + 1] = k;
  }
}

/**
 * A signed 64-bit hash of the point's stream key (`metric`: identityPrefix of its resource,
 * scope and metric name; then the attributes as streamKey writes them) and its interval.
 */
export function pointIdentity(metric: IdentityPrefix, attrs: Attributes, startNs: bigint, endNs: bigint): bigint {
  laneA = metric.a;
  laneB = metric.b;
  const keys = Object.keys(attrs);
  sortKeys(keys);
  for (const k of keys) {
    // `\u0000${k}=${JSON.stringify(attrs[k])}`
    feedCode(0);
    feed(k);
    feedCode(0x3d);
    feedJson(attrs[k] as AttrValue);
  }
  if (startNs !== lastStart) {
    lastStart = startNs;
    lastStartText = `\u0000${startNs}`;
  }
  if (endNs !== lastEnd) {
    lastEnd = endNs;
    lastEndText = `\u0000${endNs}`;
  }
  feed(lastStartText);
  feed(lastEndText);
  halves.setUint32(0, fmix32(laneA));
  halves.setUint32(4, fmix32(laneB ^ laneA));
  return halves.getBigInt64(0);
}
