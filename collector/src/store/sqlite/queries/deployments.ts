// A service's deployments: each change of running version (service.version and VCS revision,
// migration 14; a rollback too: store/deploy-runs.ts), at the first data of its first process,
// with the traffic after the deploy against the traffic before it. The two sides are told apart
// by process, not only by time: after, the requests of the deploy's own processes from its first
// minute; before, those of the processes of other versions started before it, up to the end of
// that minute. A rolling deploy's mixed minutes, and a deploy within the minute after the last
// one, still compare old build with new. The same sides per route say where the deploy changed
// things (deploy-route-changes.ts), for the newest deploys listed.
import type { Database } from 'better-sqlite3';
import type { Deployment, DeploymentsResponse, DeployWindow } from '../../../api-types';
import { apdex, emptyRollup, percentile, type RequestRollup } from '../../request-rollup';
import { deployRouteChanges, ROUTE_MIN_REQUESTS, shareAboveP95 } from '../../deploy-route-changes';
import { deployRuns, type DeployProcess } from '../../deploy-runs';
import { reportedMs } from '../../reported-span';
import type { DeploymentsQuery } from '../../storage';
import { MINUTE_MS } from '../../time-buckets';
import { errorRateCounts, errorRateOf } from '../../error-rate';
import { ENDED_INSTANCES_SQL, endingParams } from './instance-endings';
import { namesRoutes } from './matched-routes';
import { ProcessSegments } from './process-segments';
import { addRow, forEachRollupRow } from './rollup-reader';
import { readRouteMinutes } from './route-minutes';
import { StatementCache } from './statement-cache';
import { UnroutedMinutes } from './unrouted-minutes';

/** Endings are read up to this far past now: the store keeps data stamped up to an hour ahead. */
const ENDINGS_AHEAD_MS = 3_600_000;

/** Deployments listed at most (newest first); more are counted. A CI deploying every commit makes dozens a day. */
export const MAX_DEPLOYMENTS = 50;

/**
 * Deploys whose routes are compared (the newest of those listed): a route's rows are many times a
 * process's (20 routes, 20 times), so comparing the routes of every deploy of a day read every
 * route row of the day — on bench/query's day of 49 deploys of a one-route service, ×1.8 the
 * query's time (32 → 58 ms p50); a service of 20 routes would read 20 times those rows. The newest
 * five cover the advisor's hour and the page's default range; an older deploy's, a narrower range.
 */
export const MAX_ROUTE_DEPLOYS = 5;

/** A process as the sides need it: whether it sent a start event too (its reported time starts there). */
type SideProcess = DeployProcess & { started: boolean };

interface Side {
  processes: DeployWindow['processes'];
  /** Those of the side's processes that ran in [from, to). */
  ran: SideProcess[];
  from: number;
  to: number;
}

function sideOf(processes: readonly SideProcess[], kind: DeployWindow['processes'], from: number, to: number): Side {
  return { processes: kind, ran: processes.filter((p) => p.lastSeen >= from && p.firstSeen < to), from, to };
}

/**
 * Where a before side starts: windowMs before the deploy's minute, or the minute the first of the
 * replaced processes that ran then started, if later. A service eight minutes old was compared
 * over thirty, its throughput before the deploy read at a quarter of what it served.
 */
function beforeStart(replaced: readonly SideProcess[], windowStart: number, end: number): number {
  let first = end;
  for (const p of replaced) if (p.lastSeen >= windowStart && p.firstSeen < first) first = p.firstSeen;
  return first >= end ? windowStart : Math.max(windowStart, Math.floor(first / MINUTE_MS) * MINUTE_MS);
}

/**
 * A side's requests, merged from its processes' pieces, and per route; `unmatched`, the pieces of
 * the requests no route matched, which the error rate leaves out unless they failed
 * (error-rate.ts). Its throughput is over the time its processes reported in it
 * (reported-span.ts): a deploy's new process that served 17:40:49–17:42 read over 17:40–17:43
 * halved its rate ("1,885 → 926 rpm, −51 %" at a steady 2,100: the on-call walkthrough, s15).
 */
