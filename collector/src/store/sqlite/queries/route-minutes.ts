// Each process's requests per route, minute by minute, into the pieces the deployments' sides are
// cut in (process-segments.ts): which routes a deploy changed (store/deploy-route-changes.ts). The
// matched routes' minute rows (kept as long as hour rows) of all the processes at once, over one
// span, in one statement along the table's key (service, t, …): a read per process and route would
// seek each route's rows once per process. The requests no route matched (a method alone) are left
// out in SQL, their sketches never decoded: they are no route to name. Only the columns a route's
// comparison reads (no failed requests' sketch, no parts): on bench/query's day, 5,760 rows took
// 20.8 ms with every column and both sketches, 15.5 with these.
import type { RequestRollup } from '../../request-rollup';
import type { ProcessSegments } from './process-segments';
import { MATCHED_ROUTE_SQL } from './matched-routes';
import type { StatementCache } from './statement-cache';

const ROUTE_MINUTES_SQL = `SELECT t, instance_id, route, count, errors, dur_sum, dur_min, dur_max, sketch
  FROM req_minute WHERE service = ? AND t >= ? AND t < ? AND ${MATCHED_ROUTE_SQL}`;

type RouteRow = [number, string, string, number, number, number, number | null, number | null, Uint8Array | null];

/** Adds a row's requests, failures and latencies to the route's aggregate (its other fields stay 0). */
function addLatencies(into: RequestRollup, row: RouteRow): void {
  into.count += row[3];
  into.errors += row[4];
  into.durSum += row[5];
  const min = row[6];
  const max = row[7];
  if (min !== null && (into.durMin === null || min < into.durMin)) into.durMin = min;
  if (max !== null && (into.durMax === null || max > into.durMax)) into.durMax = max;
  if (row[8] instanceof Uint8Array) into.sketch.mergeEncoded(row[8]);
}

/** Adds the processes' route rows in [from, to) to the pieces of `segments` that hold them. */
export function readRouteMinutes(stmts: StatementCache, service: string, span: { from: number; to: number }, segments: ProcessSegments): void {
  if (span.to <= span.from) return;
  for (const row of stmts.get(ROUTE_MINUTES_SQL).raw().iterate(service, span.from, span.to) as Iterable<RouteRow>) {
    const agg = segments.routeAggregate(row[1], row[0], row[2]);
    if (agg !== null) addLatencies(agg, row);
  }
}

