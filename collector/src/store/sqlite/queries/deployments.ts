// A service's deployments: each change of running version (service.version and VCS revision,
// migration 14; a rollback too: store/deploy-runs.ts), at the first data of its first process,
// with the traffic after the deploy against the traffic before it. The two sides are told apart
// by process, not only by time: after, the requests of the deploy's own processes from its first
// minute; before, those of the processes of other versions started before it, up to the end of
// that minute. A rolling deploy's mixed minutes, and a deploy within the minute after the last
// one, still compare old build with new.
import type { Database } from 'better-sqlite3';
import type { Deployment, DeploymentsResponse, DeployWindow } from '../../../api-types';
import { apdex, emptyRollup, percentile, type RequestRollup } from '../../request-rollup';
import { deployRuns, type DeployProcess } from '../../deploy-runs';
import type { DeploymentsQuery } from '../../storage';
import { MINUTE_MS } from '../../time-buckets';
import { errorRateCounts, errorRateOf } from '../../error-rate';
import { ENDED_INSTANCES_SQL, endingParams } from './instance-endings';
import { namesRoutes } from './matched-routes';
import { ProcessSegments } from './process-segments';
import { addRow, forEachRollupRow } from './rollup-reader';
import { StatementCache } from './statement-cache';
import { UnroutedMinutes } from './unrouted-minutes';

/** Deployments listed at most (newest first); more are counted. A CI deploying every commit makes dozens a day. */
/** Endings are read up to this far past now: the store keeps data stamped up to an hour ahead. */
const ENDINGS_AHEAD_MS = 3_600_000;

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


interface Side {
  processes: DeployWindow['processes'];
  /** Those of the side's processes that ran in [from, to). */
  ids: string[];
  from: number;
  to: number;
}

function sideOf(processes: readonly DeployProcess[], kind: DeployWindow['processes'], from: number, to: number): Side {
  return { processes: kind, ids: processes.filter((p) => p.lastSeen >= from && p.firstSeen < to).map((p) => p.instanceId), from, to };
}

/**
 * Where a before side starts: windowMs before the deploy's minute, or the minute the first of the
 * replaced processes that ran then started, if later. A service eight minutes old was compared
 * over thirty, its throughput before the deploy read at a quarter of what it served.
 */
function beforeStart(replaced: readonly DeployProcess[], windowStart: number, end: number): number {
  let first = end;
  for (const p of replaced) if (p.lastSeen >= windowStart && p.firstSeen < first) first = p.firstSeen;
  return first >= end ? windowStart : Math.max(windowStart, Math.floor(first / MINUTE_MS) * MINUTE_MS);
}

/**
 * A side's requests, merged from its processes' pieces; `unmatched`, the pieces of the requests no
 * route matched, which the error rate leaves out unless they failed (error-rate.ts).
 */
