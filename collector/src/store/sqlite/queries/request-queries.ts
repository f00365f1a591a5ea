// Request-side queries: the services overview, a service's series, transactions (routes)
// and the live stream's per-minute aggregates. All read rollups, never raw spans.
import type {
  LiveAggregate,
  ServiceSeriesResponse,
  ServiceSummary,
  ServicesResponse,
  TransactionSummary,
  TransactionsResponse,
} from '../../../api-types';
import { errorRateCountsOfMatched, errorRateOf } from '../../error-rate';
import { unionLength } from '../../interval-union';
import { reportedSpan } from '../../reported-span';
import { apdex, breakdown, emptyRollup, percentile, type RequestRollup } from '../../request-rollup';
import type { RangeQuery, SeriesQuery, TransactionsQuery } from '../../storage';
import { MINUTE_MS, msToNs, seriesBuckets } from '../../time-buckets';
import { apdexTFromResource } from '../apdex-threshold';
import { distinctServices, distinctWithin } from '../distinct-keys';
import type { Database } from 'better-sqlite3';
import { STOP_LOOKBACK_MS } from '../../instance-stop';
import { ENDED_INSTANCES_SQL, endingParams } from './instance-endings';
import { aliveWindow, type GaugeQueries } from './gauge-queries';
import type { RequestPartQueries } from './request-parts';
import { namesRoutes } from './matched-routes';
import { addRow, bucketedRollups, forEachRollupRow } from './rollup-reader';
import { StatementCache } from './statement-cache';

/** The ladder the overview's sparkline buckets come from (aligned with the rollups). */
const SPARK_LADDER_MS = [MINUTE_MS, 5 * MINUTE_MS, 15 * MINUTE_MS, 60 * MINUTE_MS, 360 * MINUTE_MS, 1440 * MINUTE_MS];
const SPARK_POINTS = 30;

function rate(part: number, total: number): number {
  return total > 0 ? part / total : 0;
}

export class RequestQueries {
  private readonly stmts: StatementCache;
  private readonly minuteServices: () => string[];
  private readonly hourServices: () => string[];
  private readonly minuteRoutes: (service: string) => string[];
  private readonly hourRoutes: (service: string) => string[];

  constructor(
    private readonly db: Database,
    private readonly rolledUntil: () => number,
    private readonly defaultApdexTMs: number,
    private readonly gauges: GaugeQueries,
    private readonly parts: RequestPartQueries,
  ) {
    this.stmts = new StatementCache(db);
    this.minuteServices = distinctServices(db, 'svc_minute');
    this.hourServices = distinctServices(db, 'svc_hour');
    this.minuteRoutes = distinctWithin(db, 'route_minute', 'route');
    this.hourRoutes = distinctWithin(db, 'route_hour', 'route');
  }

  /** Apdex T of a service: the latest instance's resource attribute, else the default. */
  apdexT(service: string): number {
    const resource = this.stmts
      .get(`SELECT resource FROM instances WHERE service = ? ORDER BY last_seen_ms DESC LIMIT 1`)
      .pluck()
      .get(service) as string | undefined;
    return (resource !== undefined ? apdexTFromResource(resource) : null) ?? this.defaultApdexTMs;
  }

  private total(service: string, q: RangeQuery): RequestRollup {
    const agg = emptyRollup();
    forEachRollupRow(this.stmts, { service }, q, { useHours: true, rolledUntil: this.rolledUntil() }, (row) => addRow(agg, row));
    return agg;
  }

