// A service's deployments: its versions (service.version and VCS revision, migration 14), each
// first seen when its first process was, with the traffic after the deploy against the traffic
// before it. The two sides are told apart by process, not only by time: after, the requests of
// the deployed version's processes from its first minute; before, those of the processes of other
// versions started before it, up to the end of that minute. A rolling deploy's mixed minutes, and a deploy within
// the minute after the last one, still compare old build with new.
import type { Database } from 'better-sqlite3';
import type { Deployment, DeploymentsResponse, DeployWindow } from '../../../api-types';
import { apdex, emptyRollup, percentile, type RequestRollup } from '../../request-rollup';
import type { DeploymentsQuery } from '../../storage';
import { MINUTE_MS } from '../../time-buckets';
import { addRow, forEachRollupRow } from './rollup-reader';
import { StatementCache } from './statement-cache';

/** Deployments listed at most (newest first); more are counted. A CI deploying every commit makes dozens a day. */
export const MAX_DEPLOYMENTS = 50;

/**
 * How much slower than the before side's p95 an after request must be to count above it: more
 * than the sketches' error (about 1 %, and a whole bin where many requests take one time), so
 * a deploy that changed nothing reads about 5 %, not the half of a bin that counts in proportion.
 */
const P95_MARGIN = 0.05;

/** The share of the aggregate's requests slower than `ms`. */
function shareAbove(agg: RequestRollup, ms: number): number {
  const n = agg.sketch.count;
  return Math.max(0, n - agg.sketch.countAtOrBelow(ms)) / n;
}

interface VersionRow {
  version: string | null;
  revision: string | null;
  first_seen: number;
  last_seen: number;
  instances: number;
}

export class DeploymentQueries {
  private readonly stmts: StatementCache;

  constructor(
    db: Database,
    private readonly rolledUntil: () => number,
    private readonly apdexT: (service: string) => number,
  ) {
    this.stmts = new StatementCache(db);
  }

  deployments(q: DeploymentsQuery): DeploymentsResponse {
    // A version is seen in the range when one of its processes was: first seen before its end,
    // last seen after its start. `IS` compares NULLs as equal (a version without a revision).
    const rows = this.stmts
      .get(`SELECT version, revision, min(first_seen_ms) AS first_seen, max(last_seen_ms) AS last_seen, count(*) AS instances
            FROM instances WHERE service = ? AND (version IS NOT NULL OR revision IS NOT NULL)
            GROUP BY version, revision
            HAVING max(last_seen_ms) >= ? AND min(first_seen_ms) < ?
            ORDER BY first_seen DESC, version, revision`)
      .all(q.service, q.from, q.to) as VersionRow[];
    const deployments: Deployment[] = rows.slice(0, MAX_DEPLOYMENTS).map((r) => {
      const deployMinute = Math.floor(r.first_seen / MINUTE_MS) * MINUTE_MS;
      // The current minute is the last one the after side may reach: a deploy of ten minutes
      // ago is compared over ten minutes after it (and windowMs before), not thirty of which
      // twenty have not happened.
      const afterEnd = Math.max(deployMinute + MINUTE_MS, Math.min(deployMinute + q.windowMs, Math.ceil(q.now / MINUTE_MS) * MINUTE_MS));
      const beforeEnd = deployMinute + MINUTE_MS;
      const before = this.side(q.service, r, 'others', beforeEnd - q.windowMs, beforeEnd);
      const after = this.side(q.service, r, 'deployed', deployMinute, afterEnd);
      const beforeP95 = percentile(before.agg, 0.95);
      return {
        version: r.version,
        revision: r.revision,
        firstSeen: r.first_seen,
        lastSeen: r.last_seen,
        instances: r.instances,
        before: before.window,
        after: after.window,
        afterAboveBeforeP95: beforeP95 !== null && after.agg.sketch.count > 0 ? shareAbove(after.agg, beforeP95 * (1 + P95_MARGIN)) : null,
      };
    });
    return { from: q.from, to: q.to, service: q.service, windowMs: q.windowMs, deployments, moreDeployments: Math.max(0, rows.length - MAX_DEPLOYMENTS) };
  }

  /**
   * The requests in [from, to) of the version's processes ('deployed'), or of the processes of
   * other versions started before it ('others': a later deploy's are not what it replaced).
   */
  private side(service: string, v: VersionRow, processes: DeployWindow['processes'], from: number, to: number): { window: DeployWindow; agg: RequestRollup } {
    const ids = (
      processes === 'deployed'
        ? this.stmts
          .get(`SELECT instance_id FROM instances WHERE service = ? AND version IS ? AND revision IS ? AND last_seen_ms >= ? AND first_seen_ms < ?`)
          .pluck()
          .all(service, v.version, v.revision, from, to)
        : this.stmts
          .get(`SELECT instance_id FROM instances WHERE service = ? AND NOT (version IS ? AND revision IS ?) AND last_seen_ms >= ? AND first_seen_ms < ?`)
          .pluck()
          .all(service, v.version, v.revision, from, Math.min(to, v.first_seen))
    ) as string[];
    const agg = emptyRollup();
    let instances = 0;
    const rolledUntil = this.rolledUntil();
    for (const instanceId of ids) {
      const before = agg.count;
      forEachRollupRow(this.stmts, { service, instanceId }, { from, to }, { useHours: true, rolledUntil }, (row) => addRow(agg, row));
      if (agg.count > before) instances++;
    }
    const window: DeployWindow = {
      from,
      to,
      processes,
      instances,
      requests: agg.count,
      throughputRpm: agg.count / ((to - from) / MINUTE_MS),
      errorRate: agg.count > 0 ? agg.errors / agg.count : null,
      p50Ms: percentile(agg, 0.5),
      p95Ms: percentile(agg, 0.95),
      apdex: agg.count > 0 ? apdex(agg, this.apdexT(service)) : null,
    };
    return { window, agg };
  }
}
