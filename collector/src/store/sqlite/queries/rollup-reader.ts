// Reads request rollups over a range: whole rolled-up hours from the hour tables, the rest
// from the minute tables (or the 5-minute ones, for series in 5-minute multiples), merged
// into one aggregate per bucket/group by the caller's key.
import { emptyRollup, type RequestRollup } from '../../request-rollup';
import { HOUR_MS, MINUTE_MS, seriesBuckets, splitRange } from '../../time-buckets';
import { MATCHED_ROUTE_IN_SQL, MATCHED_ROUTE_SQL, matchedRouteParams, UNMATCHED_ROUTE_IN_SQL, unmatchedRouteParams } from './matched-routes';
import type { StatementCache } from './statement-cache';

const FIVE_MINUTES_MS = 5 * MINUTE_MS;

/**
 * One stored rollup row as a positional array (better-sqlite3 `.raw()`): building objects
 * with twenty named fields costs more than merging the sketch, on thousands of rows.
 * Layout: t, count, errors, dur_sum, dur_min, dur_max, sketch, qw_count, qw_sum, br_count,
 * br_sum, rw_count, rw_sum, reqb_count, reqb_sum, respb_count, respb_sum, err_sketch (absent
 * where a caller selects the older column list: no failed requests' sketch then).
 */
export type RollupRowRaw = (number | null | Uint8Array | string)[];

export interface RollupFilter {
  service: string;
  route?: string | undefined;
  instanceId?: string | undefined;
  /** Without `route`: only the requests that matched a route (matched-routes.ts), from the route-keyed tables. */
  matchedRoutes?: boolean | undefined;
  /** Without `route`: only the requests no route matched (a method alone), from the route-keyed tables. */
  unmatchedRoutes?: boolean | undefined;
}

const ALL_COLS = `t, count, errors, dur_sum, dur_min, dur_max, sketch, qw_count, qw_sum, br_count, br_sum,
  rw_count, rw_sum, reqb_count, reqb_sum, respb_count, respb_sum, err_sketch`;

/** Columns of a counts-only read (`countsOnly`): t, count, errors. */
const COUNT_COLS = 't, count, errors';

/** Adds a counts-only row's requests and failures into an aggregate (its other fields untouched). */
export function addCounts(into: RequestRollup, row: RollupRowRaw): void {
  into.count += row[1] as number;
  into.errors += row[2] as number;
}

/** Adds one stored row into an aggregate (sketch merged from its bytes). */
export function addRow(into: RequestRollup, row: RollupRowRaw): void {
  into.count += row[1] as number;
  into.errors += row[2] as number;
  into.durSum += row[3] as number;
  const min = row[4] as number | null;
  const max = row[5] as number | null;
  if (min !== null && (into.durMin === null || min < into.durMin)) into.durMin = min;
  if (max !== null && (into.durMax === null || max > into.durMax)) into.durMax = max;
  const sketch = row[6];
  if (sketch instanceof Uint8Array) into.sketch.mergeEncoded(sketch);
  into.qwCount += row[7] as number;
  into.qwSum += row[8] as number;
  into.brCount += row[9] as number;
  into.brSum += row[10] as number;
  into.rwCount += row[11] as number;
  into.rwSum += row[12] as number;
  into.reqbCount += row[13] as number;
  into.reqbSum += row[14] as number;
  into.respbCount += row[15] as number;
  into.respbSum += row[16] as number;
  const errSketch = row[17];
  if (errSketch instanceof Uint8Array) into.errSketch.mergeEncoded(errSketch);
}

/**
 * Calls `each` for every rollup row of the filter in [from, to). Which table answers:
 * route and instance → req_* (through its route index); route alone → route_*; instance
 * alone → inst_*; neither → svc_*. The matched routes (no route given) are the route-keyed
 * tables' matched rows: route_*, or req_* with an instance; the unmatched ones (a method alone) likewise. Hour rows are used when `useHours` and the hour is whole
 * inside the range and already rolled up; else 5-minute rows (not kept for route and
 * instance together) for the whole 5 minutes inside the range when `use5m`. With `countsOnly`,
 * each row is `t, count, errors` (addCounts).
 */
