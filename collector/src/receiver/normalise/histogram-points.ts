// Histogram and exponential-histogram points → per-interval deltas in the sender's unit,
// validated, with cumulative streams turned into deltas (cumulative-to-delta.ts).
import type { Attributes, Distribution } from '../../model';
import type { ExponentialHistogramDataPoint, HistogramDataPoint, Metric } from '../decode/otlp-types';
import type { DeltaTransaction, ExplicitState, ExponentialState } from '../cumulative-to-delta';
import { attributes } from './attributes';
import type { Outcome } from './outcome';
import { identityPrefix, pointIdentity } from './point-identity';
import { bucketCounts, toBigInt, toNumber } from './values';

// AggregationTemporality: CUMULATIVE points go through cumulative → delta. DELTA (1) and
// UNSPECIFIED (0, which the proto says MUST not be used) are taken as they are, without state.
export const TEMPORALITY_CUMULATIVE = 2;
// DataPointFlags: the point is a staleness marker, with no value.
const NO_RECORDED_VALUE = 1;

export interface HistogramDelta {
  attrs: Attributes;
  timeNs: bigint;
  count: number;
  sum: number;
  /** Only known for delta points: a cumulative min/max covers the whole stream. */
  min: number | null;
  max: number | null;
  distribution: Distribution;
  /** A delta point's identity (point-identity.ts); null for one turned from a cumulative stream. */
  pointId: bigint | null;
}

export interface StreamContext {
  tx: DeltaTransaction;
  /** resource + scope part of the stream key. */
  prefix: string;
  outcome: Outcome;
}

/** A stream's key for cumulative state. point-identity.ts hashes the same text without building it. */
export function streamKey(prefix: string, metric: string, attrs: Attributes): string {
  const keys = Object.keys(attrs).sort();
  let key = `${prefix}\u0000${metric}`;
  for (const k of keys) key += `\u0000${k}=${JSON.stringify(attrs[k])}`;
  return key;
}

function finite(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function explicitPoint(p: HistogramDataPoint, ctx: StreamContext): ExplicitState | null {
  const bounds = p.explicitBounds ?? [];
  const { counts, total } = bucketCounts(p.bucketCounts);
  const count = toNumber(p.count);
  if (counts.length > 0 && counts.length !== bounds.length + 1) {
    ctx.outcome.reject('histogram points whose bucket counts do not match their bounds');
    return null;
  }
  if (counts.length > 0 && total !== count) {
    ctx.outcome.reject('histogram points whose count is not the sum of their bucket counts');
    return null;
  }
  // No buckets sent: only count and sum are known; one (-inf, +inf) bucket keeps the shape.
  return {
    count,
    sum: finite(p.sum) ?? 0,
    bounds: counts.length > 0 ? bounds : [],
    counts: counts.length > 0 ? counts : [count],
  };
}

function exponentialPoint(p: ExponentialHistogramDataPoint, ctx: StreamContext): ExponentialState | null {
  const positive = bucketCounts(p.positive?.bucketCounts);
  const state = {
    count: toNumber(p.count),
    sum: finite(p.sum) ?? 0,
    scale: p.scale ?? 0,
    zeroCount: toNumber(p.zeroCount),
    offset: p.positive?.offset ?? 0,
    counts: positive.counts,
  };
  // Negative buckets are left out of the distribution (durations and sizes are never
  // negative) but belong in the check: count = zero + positive + negative.
  const negative = bucketCounts(p.negative?.bucketCounts).total;
  if (state.zeroCount + positive.total + negative !== state.count) {
    ctx.outcome.reject('histogram points whose count is not the sum of their bucket counts');
    return null;
  }
  return state;
}

/** Deltas of a histogram or exponential histogram metric; other kinds give none. */
export function histogramDeltas(metric: Metric, ctx: StreamContext): HistogramDelta[] {
  const out: HistogramDelta[] = [];
  const name = metric.name ?? '';
  if (metric.data === 'histogram' && metric.histogram) {
    const cumulative = metric.histogram.aggregationTemporality === TEMPORALITY_CUMULATIVE;
    const identity = cumulative ? null : identityPrefix(`${ctx.prefix}\u0000${name}`);
    for (const p of metric.histogram.dataPoints ?? []) {
      const timeNs = toBigInt(p.timeUnixNano);
      if (!checkPoint(timeNs, p.flags, ctx.outcome)) continue;
      const state = explicitPoint(p, ctx);
      if (!state) continue;
      const attrs = attributes(p.attributes);
      const startNs = toBigInt(p.startTimeUnixNano);
      const d = cumulative ? ctx.tx.explicit(streamKey(ctx.prefix, name, attrs), startNs, timeNs, state) : state;
      if (!d || d.count <= 0) continue;
      out.push({
        attrs,
        timeNs,
        count: d.count,
        sum: d.sum,
        min: cumulative ? null : finite(p.min),
        max: cumulative ? null : finite(p.max),
        distribution: { kind: 'explicit', bounds: d.bounds, counts: d.counts },
        pointId: identity === null ? null : pointIdentity(identity, attrs, startNs, timeNs),
      });
    }
  } else if (metric.data === 'exponentialHistogram' && metric.exponentialHistogram) {
    const cumulative = metric.exponentialHistogram.aggregationTemporality === TEMPORALITY_CUMULATIVE;
    const identity = cumulative ? null : identityPrefix(`${ctx.prefix}\u0000${name}`);
    for (const p of metric.exponentialHistogram.dataPoints ?? []) {
      const timeNs = toBigInt(p.timeUnixNano);
      if (!checkPoint(timeNs, p.flags, ctx.outcome)) continue;
      const state = exponentialPoint(p, ctx);
      if (!state) continue;
      const attrs = attributes(p.attributes);
      const startNs = toBigInt(p.startTimeUnixNano);
      const d = cumulative ? ctx.tx.exponential(streamKey(ctx.prefix, name, attrs), startNs, timeNs, state) : state;
      if (!d || d.count <= 0) continue;
      out.push({
        attrs,
        timeNs,
        count: d.count,
        sum: d.sum,
        min: cumulative ? null : finite(p.min),
        max: cumulative ? null : finite(p.max),
        distribution: { kind: 'exponential', scale: d.scale, zeroCount: d.zeroCount, positive: { offset: d.offset, counts: d.counts } },
        pointId: identity === null ? null : pointIdentity(identity, attrs, startNs, timeNs),
      });
    }
  }
  return out;
}

/** Rejects points without a time (the data model says consumers SHOULD); skips staleness markers. */
export function checkPoint(timeNs: bigint, flags: number | null | undefined, outcome: Outcome): boolean {
  if (timeNs <= 0n) {
    outcome.reject('data points without a time');
    return false;
  }
  return ((flags ?? 0) & NO_RECORDED_VALUE) === 0;
}

/** The distribution rescaled to seconds (or left as is when factor is 1). */
export function scaleDistribution(d: Distribution, factor: number): Distribution {
  if (factor === 1) return d;
  if (d.kind === 'explicit') return { kind: 'explicit', bounds: d.bounds.map((b) => b * factor), counts: d.counts };
  // Exponential bucket bounds times a non-power-of-two factor are no longer on the base-2
  // grid: turn it into the explicit histogram with exactly those bounds (no precision lost).
  const n = d.positive.counts.length;
  const exponent = Math.pow(2, -d.scale);
  const bounds: number[] = [];
  for (let j = 0; j <= n; j++) bounds.push(Math.pow(2, (d.positive.offset + j) * exponent) * factor);
  return { kind: 'explicit', bounds, counts: [d.zeroCount, ...d.positive.counts, 0] };
}