function sideWindow(
  segments: ProcessSegments,
  unmatched: UnroutedMinutes | null,
  side: Side,
  apdexT: number,
  withRoutes: boolean,
): { window: DeployWindow; agg: RequestRollup; routes: Map<string, RequestRollup> } {
  const { from, to } = side;
  const agg = emptyRollup();
  const routes = new Map<string, RequestRollup>();
  let instances = 0;
  for (const { instanceId } of side.ran) {
    if (segments.add(agg, instanceId, from, to) > 0) instances++;
    if (withRoutes) segments.addRoutes(routes, instanceId, from, to);
  }
  const unrouted = { requests: 0, errors: 0 };
  if (unmatched) for (const { instanceId } of side.ran) unmatched.add(unrouted, instanceId, from, to);
  const errors = errorRateCounts({ requests: agg.count, errors: agg.errors }, unrouted);
  const window: DeployWindow = {
    from,
    to,
    processes: side.processes,
    instances,
    requests: agg.count,
    throughputRpm: agg.count / (reportedMs(side.ran, from, to) / MINUTE_MS),
    errorRate: errorRateOf(errors),
    errorRateRequests: errors.requests,
    p50Ms: percentile(agg, 0.5),
    p95Ms: percentile(agg, 0.95),
    apdex: agg.count > 0 ? apdex(agg, apdexT) : null,
  };
  return { window, agg, routes };
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
                instance_id IN (${ENDED_INSTANCES_SQL}) AS ended, started_ms IS NOT NULL AS started
              FROM instances WHERE service = ?`)
        .all(...endingParams(q.service, 0, q.now + ENDINGS_AHEAD_MS), q.service) as (Omit<SideProcess, 'ended' | 'started'> & { ended: number; started: number })[]
    ).map((p) => ({ ...p, ended: p.ended === 1, started: p.started === 1 }));
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
        // The run's processes are those read above, with whether each started.
        after: sideOf(r.processes as SideProcess[], 'deployed', deployMinute, afterEnd),
      };
    });
    // A process is on the after side of its deploy and the before side of the next ones, over
    // overlapping minutes: its rows are read once, in pieces the sides share.
    const segments = new ProcessSegments();
    for (const s of sides) for (const side of [s.before, s.after]) for (const { instanceId } of side.ran) segments.want(instanceId, side.from, side.to);
    const rolledUntil = this.rolledUntil();
    segments.load((instanceId, from, to) => {
      const agg = emptyRollup();
      forEachRollupRow(this.stmts, { service: q.service, instanceId }, { from, to }, { useHours: true, rolledUntil }, (row) => addRow(agg, row));
      return agg;
    });
    // The span of each process's sides, and of the sides of the deploys whose routes are compared.
    const spans = new Map<string, { from: number; to: number }>();
    const routeSpan = { from: Infinity, to: -Infinity };
    for (const [i, s] of sides.entries()) {
      for (const side of [s.before, s.after]) {
        if (side.ran.length === 0) continue;
        if (i < MAX_ROUTE_DEPLOYS) {
          routeSpan.from = Math.min(routeSpan.from, side.from);
          routeSpan.to = Math.max(routeSpan.to, side.to);
        }
        for (const { instanceId: id } of side.ran) {
          const span = spans.get(id);
          spans.set(id, span ? { from: Math.min(span.from, side.from), to: Math.max(span.to, side.to) } : { from: side.from, to: side.to });
        }
      }
    }
    // Their requests no route matched, for the error rate (a service that names no routes has
    // none to tell apart: all its requests count); those of each route, for the routes it changed.
    const routed = namesRoutes(this.stmts, q.service);
    const unmatched = routed ? new UnroutedMinutes(this.stmts, q.service) : null;
    if (unmatched) unmatched.read(spans);
    if (routed) readRouteMinutes(this.stmts, q.service, routeSpan, segments);
    const apdexT = this.apdexT(q.service);
    const deployments: Deployment[] = sides.map(({ run: r, before: b, after: a }, i) => {
      const withRoutes = i < MAX_ROUTE_DEPLOYS;
      const before = sideWindow(segments, unmatched, b, apdexT, withRoutes);
      const after = sideWindow(segments, unmatched, a, apdexT, withRoutes);
      const beforeP95 = percentile(before.agg, 0.95);
      const routes = withRoutes ? deployRouteChanges(before.routes, after.routes) : null;
      return {
        version: r.version,
        revision: r.revision,
        firstSeen: r.firstSeen,
        lastSeen: r.lastSeen,
        stoppedAt: r.stoppedAt,
        instances: r.processes.length,
        before: before.window,
        after: after.window,
        afterAboveBeforeP95: beforeP95 !== null && after.agg.sketch.count > 0 ? shareAboveP95(after.agg, beforeP95) : null,
        routes: routes?.routes ?? null,
        routesCompared: routes?.compared ?? null,
      };
    });
    return { from: q.from, to: q.to, service: q.service, windowMs: q.windowMs, deployments, moreDeployments: Math.max(0, runs.length - MAX_DEPLOYMENTS), routeMinRequests: ROUTE_MIN_REQUESTS, routeDeploys: MAX_ROUTE_DEPLOYS };
  }
}
