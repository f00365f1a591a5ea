// Each process's requests per route, minute by minute, into the pieces the deployments' sides are
// cut in (process-segments.ts): which routes a deploy changed (store/deploy-route-changes.ts). The
// matched routes' minute rows (kept as long as hour rows) of all the processes at once, over the
// span every side asks about, in one statement along the table's key (service, t, …): a read per
// process and route would seek each route's rows once per process. The requests no route matched
// (a method alone) are left out in SQL, their sketches never decoded: they are no route to name.
import type { ProcessSegments } from './process-segments';
import { MATCHED_ROUTE_SQL } from './matched-routes';
import { addRow, ALL_COLS, type RollupRowRaw } from './rollup-reader';
import type { StatementCache } from './statement-cache';

const ROUTE_MINUTES_SQL = `SELECT ${ALL_COLS}, instance_id, route FROM req_minute WHERE service = ? AND t >= ? AND t < ? AND ${MATCHED_ROUTE_SQL}`;
/** Where the row's instance and route follow the rollup columns. */
const INSTANCE = 18;
const ROUTE = 19;

/** Adds the processes' route rows in [from, to) to the pieces of `segments` that hold them. */
export function readRouteMinutes(stmts: StatementCache, service: string, span: { from: number; to: number }, segments: ProcessSegments): void {
  if (span.to <= span.from) return;
  for (const row of stmts.get(ROUTE_MINUTES_SQL).raw().iterate(service, span.from, span.to) as Iterable<RollupRowRaw>) {
    const agg = segments.routeAggregate(row[INSTANCE] as string, row[0] as number, row[ROUTE] as string);
    if (agg !== null) addRow(agg, row);
  }
}
