// A service's failures grouped by kind (error-kind.ts) for the Errors page: the newest failed
// roots of the range that count (store/counted-failure.ts; at most MAX_ERROR_TRACES,
// read through the partial index of failed roots), a trace once per group, and beside them the
// exact count of failed requests from the request rollups, which count every request while
// traces are sampled.
import type { Database } from 'better-sqlite3';
import type { ErrorGroup, ErrorGroupsResponse } from '../../../api-types';
import type { RangeQuery } from '../../storage';
import { msToNs, seriesBuckets } from '../../time-buckets';
import { distinctWithin } from '../distinct-keys';
import { COUNTED_FAILURE_SQL } from '../counted-failure-sql';
import { failedTraceErrors, MAX_ERROR_TRACES, type FailedRoot, type TraceError } from './failed-traces';
import { forEachRollupRow } from './rollup-reader';
import { StatementCache } from './statement-cache';

const MAX_GROUPS = 100;
const TOP_ROUTES = 5;
const MINUTE_MS = 60_000;
/** Minutes whose failed-request counts are given one by one: a live range's 15 and the one filling. */
const RECENT_MINUTES = 16;

export interface ErrorGroupsQuery extends RangeQuery {
  service: string;
  /** Sparkline bucket size; the query layer picks it from the range. */
  bucketMs: number;
}

interface Building {
  group: ErrorGroup;
  routes: Map<string | null, number>;
}

export class ErrorGroupQueries {
  private readonly stmts: StatementCache;
  private readonly minuteRoutes: (service: string) => string[];
  private readonly hourRoutes: (service: string) => string[];

  constructor(
    db: Database,
    private readonly rolledUntil: () => number,
  ) {
    this.stmts = new StatementCache(db);
    this.minuteRoutes = distinctWithin(db, 'route_minute', 'route');
    this.hourRoutes = distinctWithin(db, 'route_hour', 'route');
  }

  errorGroups(q: ErrorGroupsQuery): ErrorGroupsResponse {
    const { bucketMs, start, n } = seriesBuckets(q.from, q.to, q.bucketMs);
    const t = Array.from({ length: n }, (_, i) => start + i * bucketMs);
    // One more than the bound, to know whether the range held more.
    const rows = this.stmts
      .get(`SELECT trace_id, route, start_ns / 1000000 AS start_ms, status_message, events FROM spans INDEXED BY spans_roots_error
            WHERE service = ? AND is_root = 1 AND status_code = 2 AND start_ns >= ? AND start_ns < ? AND ${COUNTED_FAILURE_SQL}
            ORDER BY start_ns DESC LIMIT ?`)
      .all(q.service, msToNs(q.from), msToNs(q.to), MAX_ERROR_TRACES + 1) as (FailedRoot & { route: string | null; start_ms: number })[];
    const truncated = rows.length > MAX_ERROR_TRACES;
    const read = truncated ? rows.slice(0, MAX_ERROR_TRACES) : rows;
    const byKind = new Map<string, Building>();
    const errors = failedTraceErrors(this.stmts, read);
    // A trace counts once in a group, by its newest root of that kind: a service that calls
    // itself has two failed roots in one trace (each request's server span).
    const counted = new Set<string>();
    const traces = new Set<string>();
    // Newest first: a group's first trace is its example and its last seen.
    let index = 0;
    for (const r of read) {
      const error = errors[index++] as TraceError;
      const traceKey = r.trace_id.toString('latin1');
      traces.add(traceKey);
      const countedKey = `${traceKey}\u0000${error.kind.kind}`;
      if (counted.has(countedKey)) continue;
      counted.add(countedKey);
      // Whole ms in SQL: start_ns read as a double can fall a hair short of its millisecond.
      const startMs = r.start_ms;
      let b = byKind.get(error.kind.kind);
      if (b === undefined) {
        b = {
          group: {
            ...error.kind,
            count: 0,
            routes: [],
            routeCount: 0,
            firstSeenMs: startMs,
            lastSeenMs: startMs,
            example: { traceId: r.trace_id.toString('hex'), route: r.route, startMs, message: error.text },
            buckets: new Array<number>(n).fill(0),
          },
          routes: new Map(),
        };
        byKind.set(error.kind.kind, b);
      }
      b.group.count++;
      b.group.firstSeenMs = startMs;
      b.routes.set(r.route, (b.routes.get(r.route) ?? 0) + 1);
      const i = Math.floor((startMs - start) / bucketMs);
      if (i >= 0 && i < n) b.group.buckets[i] = (b.group.buckets[i] ?? 0) + 1;
    }
    const groups = [...byKind.values()]
      .map(({ group, routes }) => ({
        ...group,
        routes: [...routes]
          .map(([route, count]) => ({ route, count }))
          .sort((a, b) => b.count - a.count || String(a.route).localeCompare(String(b.route)))
          .slice(0, TOP_ROUTES),
        routeCount: routes.size,
      }))
      .sort((a, b) => b.count - a.count || b.lastSeenMs - a.lastSeenMs || a.kind.localeCompare(b.kind));
    return {
      from: q.from,
      to: q.to,
      service: q.service,
      groups: groups.slice(0, MAX_GROUPS),
      totalGroups: groups.length,
      tracesRead: traces.size,
      maxTraces: MAX_ERROR_TRACES,
      truncated,
      bucketMs,
      t,
      failedRequests: this.failedRequests(q),
    };
  }

  /** Failed requests from the route rollups, over the whole minutes the range touches. */
  private failedRequests(q: ErrorGroupsQuery): ErrorGroupsResponse['failedRequests'] {
    const range = { from: Math.floor(q.from / MINUTE_MS) * MINUTE_MS, to: Math.ceil(q.to / MINUTE_MS) * MINUTE_MS };
    const rolledUntil = this.rolledUntil();
    const routes: { route: string; count: number }[] = [];
    let count = 0;
    // One range read per route (route_* lead with service, route, t), as the transactions list.
    for (const route of new Set([...this.minuteRoutes(q.service), ...this.hourRoutes(q.service)])) {
      let errors = 0;
      forEachRollupRow(this.stmts, { service: q.service, route }, range, { useHours: true, rolledUntil }, (row) => {
        errors += row[2] as number;
      });
      if (errors > 0) routes.push({ route, count: errors });
      count += errors;
    }
    routes.sort((a, b) => b.count - a.count || a.route.localeCompare(b.route));
    const minutes = this.stmts
      .get('SELECT t, errors AS count FROM svc_minute WHERE service = ? AND t >= ? AND t < ? AND errors > 0 ORDER BY t')
      .all(q.service, Math.max(range.from, range.to - RECENT_MINUTES * MINUTE_MS), range.to) as { t: number; count: number }[];
    return { ...range, count, routes, minutes };
  }
}