  services(q: RangeQuery): ServicesResponse {
    const alive = this.stmts
      .get(`SELECT service, count(*) AS instances, max(last_seen_ms) AS last_seen FROM instances
            WHERE last_seen_ms >= ? AND first_seen_ms < ? GROUP BY service`)
      .all(q.from, q.to) as { service: string; instances: number; last_seen: number }[];
    const byName = new Map(alive.map((r) => [r.service, r]));
    const reported = this.reportedMs(q);
    const names = new Set<string>(byName.keys());
    for (const s of this.minuteServices()) names.add(s);
    for (const s of this.hourServices()) names.add(s);
    // The range is the whole minutes the rollups count (api-router.ts); the same answer for
    // every call within a minute (the current minute counts whole, as its rows do).
    const rangeMs = q.to - q.from;
    const out: ServiceSummary[] = [];
    for (const service of [...names].sort()) {
      const agg = this.total(service, q);
      const inst = byName.get(service);
      if (agg.count === 0 && !inst) continue;
      const t = this.apdexT(service);
      // Queue wait against the response time of the requests that carried the header, not of
      // all requests (request-parts.ts); read only for services that have any.
      const queued = agg.qwCount > 0 ? this.parts.queueWait({ service, ...q }) : null;
      const reportedMs = reported.get(service) || rangeMs;
      out.push({
        service,
        requests: agg.count,
        throughputRpm: agg.count / Math.max(1, reportedMs / MINUTE_MS),
        reportedMs,
        errorRate: rate(agg.errors, agg.count),
        p50Ms: percentile(agg, 0.5),
        p95Ms: percentile(agg, 0.95),
        p99Ms: percentile(agg, 0.99),
        apdex: apdex(agg, t),
        apdexTMs: t,
        queueWaitShare: queued !== null && queued.requests > 0 ? queued.sumMs / (queued.sumMs + queued.responseSumMs || 1) : null,
        queueWaitRequests: queued?.requests ?? 0,
        eventLoopUtilization: this.gauges.servingMean(service, 'eventloop.utilization', q),
        memoryRssBytes: this.gauges.aliveSum(service, 'memory.rss', q, Date.now()),
        instances: inst?.instances ?? 0,
        liveInstances: inst ? this.liveInstances(service, q, Date.now()) : 0,
        lastSeen: inst?.last_seen ?? null,
        sparkline: this.sparkline(service, q),
      });
    }
    return { from: q.from, to: q.to, services: out };
  }

  /**
   * Per service, the time within the range its processes reported: the union of each one's
   * first to last report (reported-span.ts). A service seen for the last hour of a week averages
   * its throughput over that hour, not the week (QA: 8.6 rpm over 7 days beside a chart at 3,400
   * rpm); its idle minutes count, as it was there. At least a minute (of the range): a rate over
   * a few seconds' requests is noise.
   */
  private reportedMs(q: RangeQuery): Map<string, number> {
    const rows = this.stmts
      .get(`SELECT service, first_seen_ms AS first, last_seen_ms AS last, started_ms AS started FROM instances WHERE last_seen_ms >= ? AND first_seen_ms < ?`)
      .all(q.from, q.to) as { service: string; first: number; last: number; started: number | null }[];
    const spans = new Map<string, [number, number][]>();
    for (const r of rows) {
      let list = spans.get(r.service);
      if (!list) spans.set(r.service, (list = []));
      list.push(reportedSpan({ firstSeen: r.first, lastSeen: r.last, started: r.started !== null }, q.from, q.to));
    }
    const least = Math.min(MINUTE_MS, q.to - q.from);
    return new Map([...spans].map(([service, list]) => [service, Math.max(least, unionLength(list))]));
  }

  /**
   * The processes alive at the range's end, as the dashboard's instances list counts them
   * (dashboard/src/shape/instance-names.ts isGone): a report within ALIVE_WITHIN_MS before the end
   * (`to`, or now for a range still under way) and not ended by then (instance-endings.ts: its
   * stop event, or its primary's report of its exit).
   */
  private liveInstances(service: string, q: RangeQuery, now: number): number {
    const { since, end } = aliveWindow(q, now);
    return this.stmts
      .get(`SELECT count(*) FROM instances WHERE service = ? AND first_seen_ms < ? AND last_seen_ms >= ?
              AND instance_id NOT IN (${ENDED_INSTANCES_SQL})`)
      .pluck()
      .get(service, q.to, since, ...endingParams(service, since - STOP_LOOKBACK_MS, end)) as number;
  }

