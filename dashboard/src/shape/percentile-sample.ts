// Whether a percentile was computed from enough requests to mean anything (the rule is
// collector/src/store/percentile-sample.ts, shared with the alerts). The rule: a
// percentile q is shown when at least one request lies above it, n × (1 − q) ≥ 1 — p50 from
// 2 requests, p95 from 20, p99 from 100. Below that the store's sketch answers with the
// lower-rank request (DDSketch's convention), so 2 requests of 48.7 and 244 ms read
// p50 = p95 = p99 = 48.9 ms while their mean is 146 ms; such a figure is shown as a dash with
// the request count, never as a number the mean silently contradicts.

import { minRequestsFor, type PercentileName } from '../../../collector/src/store/percentile-sample';

export { minRequestsFor, type PercentileName };

/** The percentile when `requests` are enough for it, else null. */
export function trustedPercentile(value: number | null, requests: number, p: PercentileName): number | null {
  return value !== null && requests >= minRequestsFor(p) ? value : null;
}

/** A series' percentile per bucket, null in buckets with too few requests. */
export function trustedPercentiles(values: readonly (number | null)[], requests: readonly number[], p: PercentileName): (number | null)[] {
  return values.map((v, i) => trustedPercentile(v, requests[i] ?? 0, p));
}

/**
 * What to say under percentiles some of which were held back: "from 2 requests; p95 needs 20,
 * p99 100". Null when every one of `shown` is backed by enough requests.
 */
export function percentileSampleNote(requests: number, shown: readonly PercentileName[] = ['p50', 'p95', 'p99']): string | null {
  const missing = shown.filter((p) => requests < minRequestsFor(p));
  if (missing.length === 0) return null;
  const needs = missing.map((p, i) => `${p}${i === 0 ? ' needs' : ''} ${minRequestsFor(p)}`).join(', ');
  return `from ${requests} ${requests === 1 ? 'request' : 'requests'}; ${needs}`;
}
