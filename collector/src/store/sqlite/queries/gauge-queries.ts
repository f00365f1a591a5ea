// Per-instance gauge queries (memory, event loop, in-flight, GC) from the minute, 5-minute or
// hour table: the charts from the wide chart-gauge rows, the rest from the per-metric rows.
import type { Database } from 'better-sqlite3';
import type { InstanceSeries, InstanceSeriesResponse } from '../../../api-types';
import type { InstanceGaugeBuckets, RangeQuery, SeriesQuery } from '../../storage';
import { HOUR_MS, MINUTE_MS, seriesBuckets } from '../../time-buckets';
import { CHART_GAUGE_COLUMNS, CHART_GAUGE_TABLES, CHART_GAUGES, type ChartGauge } from '../instance-gauges';
import { StatementCache } from './statement-cache';

const FIVE_MINUTES_MS = 5 * MINUTE_MS;

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

  /** Count-weighted mean of a gauge over the range and all instances. */
  mean(service: string, metric: string, q: RangeQuery): number | null {
    let sum = 0;
    let count = 0;
    // 5-minute rows from the 5-minute boundary at or before `from`: a bounded read.
    const from = Math.floor(q.from / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    this.grouped(service, metric, { from, to: q.to }, from, FIVE_MINUTES_MS, undefined, (_i, _b, agg) => {
      sum += agg.sum;
      count += agg.count;
    });
    return count > 0 ? sum / count : null;
  }

  /**
   * The latest value of a gauge per instance, summed over the instances that reported it in
   * the last hour of the range (a bounded read, and dead instances drop out).
   */
  latestSum(service: string, metric: string, q: RangeQuery): number | null {
    const rows = this.stmts
      .get(`SELECT last, max(last_ms) FROM gauge_minute WHERE service = ? AND metric = ? AND t >= ? AND t < ?
            GROUP BY instance_id`)
      .raw()
      .all(service, metric, Math.floor(Math.max(q.from, q.to - HOUR_MS) / MINUTE_MS) * MINUTE_MS, q.to) as [number, number][];
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