  private sparkline(service: string, q: RangeQuery): ServiceSummary['sparkline'] {
    const span = Math.max(MINUTE_MS, q.to - q.from);
    const bucketMs = SPARK_LADDER_MS.find((b) => span / b <= SPARK_POINTS) ?? (SPARK_LADDER_MS.at(-1) as number);
    const { t, aggs } = bucketedRollups(this.stmts, { service }, q, bucketMs, this.rolledUntil());
    const perMinute = bucketMs / MINUTE_MS;
    return {
      t,
      throughputRpm: aggs.map((a) => (a ? a.count / perMinute : 0)),
      p95Ms: aggs.map((a) => (a ? percentile(a, 0.95) : null)),
    };
  }

  /** The request series; the store adds what the agents dropped (dropped-queries.ts). */
  serviceSeries(q: SeriesQuery): Omit<ServiceSeriesResponse, 'dropped'> {
    const { bucketMs } = seriesBuckets(q.from, q.to, q.bucketMs);
    const matchedRoutes = q.matchedRoutes === true && q.route === undefined && namesRoutes(this.stmts, q.service);
    const { t, aggs } = bucketedRollups(
      this.stmts,
      { service: q.service, route: q.route, instanceId: q.instanceId, matchedRoutes },
      q,
      bucketMs,
      this.rolledUntil(),
    );
    // Over the matched routes, the error rate keeps the unrouted requests that failed (error-rate.ts).
    const unmatched = matchedRoutes
      ? bucketedRollups(this.stmts, { service: q.service, instanceId: q.instanceId, unmatchedRoutes: true }, q, bucketMs, this.rolledUntil(), true).aggs
      : null;
    const errorRate = aggs.map((a, i) => {
      const read = { requests: a?.count ?? 0, errors: a?.errors ?? 0 };
      const u = unmatched?.[i];
      return errorRateOf(u ? errorRateCountsOfMatched(read, { requests: u.count, errors: u.errors }) : read);
    });
    const tMs = this.apdexT(q.service);
    const perMinute = bucketMs / MINUTE_MS;
    const parts = aggs.map((a) => (a ? breakdown(a) : null));
    return {
      from: q.from,
      to: q.to,
      service: q.service,
      route: q.route ?? null,
      instanceId: q.instanceId ?? null,
      matchedRoutes,
      bucketMs,
      t,
      requests: aggs.map((a) => a?.count ?? 0),
      throughputRpm: aggs.map((a) => (a ? a.count / perMinute : 0)),
      errorRate,
      p50Ms: aggs.map((a) => (a ? percentile(a, 0.5) : null)),
      p95Ms: aggs.map((a) => (a ? percentile(a, 0.95) : null)),
      p99Ms: aggs.map((a) => (a ? percentile(a, 0.99) : null)),
      apdex: aggs.map((a) => (a ? apdex(a, tMs) : null)),
      queueWaitMs: parts.map((p) => p?.queueWaitMs ?? null),
      appMs: parts.map((p) => p?.appMs ?? null),
      responseWriteMs: parts.map((p) => p?.responseWriteMs ?? null),
      bodyReadMs: parts.map((p) => p?.bodyReadMs ?? null),
      bodyReadPerRequestMs: parts.map((p) => p?.bodyReadPerRequestMs ?? null),
    };
  }