export function forEachRollupRow(
  stmts: StatementCache,
  filter: RollupFilter,
  range: { from: number; to: number },
  opts: { useHours: boolean; use5m?: boolean; rolledUntil: number; countsOnly?: boolean },
  each: (row: RollupRowRaw) => void,
): void {
  // An error rate needs no sketch: decoding and merging one per row cost more than the read.
  const COLS = opts.countsOnly === true ? COUNT_COLS : ALL_COLS;
  const split = splitRange(range.from, range.to, opts.rolledUntil, opts.useHours);
  const matched = filter.matchedRoutes === true && filter.route === undefined;
  const unmatched = filter.unmatchedRoutes === true && filter.route === undefined;
  const read = (level: 'hour' | '5m' | 'minute', from: number, to: number): void => {
    if (to <= from) return;
    let sql: string;
    const params: (string | number)[] = [filter.service];
    if (filter.route !== undefined && filter.instanceId !== undefined) {
      sql = `SELECT ${COLS} FROM req_${level} WHERE service = ? AND route = ? AND instance_id = ?`;
      params.push(filter.route, filter.instanceId);
    } else if (matched && filter.instanceId !== undefined) {
      sql = `SELECT ${COLS} FROM req_${level} WHERE service = ? AND instance_id = ? AND ${MATCHED_ROUTE_SQL}`;
      params.push(filter.instanceId);
    } else if (matched) {
      sql = `SELECT ${COLS} FROM route_${level} WHERE service = ? AND ${MATCHED_ROUTE_IN_SQL}`;
      params.push(...matchedRouteParams(filter.service));
    } else if (unmatched && filter.instanceId !== undefined) {
      // A seek per method name through the route index: by its key (service, t, …) the planner
      // walked every route's and instance's rows of the range.
      sql = `SELECT ${COLS} FROM req_${level} INDEXED BY req_${level}_route WHERE service = ? AND ${UNMATCHED_ROUTE_IN_SQL} AND instance_id = ?`;
      params.push(...unmatchedRouteParams(), filter.instanceId);
    } else if (unmatched) {
      sql = `SELECT ${COLS} FROM route_${level} WHERE service = ? AND ${UNMATCHED_ROUTE_IN_SQL}`;
      params.push(...unmatchedRouteParams());
    } else if (filter.route !== undefined) {
      sql = `SELECT ${COLS} FROM route_${level} WHERE service = ? AND route = ?`;
      params.push(filter.route);
    } else if (filter.instanceId !== undefined) {
      sql = `SELECT ${COLS} FROM inst_${level} WHERE service = ? AND instance_id = ?`;
      params.push(filter.instanceId);
    } else {
      sql = `SELECT ${COLS} FROM svc_${level} WHERE service = ?`;
    }
    sql += ' AND t >= ? AND t < ?';
    params.push(from, to);
    for (const row of stmts.get(sql).raw().iterate(...params) as Iterable<RollupRowRaw>) each(row);
  };
  read('hour', split.hours.from, split.hours.to);
  // No 5-minute rows for route and instance together (req_*).
  const fiveMinutes = opts.use5m === true && !((filter.route !== undefined || matched || unmatched) && filter.instanceId !== undefined);
  for (const m of split.minutes) {
    const from5 = Math.ceil(m.from / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    const to5 = Math.floor(m.to / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    if (!fiveMinutes || to5 <= from5) {
      read('minute', m.from, m.to);
      continue;
    }
    read('minute', m.from, from5);
    read('5m', from5, to5);
    read('minute', to5, m.to);
  }
}

/** Aggregates per bucket start, for series; with `countsOnly`, their requests and failures alone. */
export function bucketedRollups(
  stmts: StatementCache,
  filter: RollupFilter,
  range: { from: number; to: number },
  askedBucketMs: number,
  rolledUntil: number,
  countsOnly = false,
): { t: number[]; aggs: (RequestRollup | null)[] } {
  const { bucketMs, start, n } = seriesBuckets(range.from, range.to, askedBucketMs);
  const t: number[] = [];
  for (let i = 0; i < n; i++) t.push(start + i * bucketMs);
  const aggs: (RequestRollup | null)[] = new Array<RequestRollup | null>(n).fill(null);
  forEachRollupRow(
    stmts,
    filter,
    { from: start, to: start + n * bucketMs },
    { useHours: bucketMs % HOUR_MS === 0, use5m: bucketMs % FIVE_MINUTES_MS === 0, rolledUntil, countsOnly },
    (row) => {
      const i = Math.floor(((row[0] as number) - start) / bucketMs);
      if (i < 0 || i >= n) return;
      let agg = aggs[i];
      if (!agg) aggs[i] = agg = emptyRollup();
      if (countsOnly) addCounts(agg, row);
      else addRow(agg, row);
    },
  );
  return { t, aggs };
}
