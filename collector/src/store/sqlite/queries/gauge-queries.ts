// Per-instance gauge queries (memory, event loop, in-flight, GC) from the minute, 5-minute or
// hour table: the charts from the wide chart-gauge rows, the rest from the per-metric rows.
import type { Database } from 'better-sqlite3';
import type { InstanceSeries, InstanceSeriesResponse } from '../../../api-types';
import type { InstanceGaugeBuckets, RangeQuery, SeriesQuery } from '../../storage';
import { HOUR_MS, MINUTE_MS, seriesBuckets } from '../../time-buckets';
import { CHART_GAUGE_COLUMNS, CHART_GAUGE_TABLES, CHART_GAUGES, type ChartGauge } from '../instance-gauges';
import { STOP_LOOKBACK_MS } from '../../instance-stop';
import { ENDED_INSTANCES_SQL, endingParams } from './instance-endings';
import { StatementCache } from './statement-cache';

const FIVE_MINUTES_MS = 5 * MINUTE_MS;

/**
 * Agents export metrics every few seconds (OTEL_METRIC_EXPORT_INTERVAL, 3 s by default): a
 * process silent for two minutes before the range's end is gone (the dashboard's rule too,
 * dashboard/src/shape/instance-names.ts GONE_AFTER_MS).
 */
export const ALIVE_WITHIN_MS = 2 * MINUTE_MS;

/**
 * The stretch a live process must have reported in: ALIVE_WITHIN_MS before the range's end
 * (`to`, or now for a range still under way), not before the range.
 */
export function aliveWindow(q: RangeQuery, now: number): { since: number; end: number } {
  const end = Math.min(q.to, now);
  return { since: Math.max(q.from, end - ALIVE_WITHIN_MS), end };
}

/** A cluster primary: its start event's setting, or its resource (text from the app). */
export const PRIMARY_SQL = `(json_valid(settings) AND json_extract(settings, '$.cluster_role') = 'primary')
  OR (json_valid(resource) AND json_extract(resource, '$."headroom.cluster.role"') = 'primary')`;

/**
 * [from, to) as the coarsest gauge rows that lie wholly inside it: whole hours from the hour
 * table, whole 5 minutes from the 5-minute table, the edges from the minute table (gauge
 * rows of every level are written directly, so all are complete).
 */