  transactions(q: TransactionsQuery): TransactionsResponse {
    // One range read per route (route_* lead with service, route, t).
    const byRoute = new Map<string, RequestRollup>();
    const routes = new Set([...this.minuteRoutes(q.service), ...this.hourRoutes(q.service)]);
    const rolledUntil = this.rolledUntil();
    for (const route of routes) {
      const agg = emptyRollup();
      forEachRollupRow(this.stmts, { service: q.service, route }, q, { useHours: true, rolledUntil }, (row) => addRow(agg, row));
      if (agg.count > 0) byRoute.set(route, agg);
    }
    const stalls = new Map<string, { n: number; ms: number }>();
    const stallRows = this.stmts
      .get(`SELECT route, count(*) AS n, coalesce(sum(duration_ms), 0) AS ms FROM events
            WHERE service = ? AND time_ns >= ? AND time_ns < ? AND type = 'stall' AND route IS NOT NULL GROUP BY route`)
      .all(q.service, msToNs(q.from), msToNs(q.to)) as { route: string; n: number; ms: number }[];
    for (const r of stallRows) stalls.set(r.route, { n: r.n, ms: r.ms });
    let serviceTotal = 0;
    for (const agg of byRoute.values()) serviceTotal += agg.durSum;
    // Ranked first, summarised after: only the listed routes' percentiles are read.
    const ranked = [...byRoute].sort(([ra, a], [rb, b]) => b.durSum - a.durSum || ra.localeCompare(rb));
    const listed = q.limit !== undefined ? ranked.slice(0, Math.max(0, q.limit)) : ranked;
    const transactions: TransactionSummary[] = [];
    for (const [route, agg] of listed) {
      const st = stalls.get(route);
      transactions.push({
        route,
        requests: agg.count,
        totalTimeMs: agg.durSum,
        share: rate(agg.durSum, serviceTotal),
        p50Ms: percentile(agg, 0.5),
        p95Ms: percentile(agg, 0.95),
        p99Ms: percentile(agg, 0.99),
        errors: agg.errors,
        errorRate: rate(agg.errors, agg.count),
        queueWaitMs: agg.qwCount > 0 ? agg.qwSum / agg.qwCount : null,
        stalls: st?.n ?? 0,
        stallMs: st?.ms ?? 0,
      });
    }
    const folds = this.stmts
      .get(`SELECT count(*) AS n, coalesce(sum(routes), 0) AS routes, coalesce(sum(requests), 0) AS requests, min(t) AS since
            FROM route_folds WHERE service = ? AND t >= ? AND t < ?`)
      .get(q.service, q.from, q.to) as { n: number; routes: number; requests: number; since: number | null };
    return {
      from: q.from,
      to: q.to,
      service: q.service,
      transactions,
      totalRoutes: ranked.length,
      truncated: listed.length < ranked.length,
      folded: folds.n > 0 && folds.since !== null ? { routes: folds.routes, requests: folds.requests, sinceMs: folds.since } : null,
    };
  }

  liveAggregates(service: string, minutes: number[]): LiveAggregate[] {
    const stmt = this.stmts
      .get(`SELECT t, count, errors, dur_sum, dur_min, dur_max, sketch, qw_count, qw_sum, br_count,
        br_sum, rw_count, rw_sum, reqb_count, reqb_sum, respb_count, respb_sum FROM svc_minute WHERE service = ? AND t = ?`)
      .raw();
    const out: LiveAggregate[] = [];
    for (const minute of [...new Set(minutes)].sort((a, b) => a - b)) {
      const row = stmt.get(service, minute) as Parameters<typeof addRow>[1] | undefined;
      if (!row) continue;
      const agg = emptyRollup();
      addRow(agg, row);
      const b = breakdown(agg);
      out.push({
        service,
        t: minute,
        requests: agg.count,
        errorRate: agg.count > 0 ? agg.errors / agg.count : null,
        p50Ms: percentile(agg, 0.5),
        p95Ms: percentile(agg, 0.95),
        p99Ms: percentile(agg, 0.99),
        queueWaitMs: b.queueWaitMs,
        appMs: b.appMs,
        responseWriteMs: b.responseWriteMs,
        bodyReadPerRequestMs: b.bodyReadPerRequestMs,
      });
    }
    return out;
  }
}
