// Telemetry the agents dropped, from the levels of `headroom.agent.dropped` the receiver stores
// as gauges `agent.dropped.<signal>` (receiver/normalise/metric-names.ts). The count is
// cumulative since its process started, so what an instance lost between two of its reports is
// the rise of its level from one stored row to the next (a restart is a new instance id: there
// are no resets to handle). Read from levels rather than stored as deltas, a resent or late
// point changes nothing: a row's max is the same however often, and in whatever order, its
// points arrive (the agent sends a held interval after a newer one).
import type { Database } from 'better-sqlite3';
import type { DroppedBucket, DroppedTelemetry, TelemetryDropped, TelemetryGap } from '../../../api-types';
import type { RangeQuery, SeriesQuery } from '../../storage';
import { HOUR_MS, hourOf, MINUTE_MS, seriesBuckets } from '../../time-buckets';
import { StatementCache } from './statement-cache';

const PREFIX = 'agent.dropped.';
/**
 * How far back an instance's level before a range is looked for. Agents report it every
 * export (zeros too), so a live instance's previous row is minutes old; one silent for longer
 * and back with a higher level has all of that level counted at its return.
 */
const LOOKBACK_MS = 24 * HOUR_MS;
const FIVE_MINUTES_MS = 5 * MINUTE_MS;

type Signal = keyof DroppedTelemetry;
const SIGNALS: ReadonlyMap<string, Signal> = new Map([
  [`${PREFIX}spans`, 'spans'],
  [`${PREFIX}metrics`, 'metricPoints'],
  [`${PREFIX}logs`, 'logs'],
]);

interface Level {
  level: number;
  lastMs: number;
}

/** Per instance: the level and time of its latest report, per signal. */
type Levels = Map<string, Map<Signal, Level>>;

export function noDrops(): DroppedTelemetry {
  return { spans: 0, metricPoints: 0, logs: 0 };
}

export class DroppedQueries {
  private readonly stmts: StatementCache;

  constructor(db: Database) {
    this.stmts = new StatementCache(db);
  }

  /**
   * One row per instance and signal in [from, to): the highest level and latest report (levels
   * only rise, so the highest is the last), grouped in SQLite — returning a row to JS costs more
   * than aggregating it there.
   */
  private latestRows(table: string, service: string, from: number, to: number, instanceId: string | undefined): [string, string, number, number][] {
    if (to <= from) return [];
    // IN, not a prefix range: equality on the metric keeps the key's t range usable (a prefix
    // range scanned every stored row of the three: 27 ms for 15 minutes of a day of 4 instances).
    let sql = `SELECT instance_id, metric, max(max), max(last_ms) FROM ${table} WHERE service = ? AND metric IN (?, ?, ?) AND t >= ? AND t < ?`;
    const params: (string | number)[] = [service, ...SIGNALS.keys(), from, to];
    if (instanceId !== undefined) {
      sql += ' AND instance_id = ?';
      params.push(instanceId);
    }
    return this.stmts.get(`${sql} GROUP BY instance_id, metric`).raw().all(...params) as [string, string, number, number][];
  }

  /** The level rows in [from, to), by (metric, t, instance) as the key has them: per instance and signal in time order. */
  private rangeRows(table: string, service: string, from: number, to: number, instanceId: string | undefined): [string, string, number, number, number, number][] {
    let sql = `SELECT instance_id, metric, t, min, max, last_ms FROM ${table} WHERE service = ? AND metric IN (?, ?, ?) AND t >= ? AND t < ?`;
    const params: (string | number)[] = [service, ...SIGNALS.keys(), from, to];
    if (instanceId !== undefined) {
      sql += ' AND instance_id = ?';
      params.push(instanceId);
    }
    return this.stmts.get(sql).raw().all(...params) as [string, string, number, number, number, number][];
  }

  /**
   * Each instance's level per signal from its reports in [since, at): hour rows, then the
   * minutes of at's hour (`since` is taken to its hour).
   */
  private levelsBefore(service: string, at: number, since: number, instanceId: string | undefined): Levels {
    const out: Levels = new Map();
    const hour = hourOf(at);
    const rows = [
      ...this.latestRows('gauge_hour', service, hourOf(since), hour, instanceId),
      ...this.latestRows('gauge_minute', service, hour, at, instanceId),
    ];
    for (const [instance, metric, max, lastMs] of rows) {
      const signal = SIGNALS.get(metric);
      if (signal === undefined) continue;
      let levels = out.get(instance);
      if (!levels) out.set(instance, (levels = new Map()));
      const prev = levels.get(signal);
      levels.set(signal, { level: Math.max(prev?.level ?? 0, max), lastMs: Math.max(prev?.lastMs ?? 0, lastMs) });
    }
    return out;
  }

  /** When an instance's process started (or was first seen), for a loss counted by its first report. */
  private startOf(service: string, instanceId: string): number | null {
    const row = this.stmts
      .get(`SELECT started_ms, first_seen_ms FROM instances WHERE service = ? AND instance_id = ?`)
      .get(service, instanceId) as { started_ms: number | null; first_seen_ms: number } | undefined;
    if (!row) return null;
    return row.started_ms !== null ? Math.min(row.started_ms, row.first_seen_ms) : row.first_seen_ms;
  }

