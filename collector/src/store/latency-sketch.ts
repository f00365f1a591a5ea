// The store's mergeable latency sketch: a DDSketch (relative accuracy 1 %) over milliseconds,
// with a compact binary form for SQLite BLOBs and the conversions from the histograms
// OTel senders export. Backend-independent: a ClickHouse store would keep the same bytes.
import { DDSketch } from '@datadog/sketches-js';
import type { Distribution } from '../model';

export const RELATIVE_ACCURACY = 0.01;

// Values are clamped into this range (ms) before they reach the sketch: the dense store keeps
// every bin between the smallest and largest key, so one absurd value from an app must not
// make a row megabytes long. 1 µs .. ~28 h spans ~1 600 bins at 1 %.
const MIN_MS = 1e-3;
const MAX_MS = 1e8;

const FORMAT_VERSION = 1;
const HEADER_BYTES = 1 + 8 + 4 + 4;
const COUNT_SCALE = 8;

function clampMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return ms < MIN_MS ? MIN_MS : ms > MAX_MS ? MAX_MS : ms;
}

export class LatencySketch {
  private readonly dd = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
  /** log(gamma): the width of one sketch bin in log space. */
  private readonly logGamma = Math.log(this.dd.mapping.gamma);

  get count(): number {
    return this.dd.count;
  }

  /** Adds `weight` values of `ms` milliseconds. Zero and negative values go to the zero bin. */
  add(ms: number, weight = 1): void {
    if (!(weight > 0) || !Number.isFinite(weight)) return;
    this.dd.accept(clampMs(ms), weight);
  }

  /**
   * Adds a sender's histogram (bounds in seconds). `minMs`/`maxMs`, when the sender gave
   * them, narrow the first and last populated buckets so spreading stays inside the data.
   */
  addDistribution(dist: Distribution, minMs: number | null, maxMs: number | null): void {
    if (dist.kind === 'exponential') this.addExponential(dist, minMs, maxMs);
    else this.addExplicit(dist, minMs, maxMs);
  }

