// Per-instance chart gauges as wide rows (migration 3): one row per service, time bucket and
// instance with a (count, value) column pair per chart series. A day of 5-minute buckets is
// then 288 rows per instance instead of 288 per metric and instance: better-sqlite3 spends
// about 1 µs per returned row, more than SQLite's own scan, so the row count sets the cost.
// The per-metric gauge_* tables stay the source for the advisor and the latest values.
import type { InstanceSeries } from '../../api-types';

/** How a series folds several stored rows into one bucket. */
export type GaugeFold = 'mean' | 'max' | 'sum';

export interface ChartGauge {
  key: Exclude<keyof InstanceSeries, 'instanceId' | 't'>;
  /** The stored metric name; one ending in '.' is a prefix (all its kinds added up). */
  metric: string;
  /** Column stem in the wide tables: <column>_n (point count) and <column>_v. */
  column: string;
  /** mean: value is the sum of sums (÷ count on read); sum: the sum of sums; max: the max. */
  fold: GaugeFold;
  /** Unit factor on read (seconds → ms). */
  factor: number;
}

// The column list is frozen in migration 3: append new series with a new migration.
export const CHART_GAUGES: readonly ChartGauge[] = [
  { key: 'rssBytes', metric: 'memory.rss', column: 'rss', fold: 'mean', factor: 1 },
  { key: 'heapUsedBytes', metric: 'memory.heap_used', column: 'heap_used', fold: 'mean', factor: 1 },
  { key: 'heapTotalBytes', metric: 'memory.heap_total', column: 'heap_total', fold: 'mean', factor: 1 },
  { key: 'heapLimitBytes', metric: 'memory.heap_limit', column: 'heap_limit', fold: 'max', factor: 1 },
  { key: 'externalBytes', metric: 'memory.external', column: 'external', fold: 'mean', factor: 1 },
  { key: 'eventLoopDelayP99Ms', metric: 'eventloop.delay.p99', column: 'eld_p99', fold: 'mean', factor: 1000 },
  { key: 'eventLoopDelayMaxMs', metric: 'eventloop.delay.max', column: 'eld_max', fold: 'max', factor: 1000 },
  { key: 'eventLoopUtilization', metric: 'eventloop.utilization', column: 'elu', fold: 'mean', factor: 1 },
  { key: 'inFlightMean', metric: 'http.in_flight', column: 'in_flight', fold: 'mean', factor: 1 },
  { key: 'inFlightMax', metric: 'http.in_flight.max', column: 'in_flight_max', fold: 'max', factor: 1 },
  // gc.pause.<kind>: seconds summed per interval, all kinds added up.
  { key: 'gcPauseMs', metric: 'gc.pause.', column: 'gc_pause', fold: 'sum', factor: 1000 },
  // gc.cpu.<kind>: of those pauses, the seconds on CPU (migration 16).
  { key: 'gcPauseOnCpuMs', metric: 'gc.cpu.', column: 'gc_cpu', fold: 'sum', factor: 1000 },
];

export const CHART_GAUGE_TABLES = { minute: 'inst_gauge_minute', fiveMinutes: 'inst_gauge_5m', hour: 'inst_gauge_hour' } as const;

const BY_METRIC = new Map(CHART_GAUGES.filter((g) => !g.metric.endsWith('.')).map((g, i) => [g.metric, i]));
const PREFIXED = CHART_GAUGES.map((g, i) => [g, i] as const).filter(([g]) => g.metric.endsWith('.'));

/** The chart series a stored metric feeds, or -1. */
export function chartGaugeIndex(metric: string): number {
  const i = BY_METRIC.get(metric);
  if (i !== undefined) return i;
  for (const [g, j] of PREFIXED) if (metric.startsWith(g.metric)) return j;
  return -1;
}

/** The columns after (service, t, instance_id), in CHART_GAUGES order: n then v per series. */
export const CHART_GAUGE_COLUMNS = CHART_GAUGES.flatMap((g) => [`${g.column}_n`, `${g.column}_v`]);

/** Merges one point (count, sum, max) into a row's cells (2 per series). */
export function addToCells(cells: Float64Array, index: number, count: number, sum: number, max: number): void {
  const g = CHART_GAUGES[index] as ChartGauge;
  const n = 2 * index;
  const had = (cells[n] as number) > 0;
  cells[n] = (cells[n] as number) + count;
  if (g.fold === 'max') cells[n + 1] = had ? Math.max(cells[n + 1] as number, max) : max;
  else cells[n + 1] = (cells[n + 1] as number) + sum;
}

/** The upsert of one wide row, merging into a stored row the way addToCells does. */
export function chartGaugeUpsertSql(table: string): string {
  const sets = CHART_GAUGES.flatMap((g) => {
    const n = `${g.column}_n`;
    const v = `${g.column}_v`;
    // SET expressions read the row's old values, so `n` below is the count before this point.
    const value =
      g.fold === 'max'
        ? `CASE WHEN excluded.${n} = 0 THEN ${v} WHEN ${n} = 0 THEN excluded.${v} ELSE max(${v}, excluded.${v}) END`
        : `${v} + excluded.${v}`;
    return [`${n} = ${n} + excluded.${n}`, `${v} = ${value}`];
  });
  return `INSERT INTO ${table} (service, t, instance_id, ${CHART_GAUGE_COLUMNS.join(', ')})
    VALUES (${new Array(3 + CHART_GAUGE_COLUMNS.length).fill('?').join(', ')})
    ON CONFLICT (service, t, instance_id) DO UPDATE SET ${sets.join(', ')}`;
}
