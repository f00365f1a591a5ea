// Whether a latency percentile over an alert's window rests on enough requests to act on: the
// dashboard's rule (store/percentile-sample.ts). Below it a rule would fire on one slow call
// (a p95 "from" a single 304 ms request is that request).
import type { AlertRule } from '../api-types';
import { minRequestsFor, type PercentileName } from '../store/percentile-sample';

const PERCENTILES: Partial<Record<AlertRule['series'], PercentileName>> = { 'latency.p50': 'p50', 'latency.p95': 'p95', 'latency.p99': 'p99' };

/**
 * Why a window's percentile is not acted on ("p95 from 3 requests; it needs 20"), or null
 * when the series is no percentile or the window holds enough requests. A window with no
 * requests at all is "no data" (the rule's noData decides), not too few.
 */
export function tooFewRequests(series: AlertRule['series'], requests: number): string | null {
  const percentile = PERCENTILES[series];
  if (percentile === undefined || requests === 0) return null;
  const needed = minRequestsFor(percentile);
  if (requests >= needed) return null;
  return `${series.slice('latency.'.length)} from ${requests} ${requests === 1 ? 'request' : 'requests'}; it needs ${needed}`;
}