  /** The gaps whose report falls in the series' buckets, and the buckets they make incomplete. */
  series(q: SeriesQuery): TelemetryDropped {
    const { bucketMs, start, n } = seriesBuckets(q.from, q.to, q.bucketMs);
    const end = start + n * bucketMs;
    // The coarsest gauge table whose step divides the bucket (as the gauge charts read).
    const table = bucketMs % HOUR_MS === 0 ? 'gauge_hour' : bucketMs % FIVE_MINUTES_MS === 0 ? 'gauge_5m' : 'gauge_minute';
    const rows = this.rangeRows(table, q.service, start, end, q.instanceId);
    const total = noDrops();
    if (rows.length === 0) return { buckets: [], gaps: [], total };
    const previous = this.levelsBefore(q.service, start, start - LOOKBACK_MS, q.instanceId);
    const gaps = new Map<string, TelemetryGap & { row: number }>();
    for (const [instanceId, metric, t, min, max, lastMs] of rows) {
      const signal = SIGNALS.get(metric);
      if (signal === undefined) continue;
      let levels = previous.get(instanceId);
      if (!levels) previous.set(instanceId, (levels = new Map()));
      const prev = levels.get(signal) ?? null;
      const before = prev?.level ?? 0;
      levels.set(signal, { level: Math.max(before, max), lastMs: Math.max(prev?.lastMs ?? 0, lastMs) });
      if (!(max > before)) continue;
      // The instance's last report before this row.
      const prevLastMs = prev?.lastMs ?? null;
      // A report in this row still at the old level came before the loss: it began in the row.
      const fromMs = min <= before ? Math.max(prevLastMs ?? t, t) : (prevLastMs ?? Math.min(this.startOf(q.service, instanceId) ?? t, t));
      const key = `${instanceId}\u0000${t}`;
      let gap = gaps.get(key);
      if (!gap) gaps.set(key, (gap = { instanceId, fromMs, toMs: lastMs, ...noDrops(), row: t }));
      gap.fromMs = Math.min(gap.fromMs, fromMs);
      gap.toMs = Math.max(gap.toMs, lastMs);
      gap[signal] += max - before;
      total[signal] += max - before;
    }
    const buckets = new Map<number, DroppedBucket & { seen: Set<string> }>();
    const bucketAt = (i: number): DroppedBucket & { seen: Set<string> } => {
      let b = buckets.get(i);
      if (!b) buckets.set(i, (b = { t: start + i * bucketMs, instances: 0, ...noDrops(), seen: new Set() }));
      return b;
    };
    const list = [...gaps.values()].sort((a, b) => a.row - b.row || a.instanceId.localeCompare(b.instanceId));
    for (const g of list) {
      const own = bucketAt(Math.floor((g.row - start) / bucketMs));
      own.spans += g.spans;
      own.metricPoints += g.metricPoints;
      own.logs += g.logs;
      // Every bucket from the last report before the loss to the one that counted it.
      const first = Math.max(0, Math.floor((g.fromMs - start) / bucketMs));
      const last = Math.min(n - 1, Math.floor((g.toMs - start) / bucketMs));
      for (let i = first; i <= last; i++) bucketAt(i).seen.add(g.instanceId);
      own.seen.add(g.instanceId);
    }
    return {
      buckets: [...buckets.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([, b]) => ({ t: b.t, instances: b.seen.size, spans: b.spans, metricPoints: b.metricPoints, logs: b.logs })),
      gaps: list.map((g) => ({ instanceId: g.instanceId, fromMs: g.fromMs, toMs: g.toMs, spans: g.spans, metricPoints: g.metricPoints, logs: g.logs })),
      total,
    };
  }

  /**
   * Per instance: what it dropped since its process started as of the range's end, and the
   * part of that counted within the range. Instances that never reported the count are absent.
   */
  instanceTotals(q: RangeQuery & { service: string }): Map<string, { dropped: DroppedTelemetry; droppedInRange: DroppedTelemetry }> {
    // Every instance that reported in the range, however long ago it stopped (a 7-day range).
    const atEnd = this.levelsBefore(q.service, q.to, Math.min(q.from, q.to - LOOKBACK_MS), undefined);
    const atStart = this.levelsBefore(q.service, q.from, q.from - LOOKBACK_MS, undefined);
    const out = new Map<string, { dropped: DroppedTelemetry; droppedInRange: DroppedTelemetry }>();
    for (const [instanceId, levels] of atEnd) {
      const dropped = noDrops();
      const droppedInRange = noDrops();
      for (const [signal, { level }] of levels) {
        dropped[signal] = level;
        droppedInRange[signal] = Math.max(0, level - (atStart.get(instanceId)?.get(signal)?.level ?? 0));
      }
      out.set(instanceId, { dropped, droppedInRange });
    }
    return out;
  }
}