function sideWindow(segments: ProcessSegments, unmatched: UnroutedMinutes | null, side: Side, apdexT: number): { window: DeployWindow; agg: RequestRollup } {
  const { from, to } = side;
  const agg = emptyRollup();
  let instances = 0;
  for (const id of side.ids) if (segments.add(agg, id, from, to) > 0) instances++;
  const unrouted = { requests: 0, errors: 0 };
  if (unmatched) for (const id of side.ids) unmatched.add(unrouted, id, from, to);
  const errors = errorRateCounts({ requests: agg.count, errors: agg.errors }, unrouted);
  const window: DeployWindow = {
    from,
    to,
    processes: side.processes,
    instances,
    requests: agg.count,
    throughputRpm: agg.count / ((to - from) / MINUTE_MS),
    errorRate: errorRateOf(errors),
    errorRateRequests: errors.requests,
    p50Ms: percentile(agg, 0.5),
    p95Ms: percentile(agg, 0.95),
    apdex: agg.count > 0 ? apdex(agg, apdexT) : null,
  };
  return { window, agg };
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
    // Every process of the service: the deploys are its changes of version, and a process that
    // sent no version is still among the processes a deploy replaced.
    // Whether each said it ended (a stop, its primary's exit for it): it ran until its last data.
    const processes = (
      this.stmts
        .get(`SELECT instance_id AS instanceId, version, revision, first_seen_ms AS firstSeen, last_seen_ms AS lastSeen,
                instance_id IN (${ENDED_INSTANCES_SQL}) AS ended
              FROM instances WHERE service = ?`)
        .all(...endingParams(q.service, 0, q.now + ENDINGS_AHEAD_MS), q.service) as (Omit<DeployProcess, 'ended'> & { ended: number })[]
    ).map((p) => ({ ...p, ended: p.ended === 1 }));
    // A deploy is seen in the range when one of its processes was: first seen before its end,
    // last seen after its start.
    const runs = deployRuns(processes, q.now)
      .filter((r) => r.lastSeen >= q.from && r.firstSeen < q.to)
      .reverse();
    const sides = runs.slice(0, MAX_DEPLOYMENTS).map((r) => {
      const deployMinute = Math.floor(r.firstSeen / MINUTE_MS) * MINUTE_MS;
      // The current minute is the last one the after side may reach: a deploy of ten minutes
      // ago is compared over ten minutes after it (and windowMs before), not thirty of which
      // twenty have not happened. Nor past the minute its last process stopped in: a version
      // replaced after twelve minutes is compared over those twelve, not thirty it did not run.
      const lastMinuteEnd = r.stoppedAt === null ? Math.ceil(q.now / MINUTE_MS) * MINUTE_MS : Math.floor(r.stoppedAt / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
      const afterEnd = Math.max(deployMinute + MINUTE_MS, Math.min(deployMinute + q.windowMs, lastMinuteEnd));
      const beforeEnd = deployMinute + MINUTE_MS;
      // Before: the processes of other versions started before it (a later deploy's are not what
      // it replaced; the same version's, before a rollback, are not either).
      const replaced = processes.filter((p) => !(p.version === r.version && p.revision === r.revision) && p.firstSeen < r.firstSeen);
      return {
        run: r,
        before: sideOf(replaced, 'others', beforeStart(replaced, beforeEnd - q.windowMs, beforeEnd), beforeEnd),
        after: sideOf(r.processes, 'deployed', deployMinute, afterEnd),
      };
    });
    // A process is on the after side of its deploy and the before side of the next ones, over
    // overlapping minutes: its rows are read once, in pieces the sides share.
    const segments = new ProcessSegments();
    for (const s of sides) for (const side of [s.before, s.after]) for (const id of side.ids) segments.want(id, side.from, side.to);
    const rolledUntil = this.rolledUntil();
    segments.load((instanceId, from, to) => {
      const agg = emptyRollup();
      forEachRollupRow(this.stmts, { service: q.service, instanceId }, { from, to }, { useHours: true, rolledUntil }, (row) => addRow(agg, row));
      return agg;
    });
    // Their requests no route matched, for the error rate, over the span of each one's sides (a
    // service that names no routes has none to tell apart: all its requests count).
    const unmatched = namesRoutes(this.stmts, q.service) ? new UnroutedMinutes(this.stmts, q.service) : null;
    if (unmatched) {
      const spans = new Map<string, { from: number; to: number }>();
      for (const s of sides) {
        for (const side of [s.before, s.after]) {
          for (const id of side.ids) {
            const span = spans.get(id);
            spans.set(id, span ? { from: Math.min(span.from, side.from), to: Math.max(span.to, side.to) } : { from: side.from, to: side.to });
          }
        }
      }
      unmatched.read(spans);
    }
    const apdexT = this.apdexT(q.service);
    const deployments: Deployment[] = sides.map(({ run: r, before: b, after: a }) => {
      const before = sideWindow(segments, unmatched, b, apdexT);
      const after = sideWindow(segments, unmatched, a, apdexT);
      const beforeP95 = percentile(before.agg, 0.95);
      return {
        version: r.version,
        revision: r.revision,
        firstSeen: r.firstSeen,
        lastSeen: r.lastSeen,
        stoppedAt: r.stoppedAt,
        instances: r.processes.length,
        before: before.window,
        after: after.window,
        afterAboveBeforeP95: beforeP95 !== null && after.agg.sketch.count > 0 ? shareAbove(after.agg, beforeP95 * (1 + P95_MARGIN)) : null,
      };
    });
    return { from: q.from, to: q.to, service: q.service, windowMs: q.windowMs, deployments, moreDeployments: Math.max(0, runs.length - MAX_DEPLOYMENTS) };
  }
}