export function gaugeSegments(from: number, to: number): { table: string; from: number; to: number }[] {
  const out: { table: string; from: number; to: number }[] = [];
  const finer = (a: number, b: number): void => {
    const f0 = Math.ceil(a / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    const f1 = Math.floor(b / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    if (f1 <= f0) {
      if (b > a) out.push({ table: 'gauge_minute', from: a, to: b });
      return;
    }
    if (f0 > a) out.push({ table: 'gauge_minute', from: a, to: f0 });
    out.push({ table: 'gauge_5m', from: f0, to: f1 });
    if (b > f1) out.push({ table: 'gauge_minute', from: f1, to: b });
  };
  const h0 = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const h1 = Math.floor(to / HOUR_MS) * HOUR_MS;
  if (h1 <= h0) {
    finer(from, to);
    return out;
  }
  finer(from, h0);
  out.push({ table: 'gauge_hour', from: h0, to: h1 });
  finer(h1, to);
  return out;
}

interface GaugeAgg {
  count: number;
  sum: number;
  min: number;
  max: number;
}

export class GaugeQueries {
  private readonly stmts: StatementCache;

  constructor(db: Database) {
    this.stmts = new StatementCache(db);
  }

  /**
   * Grouped gauge rows: per instance and bucket index, over [from, to). A metric ending in
   * '.' is a prefix (all kinds). Buckets are counted from `start` in steps of `bucketMs`; the
   * coarsest gauge table whose step divides the bucket answers (`start` is bucket-aligned).
   */
  private grouped(
    service: string,
    metric: string,
    range: { from: number; to: number },
    start: number,
    bucketMs: number,
    instanceId: string | undefined,
    each: (instanceId: string, bucket: number, agg: GaugeAgg) => void,
  ): void {
    const table = bucketMs % HOUR_MS === 0 ? 'gauge_hour' : bucketMs % FIVE_MINUTES_MS === 0 ? 'gauge_5m' : 'gauge_minute';
    const prefix = metric.endsWith('.');
    // Rows are folded here rather than with GROUP BY: SQLite's temp b-tree for the grouping
    // cost more than the scan itself, and rows arrive in key order (metric, t, instance).
    let sql = `SELECT instance_id, t, count, sum, min, max FROM ${table}
      WHERE service = ? AND ${prefix ? 'metric >= ? AND metric < ?' : 'metric = ?'} AND t >= ? AND t < ?`;
    const params: (string | number)[] = [service];
    if (prefix) params.push(metric, `${metric.slice(0, -1)}/`);
    else params.push(metric);
    params.push(range.from, range.to);
    if (instanceId !== undefined) {
      sql += ' AND instance_id = ?';
      params.push(instanceId);
    }
    for (const r of this.stmts.get(sql).raw().iterate(...params) as Iterable<[string, number, number, number, number, number]>) {
      each(r[0], Math.floor((r[1] - start) / bucketMs), { count: r[2], sum: r[3], min: r[4], max: r[5] });
    }
  }

  instanceSeries(q: SeriesQuery): InstanceSeriesResponse {
    const { bucketMs, start, n } = seriesBuckets(q.from, q.to, q.bucketMs);
    const t = Array.from({ length: n }, (_, i) => start + i * bucketMs);
    // The wide chart-gauge rows (instance-gauges.ts): one row per instance and stored bucket.
    const table =
      bucketMs % HOUR_MS === 0 ? CHART_GAUGE_TABLES.hour : bucketMs % FIVE_MINUTES_MS === 0 ? CHART_GAUGE_TABLES.fiveMinutes : CHART_GAUGE_TABLES.minute;
    let sql = `SELECT instance_id, t, ${CHART_GAUGE_COLUMNS.join(', ')} FROM ${table} WHERE service = ? AND t >= ? AND t < ?`;
    const params: (string | number)[] = [q.service, start, start + n * bucketMs];
    if (q.instanceId !== undefined) {
      sql += ' AND instance_id = ?';
      params.push(q.instanceId);
    }
    const series = CHART_GAUGES.length;
    // Per instance, a count and a value per series and bucket (a bucket may span several rows).
    const acc = new Map<string, { count: Float64Array; value: Float64Array }>();
    for (const r of this.stmts.get(sql).raw().iterate(...params) as Iterable<[string, number, ...number[]]>) {
      const b = Math.floor((r[1] - start) / bucketMs);
      if (b < 0 || b >= n) continue;
      let a = acc.get(r[0]);
      if (!a) acc.set(r[0], (a = { count: new Float64Array(series * n), value: new Float64Array(series * n) }));
      for (let i = 0; i < series; i++) {
        const count = r[2 + 2 * i] as number;
        if (!(count > 0)) continue;
        const value = r[3 + 2 * i] as number;
        const j = i * n + b;
        const had = (a.count[j] as number) > 0;
        a.count[j] = (a.count[j] as number) + count;
        if ((CHART_GAUGES[i] as ChartGauge).fold === 'max') a.value[j] = had ? Math.max(a.value[j] as number, value) : value;
        else a.value[j] = (a.value[j] as number) + value;
      }
    }
    const instances: InstanceSeries[] = [];
    for (const [instanceId, a] of acc) {
      const out = { instanceId, t } as InstanceSeries;
      CHART_GAUGES.forEach((g, i) => {
        const values = new Array<number | null>(n).fill(null);
        for (let b = 0; b < n; b++) {
          const count = a.count[i * n + b] as number;
          if (count > 0) {
            const v = a.value[i * n + b] as number;
            values[b] = (g.fold === 'mean' ? v / count : v) * g.factor;
          }
        }
        out[g.key] = values;
      });
      instances.push(out);
    }
    instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
    return { from: q.from, to: q.to, service: q.service, bucketMs, instances };
  }

  /** One gauge per instance and bucket, with count, sum, min and max (the advisor's input). */
  gaugeBuckets(q: SeriesQuery & { metric: string }): InstanceGaugeBuckets[] {
    const { bucketMs, start, n } = seriesBuckets(q.from, q.to, q.bucketMs);
    const parts = new Map<string, Map<number, GaugeAgg>>();
    this.grouped(q.service, q.metric, { from: start, to: start + n * bucketMs }, start, bucketMs, q.instanceId, (i, b, agg) => {
      if (b < 0 || b >= n || !(agg.count > 0)) return;
      let perInstance = parts.get(i);
      if (!perInstance) parts.set(i, (perInstance = new Map()));
      const prev = perInstance.get(b);
      if (!prev) perInstance.set(b, { count: agg.count, sum: agg.sum, min: agg.min, max: agg.max });
      else {
        prev.count += agg.count;
        prev.sum += agg.sum;
        prev.min = Math.min(prev.min, agg.min);
        prev.max = Math.max(prev.max, agg.max);
      }
    });
    return [...parts.entries()]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([instanceId, byBucket]) => ({
        instanceId,
        buckets: [...byBucket.entries()].sort((a, b) => a[0] - b[0]).map(([b, agg]) => ({ t: start + b * bucketMs, ...agg })),
      }));
  }

  /**
   * Count-weighted mean of a gauge over [from, to) and the processes that serve requests: a
   * cluster primary only hands out connections, so its idle loop would dilute a saturated
   * service (4 workers at 100 % read 27 % with it). Each minute, 5 minutes or hour counts
   * only when it lies inside the range (gaugeSegments): the figure is the range's, not the
   * surrounding rows'. The advisor leaves primaries out the same way (servingInstances).
   */
  servingMean(service: string, metric: string, q: RangeQuery): number | null {
    let sum = 0;
    let count = 0;
    for (const seg of gaugeSegments(q.from, q.to)) {
      const row = this.stmts
        .get(`SELECT coalesce(sum(count), 0), coalesce(sum(sum), 0) FROM ${seg.table}
              WHERE service = ? AND metric = ? AND t >= ? AND t < ?
                AND instance_id NOT IN (SELECT instance_id FROM instances WHERE service = ? AND (${PRIMARY_SQL}))`)
        .raw()
        .get(service, metric, seg.from, seg.to, service) as [number, number];
      count += row[0];
      sum += row[1];
    }
    return count > 0 ? sum / count : null;
  }

  /**
   * The latest value of a gauge summed over the processes alive at the range's end: those that
   * reported it within ALIVE_WITHIN_MS before the end (`to`, or now for a range still under
   * way). A process that stopped earlier in the range is not counted: after a cluster's
   * restart its 5 old processes' last RSS doubled the figure for an hour. Nor is one that ended
   * by then (instance-endings.ts: its stop event, or its primary's report of its exit): for
   * those two minutes, old and new processes were both counted.
   */
  aliveSum(service: string, metric: string, q: RangeQuery, now: number): number | null {
    const { since, end } = aliveWindow(q, now);
    const rows = this.stmts
      .get(`SELECT last, max(last_ms) AS last_ms FROM gauge_minute WHERE service = ? AND metric = ? AND t >= ? AND t < ?
              AND instance_id NOT IN (${ENDED_INSTANCES_SQL})
            GROUP BY instance_id HAVING last_ms >= ?`)
      .raw()
      .all(service, metric, Math.floor(since / MINUTE_MS) * MINUTE_MS, q.to, ...endingParams(service, since - STOP_LOOKBACK_MS, end), since) as [number, number][];
    if (rows.length === 0) return null;
    return rows.reduce((s, r) => s + r[0], 0);
  }

  /** The latest value of each metric for one instance at or before `to`. */
  latest(service: string, instanceId: string, metric: string, to: number): number | null {
    const v = this.stmts
      .get(`SELECT last FROM gauge_minute WHERE service = ? AND metric = ? AND instance_id = ? AND t < ? AND t >= ?
            ORDER BY t DESC LIMIT 1`)
      .pluck()
      .get(service, metric, instanceId, to, to - 2 * HOUR_MS) as number | undefined;
    return v ?? null;
  }
}
