// One aggregate over a short window of request rollups, for the alert engine: the sketches
// of the minutes are merged, so a p95 over five minutes is a p95, not a mean of five p95s.
import type { Database } from 'better-sqlite3';
import { errorRateCountsOfMatched } from '../../error-rate';
import { apdex, breakdown, emptyRollup, percentile } from '../../request-rollup';
import type { RequestWindow, RequestWindowQuery } from '../../storage';
import { namesRoutes } from './matched-routes';
import { addCounts, addRow, forEachRollupRow } from './rollup-reader';
import { StatementCache } from './statement-cache';

export class WindowQueries {
  private readonly stmts: StatementCache;

  constructor(
    db: Database,
    private readonly rolledUntil: () => number,
    private readonly apdexT: (service: string) => number,
  ) {
    this.stmts = new StatementCache(db);
  }

  requestWindow(q: RequestWindowQuery): RequestWindow {
    const agg = emptyRollup();
    const matchedRoutes = q.matchedRoutes === true && q.route === undefined && namesRoutes(this.stmts, q.service);
    forEachRollupRow(
      this.stmts,
      { service: q.service, route: q.route, instanceId: q.instanceId, matchedRoutes },
      q,
      { useHours: true, rolledUntil: this.rolledUntil() },
      (row) => addRow(agg, row),
    );
    // The error rate leaves out only the unrouted requests that did not fail (error-rate.ts).
    const unmatched = emptyRollup();
    if (matchedRoutes) {
      forEachRollupRow(this.stmts, { service: q.service, instanceId: q.instanceId, unmatchedRoutes: true }, q, { useHours: true, rolledUntil: this.rolledUntil(), countsOnly: true }, (row) =>
        addCounts(unmatched, row),
      );
    }
    return {
      matchedRoutes,
      requests: agg.count,
      errors: agg.errors,
      errorRate: errorRateCountsOfMatched({ requests: agg.count, errors: agg.errors }, { requests: unmatched.count, errors: unmatched.errors }),
      p50Ms: percentile(agg, 0.5),
      p95Ms: percentile(agg, 0.95),
      p99Ms: percentile(agg, 0.99),
      apdex: agg.count > 0 ? apdex(agg, this.apdexT(q.service)) : null,
      queueWaitMs: breakdown(agg).queueWaitMs,
    };
  }
}
