// Per-instance gauge queries (memory, event loop, in-flight, GC), aggregated in SQL per
// instance and bucket from the minute, 5-minute or hour table.
import type { Database } from 'better-sqlite3';
import type { InstanceSeries, InstanceSeriesResponse } from '../../../api-types';
import type { InstanceGaugeBuckets, RangeQuery, SeriesQuery } from '../../storage';
import { HOUR_MS, MINUTE_MS, seriesBuckets } from '../../time-buckets';

const FIVE_MINUTES_MS = 5 * MINUTE_MS;
import { StatementCache } from './statement-cache';

interface GaugeAgg {
  count: number;
  sum: number;
  min: number;
  max: number;
}

type Fold = 'mean' | 'max' | 'sum';

/** Series of InstanceSeries: the metric each reads, how buckets fold, and the unit factor. */
const SERIES: { key: Exclude<keyof InstanceSeries, 'instanceId' | 't'>; metric: string; fold: Fold; factor: number }[] = [
  { key: 'rssBytes', metric: 'memory.rss', fold: 'mean', factor: 1 },
  { key: 'heapUsedBytes', metric: 'memory.heap_used', fold: 'mean', factor: 1 },
  { key: 'heapTotalBytes', metric: 'memory.heap_total', fold: 'mean', factor: 1 },
  { key: 'heapLimitBytes', metric: 'memory.heap_limit', fold: 'max', factor: 1 },
  { key: 'externalBytes', metric: 'memory.external', fold: 'mean', factor: 1 },
  { key: 'eventLoopDelayP99Ms', metric: 'eventloop.delay.p99', fold: 'mean', factor: 1000 },
  { key: 'eventLoopDelayMaxMs', metric: 'eventloop.delay.max', fold: 'max', factor: 1000 },
  { key: 'eventLoopUtilization', metric: 'eventloop.utilization', fold: 'mean', factor: 1 },
  { key: 'inFlightMean', metric: 'http.in_flight', fold: 'mean', factor: 1 },
  { key: 'inFlightMax', metric: 'http.in_flight.max', fold: 'max', factor: 1 },
  // gc.pause.<kind>: seconds summed per interval, all kinds added up.
  { key: 'gcPauseMs', metric: 'gc.pause.', fold: 'sum', factor: 1000 },
];

function fold(agg: GaugeAgg, how: Fold): number {
  return how === 'mean' ? agg.sum / agg.count : how === 'max' ? agg.max : agg.sum;
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
    const range = { from: start, to: start + n * bucketMs };
    const byInstance = new Map<string, InstanceSeries>();
    const seriesOf = (instanceId: string): InstanceSeries => {
      let s = byInstance.get(instanceId);
      if (!s) {
        const empty = (): (number | null)[] => new Array<number | null>(n).fill(null);
        s = {
          instanceId,
          t,
          rssBytes: empty(),
          heapUsedBytes: empty(),
          heapTotalBytes: empty(),
          heapLimitBytes: empty(),
          externalBytes: empty(),
          eventLoopDelayP99Ms: empty(),
          eventLoopDelayMaxMs: empty(),
          eventLoopUtilization: empty(),
          inFlightMean: empty(),
          inFlightMax: empty(),
          gcPauseMs: empty(),
        };
        byInstance.set(instanceId, s);
      }
      return s;
    };
    for (const spec of SERIES) {
      // Per instance, one accumulator per bucket (a bucket may span several stored rows).
      const acc = new Map<string, { count: Float64Array; sum: Float64Array; min: Float64Array; max: Float64Array }>();
      this.grouped(q.service, spec.metric, range, start, bucketMs, q.instanceId, (i, b, agg) => {
        if (b < 0 || b >= n) return;
        let a = acc.get(i);
        if (!a) {
          a = { count: new Float64Array(n), sum: new Float64Array(n), min: new Float64Array(n).fill(Infinity), max: new Float64Array(n).fill(-Infinity) };
          acc.set(i, a);
        }
        a.count[b] = (a.count[b] as number) + agg.count;
        a.sum[b] = (a.sum[b] as number) + agg.sum;
        if (agg.min < (a.min[b] as number)) a.min[b] = agg.min;
        if (agg.max > (a.max[b] as number)) a.max[b] = agg.max;
      });
      for (const [instance, a] of acc) {
        const out = seriesOf(instance)[spec.key];
        for (let b = 0; b < n; b++) {
          const count = a.count[b] as number;
          if (count > 0) out[b] = fold({ count, sum: a.sum[b] as number, min: a.min[b] as number, max: a.max[b] as number }, spec.fold) * spec.factor;
        }
      }
    }
    const instances = [...byInstance.values()].sort((a, b) => a.instanceId.localeCompare(b.instanceId));
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
