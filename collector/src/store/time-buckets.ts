// Time maths shared by the store: nanosecond timestamps to milliseconds, minute and hour
// buckets, and the split of a range into rolled-up hours and loose minutes.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const NS_PER_MS = 1_000_000n;

/** Epoch ns (BigInt) to epoch ms, truncated. */
export function nsToMs(ns: bigint): number {
  return Number(ns / NS_PER_MS);
}

const MAX_NS = 9_223_372_036_854_775_807n; // SQLite INTEGER is signed 64-bit

/** Epoch ms to ns, clamped to what SQLite can bind (0 .. 2^63 − 1); NaN becomes 0. */
export function msToNs(ms: number): bigint {
  if (!(ms > 0)) return 0n;
  if (!Number.isFinite(ms)) return MAX_NS;
  const ns = BigInt(Math.trunc(ms)) * NS_PER_MS;
  return ns > MAX_NS ? MAX_NS : ns;
}

export function floorTo(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}

export function minuteOf(ms: number): number {
  return floorTo(ms, MINUTE_MS);
}

/**
 * The minute a delta point belongs to. Its time is the END of the interval it covers
 * (OTLP time_unix_nano), so a point stamped exactly on a minute boundary covers the minute before.
 */
export function minuteOfIntervalEnd(ms: number): number {
  return floorTo(ms - 1, MINUTE_MS);
}

export function hourOf(ms: number): number {
  return floorTo(ms, HOUR_MS);
}

export interface RangeSplit {
  /** Whole hours [from, to) to read from hour rollups; from === to when none. */
  hours: { from: number; to: number };
  /** Minute ranges [from, to) to read from minute rollups. */
  minutes: { from: number; to: number }[];
}

/**
 * Splits [from, to) (minute-aligned outward) into whole hours already rolled up (before
 * `rolledUntil`) and the minutes around them. Hour rollups are only used when `useHours`.
 */
export function splitRange(from: number, to: number, rolledUntil: number, useHours: boolean): RangeSplit {
  const start = minuteOf(from);
  const end = Math.max(start, Math.ceil(to / MINUTE_MS) * MINUTE_MS);
  if (!useHours) return { hours: { from: start, to: start }, minutes: [{ from: start, to: end }] };
  const hFrom = Math.ceil(start / HOUR_MS) * HOUR_MS;
  const hTo = Math.min(floorTo(end, HOUR_MS), floorTo(rolledUntil, HOUR_MS));
  if (hTo <= hFrom) return { hours: { from: start, to: start }, minutes: [{ from: start, to: end }] };
  const minutes: { from: number; to: number }[] = [];
  if (start < hFrom) minutes.push({ from: start, to: hFrom });
  if (hTo < end) minutes.push({ from: hTo, to: end });
  return { hours: { from: hFrom, to: hTo }, minutes };
}

/** A series never has more buckets than this, whatever range and bucket it is asked for. */
export const MAX_SERIES_BUCKETS = 10_000;

/**
 * The buckets of a series over [from, to): size rounded to whole minutes (the finest rollup),
 * start aligned to the size, count capped at MAX_SERIES_BUCKETS (the series ends early).
 */
export function seriesBuckets(from: number, to: number, bucketMs: number): { bucketMs: number; start: number; n: number } {
  const size = Number.isFinite(bucketMs) ? Math.max(MINUTE_MS, Math.round(bucketMs / MINUTE_MS) * MINUTE_MS) : MINUTE_MS;
  const start = Math.floor(from / size) * size;
  const n = Number.isFinite(start) && Number.isFinite(to) ? Math.min(MAX_SERIES_BUCKETS, Math.max(0, Math.ceil((to - start) / size))) : 0;
  return { bucketMs: size, start: Number.isFinite(start) ? start : 0, n };
}
