// Reads request rollups over a range: whole rolled-up hours from the hour tables, the rest
// from the minute tables, merged into one aggregate per bucket/group by the caller's key.
import { emptyRollup, mergeSums, type RequestRollup } from '../../request-rollup';
import { HOUR_MS, splitRange } from '../../time-buckets';
import type { StatementCache } from './statement-cache';

export interface RollupRowRaw {
  t: number;
  route?: string;
  instance_id?: string;
  count: number;
  errors: number;
  dur_sum: number;
  dur_min: number | null;
  dur_max: number | null;
  sketch: Uint8Array | null;
  qw_count: number;
  qw_sum: number;
  br_count: number;
  br_sum: number;
  rw_count: number;
  rw_sum: number;
  reqb_count: number;
  reqb_sum: number;
  respb_count: number;
  respb_sum: number;
}

export interface RollupFilter {
  service: string;
  route?: string | undefined;
  instanceId?: string | undefined;
}

const COLS = `t, count, errors, dur_sum, dur_min, dur_max, sketch, qw_count, qw_sum, br_count, br_sum,
  rw_count, rw_sum, reqb_count, reqb_sum, respb_count, respb_sum`;

/** Adds one stored row into an aggregate (sketch merged from its bytes). */
export function addRow(into: RequestRollup, row: RollupRowRaw): void {
  into.count += row.count;
  into.errors += row.errors;
  into.durSum += row.dur_sum;
  if (row.dur_min !== null && (into.durMin === null || row.dur_min < into.durMin)) into.durMin = row.dur_min;
  if (row.dur_max !== null && (into.durMax === null || row.dur_max > into.durMax)) into.durMax = row.dur_max;
  if (row.sketch) into.sketch.mergeEncoded(row.sketch);
  mergeSums(into, {
    qwCount: row.qw_count,
    qwSum: row.qw_sum,
    brCount: row.br_count,
    brSum: row.br_sum,
    rwCount: row.rw_count,
    rwSum: row.rw_sum,
    reqbCount: row.reqb_count,
    reqbSum: row.reqb_sum,
    respbCount: row.respb_count,
    respbSum: row.respb_sum,
  });
}

/**
 * Calls `each` for every rollup row of the filter in [from, to). Service-wide rows come from
 * svc_* tables; a route or instance filter (or `byRoute`) reads req_* tables. Hour rows are
 * used when `useHours` and the hour is whole inside the range and already rolled up.
 */
export function forEachRollupRow(
  stmts: StatementCache,
  filter: RollupFilter,
  range: { from: number; to: number },
  opts: { useHours: boolean; rolledUntil: number; byRoute?: boolean },
  each: (row: RollupRowRaw) => void,
): void {
  const perRoute = opts.byRoute === true || filter.route !== undefined || filter.instanceId !== undefined;
  const split = splitRange(range.from, range.to, opts.rolledUntil, opts.useHours);
  const read = (table: string, from: number, to: number): void => {
    if (to <= from) return;
    let sql: string;
    const params: (string | number)[] = [filter.service, from, to];
    if (perRoute) {
      sql = `SELECT route, instance_id, ${COLS} FROM req_${table} WHERE service = ? AND t >= ? AND t < ?`;
      if (filter.route !== undefined) {
        sql += ' AND route = ?';
        params.push(filter.route);
      }
      if (filter.instanceId !== undefined) {
        sql += ' AND instance_id = ?';
        params.push(filter.instanceId);
      }
    } else {
      sql = `SELECT ${COLS} FROM svc_${table} WHERE service = ? AND t >= ? AND t < ?`;
    }
    for (const row of stmts.get(sql).iterate(...params) as Iterable<RollupRowRaw>) each(row);
  };
  read('hour', split.hours.from, split.hours.to);
  for (const m of split.minutes) read('minute', m.from, m.to);
}

/** Aggregates per bucket start, for series. */
export function bucketedRollups(
  stmts: StatementCache,
  filter: RollupFilter,
  range: { from: number; to: number },
  bucketMs: number,
  rolledUntil: number,
): { t: number[]; aggs: (RequestRollup | null)[] } {
  const start = Math.floor(range.from / bucketMs) * bucketMs;
  const n = Math.max(0, Math.ceil((range.to - start) / bucketMs));
  const t: number[] = [];
  for (let i = 0; i < n; i++) t.push(start + i * bucketMs);
  const aggs: (RequestRollup | null)[] = new Array<RequestRollup | null>(n).fill(null);
  forEachRollupRow(
    stmts,
    filter,
    { from: start, to: start + n * bucketMs },
    { useHours: bucketMs % HOUR_MS === 0, rolledUntil },
    (row) => {
      const i = Math.floor((row.t - start) / bucketMs);
      if (i < 0 || i >= n) return;
      let agg = aggs[i];
      if (!agg) aggs[i] = agg = emptyRollup();
      addRow(agg, row);
    },
  );
  return { t, aggs };
}
