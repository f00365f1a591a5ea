// A per-minute rate in a bucket still filling. The API divides a bucket's requests by its whole
// length, so the current minute (or 5 minutes, or hour) of a live chart read as a fall in
// traffic at the right edge that was never there: 2,800 requests 35 s into a minute are 4,800
// rpm, not 2,800. The bucket's rate is its count over the time gone by in it.

/** Under this much of a bucket gone by, its count says too little (agents export every few seconds). */
export const MIN_FILLED_MS = 30_000;

/**
 * `rpm` (per bucket, over whole buckets) with the bucket still filling at `now` rescaled to the
 * time gone by in it, or null (left out) when under MIN_FILLED_MS have; done buckets as they are.
 */
export function fillingBucketRates(t: readonly number[], rpm: readonly (number | null)[], bucketMs: number, now: number): (number | null)[] {
  return rpm.map((v, i) => {
    const start = t[i];
    if (v === null || start === undefined || start + bucketMs <= now) return v;
    const gone = now - start;
    return gone < MIN_FILLED_MS ? null : (v * bucketMs) / gone;
  });
}
