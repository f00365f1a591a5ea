// Bucket size for a series over a time range: the finest step of a fixed ladder that keeps
// the series at or under MAX_POINTS points. A fixed ladder keeps buckets aligned with the
// store's minute and hour rollups and makes neighbouring ranges comparable.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const BUCKET_LADDER_MS: readonly number[] = [MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 6 * HOUR, 24 * HOUR];
export const MAX_POINTS = 300;

export function bucketSizeFor(fromMs: number, toMs: number): number {
  const span = Math.max(0, toMs - fromMs);
  for (const bucket of BUCKET_LADDER_MS) {
    if (Math.ceil(span / bucket) <= MAX_POINTS) return bucket;
  }
  return BUCKET_LADDER_MS[BUCKET_LADDER_MS.length - 1] as number;
}
