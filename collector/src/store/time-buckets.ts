// Time maths shared by the store: nanosecond timestamps to milliseconds, minute and hour
// buckets, and the split of a range into rolled-up hours and loose minutes.

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
const NS_PER_MS = 1_000_000n;

/** Epoch ns (BigInt) to epoch ms, truncated. */
export function nsToMs(ns: bigint): number {
  return Number(ns / NS_PER_MS);
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * NS_PER_MS;
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
