// Whether a latency percentile over an alert's window rests on enough requests to act on. The
// rule is the dashboard's (dashboard/src/shape/percentile-sample.ts): a percentile q needs at
// least one request above it, n × (1 − q) ≥ 1 — p50 from 2 requests, p95 from 20, p99 from
// 100. Below that the merged sketch answers with one of the slowest requests (a p95 "from" a
// single 304 ms request is that request), so a rule would fire on one slow call.
import type { AlertRule } from '../api-types';

const QUANTILES: Partial<Record<AlertRule['series'], number>> = { 'latency.p50': 0.5, 'latency.p95': 0.95, 'latency.p99': 0.99 };

/** Fewest requests a percentile series needs (2, 20, 100); null for other series. */
export function minRequestsFor(series: AlertRule['series']): number | null {
  const q = QUANTILES[series];
  return q === undefined ? null : Math.round(1 / (1 - q));
}

/**
 * Why a window's percentile is not acted on ("p95 from 3 requests; it needs 20"), or null
 * when the series is no percentile or the window holds enough requests. A window with no
 * requests at all is "no data" (the rule's noData decides), not too few.
 */
export function tooFewRequests(series: AlertRule['series'], requests: number): string | null {
  const needed = minRequestsFor(series);
  if (needed === null || requests === 0 || requests >= needed) return null;
  return `${series.slice('latency.'.length)} from ${requests} ${requests === 1 ? 'request' : 'requests'}; it needs ${needed}`;
}
