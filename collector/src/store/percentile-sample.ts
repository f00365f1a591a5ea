// How many requests a latency percentile needs to mean anything: a percentile q needs at least
// one request above it, n × (1 − q) ≥ 1 — p50 from 2 requests, p95 from 20, p99 from 100.
// Below that the store's sketch answers with one of the slowest requests (DDSketch's
// lower-rank convention), a figure the mean contradicts. One rule for the alerts
// (alerts/percentile-sample.ts) and the dashboard (shape/percentile-sample.ts imports this
// file): it has no dependencies.

export type PercentileName = 'p50' | 'p95' | 'p99';

const QUANTILES: Record<PercentileName, number> = { p50: 0.5, p95: 0.95, p99: 0.99 };

/** Fewest requests for the percentile: 2, 20, 100. */
export function minRequestsFor(p: PercentileName): number {
  return Math.round(1 / (1 - QUANTILES[p]));
}