  /**
   * OTel exponential histogram: bucket index i covers (base^i, base^(i+1)], base =
   * 2^(2^-scale) (opentelemetry-proto metrics.proto, ExponentialHistogramDataPoint).
   * Each bucket is spread log-uniformly over the sketch bins it overlaps, in proportion to
   * the overlap (a bucket inside one bin lands there whole, as at its geometric midpoint). At
   * low scales (the SDK downscales to fit 160 buckets) this interpolates a percentile inside
   * a wide bucket instead of snapping it to the midpoint (up to half a bucket: ±2.2 % at scale 4).
   */
  private addExponential(
    dist: Extract<Distribution, { kind: 'exponential' }>,
    minMs: number | null,
    maxMs: number | null,
  ): void {
    this.add(0, dist.zeroCount);
    const scale = Math.max(-10, Math.min(20, Math.trunc(dist.scale)));
    const logBase = Math.LN2 * Math.pow(2, -scale);
    const { offset, counts } = dist.positive;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i] ?? 0;
      if (!(n > 0) || n === Infinity) continue;
      const index = offset + i;
      let lo = Math.exp(index * logBase) * 1000;
      let hi = Math.exp((index + 1) * logBase) * 1000;
      if (minMs !== null && minMs > lo && minMs <= hi) lo = minMs;
      if (maxMs !== null && maxMs < hi && maxMs >= lo) hi = maxMs;
      this.spreadLog(lo, hi, n);
    }
  }

  /**
   * Explicit-bucket histogram: bucket i covers (bounds[i-1], bounds[i]]; the first starts at
   * the min (or 0), the last ends at the max (or, without one, its values sit on the last bound).
   * Values are spread uniformly within a bucket, the usual assumption for explicit buckets.
   */
  private addExplicit(
    dist: Extract<Distribution, { kind: 'explicit' }>,
    minMs: number | null,
    maxMs: number | null,
  ): void {
    const { bounds, counts } = dist;
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i] ?? 0;
      if (!(n > 0) || n === Infinity) continue;
      const lowerS = i === 0 ? 0 : bounds[i - 1];
      const upperS = i < bounds.length ? bounds[i] : undefined;
      let lo = lowerS === undefined ? 0 : lowerS * 1000;
      let hi = upperS === undefined ? (maxMs ?? lo) : upperS * 1000;
      if (minMs !== null && minMs > lo && minMs <= hi) lo = minMs;
      if (maxMs !== null && maxMs < hi && maxMs >= lo) hi = maxMs;
      this.spreadLinear(lo, hi, n);
    }
  }

  /**
   * Spreads n values log-uniformly over (lo, hi]: each sketch bin gets the share of the
   * interval's log-width it covers (bin k covers (gamma^(k-1), gamma^k], KeyMapping.key =
   * ceil(log_gamma v)). Straight into the store: one add per bin touched, no per-value work.
   */
  private spreadLog(lo: number, hi: number, n: number): void {
    const l = clampMs(lo);
    const h = clampMs(hi);
    if (!(l > 0) || !(h > l)) {
      this.add(h, n);
      return;
    }
    const a = Math.log(l) / this.logGamma;
    const b = Math.log(h) / this.logGamma;
    const store = this.dd.store;
    let x = a;
    let k = Math.floor(a) + 1;
    while (x < b) {
      const end = Math.min(b, k);
      store.add(k, (n * (end - x)) / (b - a));
      x = end;
      k++;
    }
    this.dd.count += n;
  }

  /**
   * Spreads n values uniformly (in value) over (lo, hi]: each bin gets the share of the
   * interval's width it covers. Below hi / 1000 the width is negligible and goes to the first bin.
   */
  private spreadLinear(lo: number, hi: number, n: number): void {
    const h = clampMs(hi);
    const l = Math.min(h, Math.max(clampMs(lo), h / 1000, MIN_MS));
    if (!(h > l)) {
      this.add(h, n);
      return;
    }
    const width = h - Math.max(0, lo);
    const store = this.dd.store;
    const gamma = this.dd.mapping.gamma;
    let k = Math.floor(Math.log(l) / this.logGamma) + 1;
    // The part below l (from lo or 0) lands in l's bin.
    let x = Math.max(0, lo);
    let upper = Math.pow(gamma, k);
    while (x < h) {
      const end = Math.min(h, upper);
      store.add(k, (n * (end - x)) / width);
      x = end;
      k++;
      upper *= gamma;
    }
    this.dd.count += n;
  }

  merge(other: LatencySketch): void {
    this.dd.merge(other.dd);
  }

  /** Adds an encoded sketch (see encode) without building an intermediate object. */
  mergeEncoded(bytes: Uint8Array): void {
    if (bytes.length < HEADER_BYTES || bytes[0] !== FORMAT_VERSION) return;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const zero = view.getFloat64(1, true);
    const minKey = view.getInt32(9, true);
    const n = view.getUint32(13, true);
    // Every bin takes at least one byte: a larger n means a damaged row, which adds nothing.
    if (n > bytes.length - HEADER_BYTES) return;
    const store = this.dd.store;
    let total = 0;
    let pos = HEADER_BYTES;
    const end = bytes.length;
    if (n > 0) {
      // Hot path for queries (thousands of rows merged per request): grow the dense store
      // once to cover the row's keys, then add straight into its bins.
      store.add(minKey, 0);
      store.add(minKey + n - 1, 0);
      const bins = store.bins;
      const base = minKey - store.offset;
      for (let i = 0; i < n && pos < end; i++) {
        // Unsigned LEB128 varint, with arithmetic rather than bit operations past 2^31.
        let b = bytes[pos++] as number;
        let v = b & 0x7f;
        let mul = 128;
        while (b >= 0x80 && pos < end) {
          b = bytes[pos++] as number;
          v += (b & 0x7f) * mul;
          mul *= 128;
        }
        if (v > 0) {
          const w = v / COUNT_SCALE;
          bins[base + i] = (bins[base + i] as number) + w;
          total += w;
        }
      }
      store.count += total;
    }
    if (zero > 0) {
      this.dd.zeroCount += zero;
      total += zero;
    }
    this.dd.count += total;
  }

  /**
   * Compact form: version (u8), zero count (f64), first key (i32), bin count (u32), then one
   * varint per bin from the first to the last non-empty key holding round(count × 8).
   * Counts are fractional after spreading a bucket; 1/8 of a value is far finer than the 1 %
   * the sketch promises, and most bins fit one or two bytes.
   */
  encode(): Buffer {
    const store = this.dd.store;
    const empty = store.count === 0 || !Number.isFinite(store.minKey);
    const minKey = empty ? 0 : store.minKey;
    const n = empty ? 0 : store.maxKey - store.minKey + 1;
    const out = Buffer.allocUnsafe(HEADER_BYTES + n * 8);
    out.writeUInt8(FORMAT_VERSION, 0);
    out.writeDoubleLE(this.dd.zeroCount, 1);
    out.writeInt32LE(minKey, 9);
    out.writeUInt32LE(n, 13);
    let pos = HEADER_BYTES;
    for (let i = 0; i < n; i++) {
      let v = Math.round((store.bins[minKey + i - store.offset] ?? 0) * COUNT_SCALE);
      // Never loop on a non-finite count (the add paths refuse them; this is the backstop).
      if (!(v > 0) || v > Number.MAX_SAFE_INTEGER * 1024) v = 0;
      while (v >= 0x80) {
        out[pos++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      out[pos++] = v;
    }
    return out.subarray(0, pos);
  }

  static decode(bytes: Uint8Array): LatencySketch {
    const sketch = new LatencySketch();
    sketch.mergeEncoded(bytes);
    return sketch;
  }

  /** The value (ms) at quantile q (0..1), or null for an empty sketch. */
  quantile(q: number): number | null {
    if (this.dd.count <= 0) return null;
    const v = this.dd.getValueAtQuantile(Math.min(1, Math.max(0, q)));
    return Number.isFinite(v) ? v : null;
  }

  /**
   * How many values are at or below `ms` (for Apdex). The bin holding `ms` counts in
   * proportion to where `ms` falls inside it (log scale), so the answer moves smoothly with T.
   */
  countAtOrBelow(ms: number): number {
    let total = this.dd.zeroCount;
    if (!(ms > 0)) return total;
    const store = this.dd.store;
    if (store.count === 0) return total;
    const mapping = this.dd.mapping;
    const k = mapping.key(ms);
    const last = Math.min(k - 1, store.maxKey);
    for (let key = store.minKey; key <= last; key++) total += store.bins[key - store.offset] ?? 0;
    if (k >= store.minKey && k <= store.maxKey) {
      // Bin k covers (gamma^(k-1), gamma^k] (KeyMapping.key = ceil(log_gamma v)).
      const lower = Math.log(mapping.value(k) * (1 + mapping.gamma) / 2) - this.logGamma;
      const frac = Math.min(1, Math.max(0, (Math.log(ms) - lower) / this.logGamma));
      total += (store.bins[k - store.offset] ?? 0) * frac;
    }
    return total;
  }
}
