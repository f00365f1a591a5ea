// Which routes a deploy changed: each route's requests on the two sides of the deploy (the same
// processes and minutes as the service's figures, store/sqlite/queries/deployments.ts), those with
// enough requests on both compared, the biggest change first. A deploy that made one route three
// times slower read as the whole service's p95 ×2.9 worse, naming no route (on-call walkthrough,
// s15): the responder compared routes by hand. Backend-independent.
import type { DeployRouteChange, DeployRouteSide } from '../api-types';
import { percentile, type RequestRollup } from './request-rollup';

/** Routes listed a deploy at most: the few that changed most. */
export const MAX_DEPLOY_ROUTES = 5;

/**
 * The requests a route needs on each side to be compared: a p95 needs 20 to mean anything
 * (percentile-sample.ts), and an error rate over fewer than 50 moves 2 points with one failure.
 */
export const ROUTE_MIN_REQUESTS = 50;

/**
 * A change's size is measured against the advisor's default regression thresholds (a p95 ×1.5,
 * an error rate +2 points: advisor/thresholds.ts), so a latency and an error-rate change rank on
 * one scale: 1 is a change the size the advisor starts to judge.
 */
const P95_FACTOR_UNIT = Math.log(1.5);
const ERROR_POINTS_UNIT = 0.02;

/**
 * How much slower than the before side's p95 an after request must be to count above it: more
 * than the sketches' error (about 1 %, and a whole bin where many requests take one time), so
 * a deploy that changed nothing reads about 5 %, not the half of a bin that counts in proportion.
 */
const P95_MARGIN = 0.05;

/** The share of `after`'s requests above `beforeP95` (by more than P95_MARGIN): about 0.05 or less when nothing changed. */
export function shareAboveP95(after: RequestRollup, beforeP95: number): number {
  const n = after.sketch.count;
  return Math.max(0, n - after.sketch.countAtOrBelow(beforeP95 * (1 + P95_MARGIN))) / n;
}

function side(agg: RequestRollup): DeployRouteSide {
  return {
    requests: agg.count,
    errorRate: agg.errors / agg.count,
    meanMs: agg.durSum / agg.count,
    p50Ms: percentile(agg, 0.5),
    p95Ms: percentile(agg, 0.95),
  };
}

function sizeOf(c: DeployRouteChange): number {
  const { before: b, after: a } = c;
  const latency = b.p95Ms !== null && a.p95Ms !== null && b.p95Ms > 0 && a.p95Ms > 0 ? Math.abs(Math.log(a.p95Ms / b.p95Ms)) / P95_FACTOR_UNIT : 0;
  return Math.max(latency, Math.abs(a.errorRate - b.errorRate) / ERROR_POINTS_UNIT);
}

/** The routes of the two sides compared, the MAX_DEPLOY_ROUTES that changed most; how many were compared. */
export function deployRouteChanges(before: ReadonlyMap<string, RequestRollup>, after: ReadonlyMap<string, RequestRollup>): { routes: DeployRouteChange[]; compared: number } {
  const changes: { change: DeployRouteChange; size: number }[] = [];
  for (const [route, b] of before) {
    const a = after.get(route);
    if (a === undefined || b.count < ROUTE_MIN_REQUESTS || a.count < ROUTE_MIN_REQUESTS) continue;
    const beforeSide = side(b);
    const above = beforeSide.p95Ms === null || a.sketch.count === 0 ? 0 : shareAboveP95(a, beforeSide.p95Ms);
    const change: DeployRouteChange = { route, before: beforeSide, after: side(a), afterAboveBeforeP95: above };
    changes.push({ change, size: sizeOf(change) });
  }
  changes.sort((x, y) => y.size - x.size || (x.change.route < y.change.route ? -1 : 1));
  return { routes: changes.slice(0, MAX_DEPLOY_ROUTES).map((c) => c.change), compared: changes.length };
}
