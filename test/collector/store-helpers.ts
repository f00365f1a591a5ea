// Shared by the store tests: temp databases, generated latencies, and histograms built by the
// real OTel metrics SDK (so the bucket convention is the SDK's, not ours).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  MeterProvider,
  MetricReader,
  type ExponentialHistogram,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import type { Database } from 'better-sqlite3';
import type { Distribution, IngestBatch, RequestPoint, SpanRecord } from '../../collector/src/model';
import { emptyBatch } from '../../collector/src/model';
import { openSqliteStorage, type SqliteStorage } from '../../collector/src/store/sqlite';

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Mulberry32: a small seeded PRNG so generated data (and so the test) is repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lognormal latencies in seconds (median `medianS`, log-sd `sigma`). */
export function lognormal(rand: () => number, n: number, medianS: number, sigma: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out.push(medianS * Math.exp(sigma * z));
  }
  return out;
}

/** Exact percentile (nearest rank) of values. */
export function exactPercentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(0, Math.ceil(q * sorted.length) - 1);
  return sorted[rank] as number;
}

class ManualReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export interface SdkHistogram {
  distribution: Distribution;
  count: number;
  sum: number;
  min: number;
  max: number;
}

/**
 * Records values (seconds) in a real SDK histogram and returns the collected data point as
 * the receiver's Distribution. `boundaries` absent → exponential (default max 160 buckets).
 */
export async function sdkHistogram(values: number[], boundaries?: number[]): Promise<SdkHistogram> {
  const reader = new ManualReader();
  const provider = new MeterProvider({
    readers: [reader],
    views: [
      {
        instrumentName: 'latency',
        aggregation: boundaries
          ? { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries } }
          : { type: AggregationType.EXPONENTIAL_HISTOGRAM },
      },
    ],
  });
  const histogram = provider.getMeter('test').createHistogram('latency', { unit: 's' });
  for (const v of values) histogram.record(v);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const metric = resourceMetrics.scopeMetrics[0]?.metrics[0];
  const point = metric?.dataPoints[0];
  if (!metric || !point) throw new Error('no data point collected');
  if (metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) {
    const v = point.value as ExponentialHistogram;
    return {
      distribution: {
        kind: 'exponential',
        scale: v.scale,
        zeroCount: v.zeroCount,
        positive: { offset: v.positive.offset, counts: [...v.positive.bucketCounts] },
      },
      count: v.count,
      sum: v.sum ?? 0,
      min: v.min ?? 0,
      max: v.max ?? 0,
    };
  }
  const v = point.value as Histogram;
  return {
    distribution: { kind: 'explicit', bounds: [...v.buckets.boundaries], counts: [...v.buckets.counts] },
    count: v.count,
    sum: v.sum ?? 0,
    min: v.min ?? 0,
    max: v.max ?? 0,
  };
}

/** Geometric bounds (seconds) from `lo` to `hi`, each `ratio` times the previous. */
export function geometricBounds(lo: number, hi: number, ratio: number): number[] {
  const out: number[] = [];
  for (let b = lo; b <= hi; b *= ratio) out.push(Number(b.toPrecision(6)));
  return out;
}

export const NS_PER_MS = 1_000_000n;

export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms)) * NS_PER_MS;
}

/** A request point from an SDK histogram. */
export function requestPoint(
  h: SdkHistogram,
  fields: { service: string; instanceId: string; route: string; timeMs: number; error?: boolean },
): RequestPoint {
  return {
    service: fields.service,
    instanceId: fields.instanceId,
    route: fields.route,
    method: 'GET',
    statusCode: fields.error ? 500 : 200,
    error: fields.error ?? false,
    timeNs: msToNs(fields.timeMs),
    count: h.count,
    sumSeconds: h.sum,
    minSeconds: h.min,
    maxSeconds: h.max,
    distribution: h.distribution,
  };
}

export function batchWith(parts: Partial<IngestBatch>): IngestBatch {
  return { ...emptyBatch(), ...parts };
}

export function hexId(rand: () => number, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(rand() * 256).toString(16).padStart(2, '0');
  return s;
}

/** A trace of `children + 1` spans: a server root and internal children, the last one a stall. */
export function makeTrace(
  rand: () => number,
  fields: { service: string; instanceId: string; route: string; startMs: number; durationMs: number; error?: boolean; stallMs?: number; children?: number },
): SpanRecord[] {
  const traceId = hexId(rand, 16);
  const rootId = hexId(rand, 8);
  const start = msToNs(fields.startMs);
  const end = start + BigInt(Math.round(fields.durationMs * 1e6));
  const spans: SpanRecord[] = [
    {
      traceId,
      spanId: rootId,
      parentSpanId: null,
      service: fields.service,
      instanceId: fields.instanceId,
      name: `GET ${fields.route}`,
      kind: 2,
      startNs: start,
      endNs: end,
      statusCode: fields.error ? 2 : 0,
      statusMessage: fields.error ? 'boom' : '',
      route: fields.route,
      stall: false,
      attributesJson: JSON.stringify({ 'http.route': fields.route, 'http.response.status_code': fields.error ? 500 : 200 }),
      eventsJson: null,
    },
  ];
  const n = fields.children ?? 2;
  for (let i = 0; i < n; i++) {
    spans.push({
      traceId,
      spanId: hexId(rand, 8),
      parentSpanId: rootId,
      service: fields.service,
      instanceId: fields.instanceId,
      name: `db query ${i}`,
      kind: 3,
      startNs: start + BigInt(i + 1) * 1000n,
      endNs: start + BigInt(i + 1) * 1000n + 500_000n,
      statusCode: 0,
      statusMessage: '',
      route: null,
      stall: false,
      attributesJson: JSON.stringify({ 'db.system': 'postgresql', 'db.statement': 'select 1' }),
      eventsJson: JSON.stringify([{ t: Number((start + 2000n) / 1_000_000n), n: 'log', a: { n: i } }]),
    });
  }
  if (fields.stallMs !== undefined) {
    spans.push({
      traceId,
      spanId: hexId(rand, 8),
      parentSpanId: rootId,
      service: fields.service,
      instanceId: fields.instanceId,
      name: 'event loop blocked',
      kind: 1,
      startNs: start + 10_000n,
      endNs: start + 10_000n + BigInt(Math.round(fields.stallMs * 1e6)),
      statusCode: 0,
      statusMessage: '',
      route: fields.route,
      stall: true,
      attributesJson: JSON.stringify({ 'headroom.stall': true }),
      eventsJson: null,
    });
  }
  return spans;
}

export const DAY_MS = 86_400_000;

/** Opens a store in a temp dir (closed after the test) with a movable clock. */
export function openTestStore(
  t: { after(fn: () => void | Promise<void>): void },
  extra: { dir?: string; queueCapacity?: number; rawMs?: number; rollupMs?: number; now?: number; walRestartPages?: number; maxNewRoutesPerDay?: number } = {},
): { storage: SqliteStorage; dir: string; path: string; clock: { now: number } } {
  const dir = extra.dir ?? mkdtempSync(join(tmpdir(), 'headroom-store-'));
  const path = join(dir, 'data', 'headroom.db');
  const clock = { now: extra.now ?? Date.now() };
  const storage = openSqliteStorage({
    path,
    retention: { rawMs: extra.rawMs ?? 3 * DAY_MS, rollupMs: extra.rollupMs ?? 30 * DAY_MS },
    ...(extra.queueCapacity !== undefined ? { queueCapacity: extra.queueCapacity } : {}),
    ...(extra.walRestartPages !== undefined ? { walRestartPages: extra.walRestartPages } : {}),
    ...(extra.maxNewRoutesPerDay !== undefined ? { maxNewRoutesPerDay: extra.maxNewRoutesPerDay } : {}),
    clock: () => clock.now,
    maintenanceIntervalMs: 0,
  });
  t.after(async () => {
    await storage.close();
    if (extra.dir === undefined) rmSync(dir, { recursive: true, force: true });
  });
  return { storage, dir, path, clock };
}

/** Takes schema 9's err_sketch column out of every request rollup table that has it. */
export function undoSchema9(db: Database): void {
  const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all() as string[];
  for (const table of tables) {
    const cols = db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[];
    if (cols.includes('err_sketch')) db.exec(`ALTER TABLE ${table} DROP COLUMN err_sketch`);
  }
}

/** Takes a database back below schema 12 (spans' dropped attribute and event counts), for migration tests. */
export function undoSchema12(db: Database): void {
  db.exec('ALTER TABLE spans DROP COLUMN dropped_attributes; ALTER TABLE spans DROP COLUMN dropped_events;');
}

/** Takes a database back below schema 13 (events' and instances' resources' dropped attribute counts), for migration tests. */
export function undoSchema13(db: Database): void {
  db.exec('ALTER TABLE events DROP COLUMN dropped_attributes; ALTER TABLE instances DROP COLUMN resource_dropped_attributes;');
}

/** Takes a database back below schema 14 (each instance's version and revision), for migration tests. */
export function undoSchema14(db: Database): void {
  db.exec('DROP INDEX instances_version; ALTER TABLE instances DROP COLUMN version; ALTER TABLE instances DROP COLUMN revision;');
}

/** Takes a database back below schema 15 (each delivery attempt's destination and its indexes), for migration tests. */
export function undoSchema15(db: Database): void {
  db.exec('DROP INDEX alert_attempts_destination; DROP INDEX alert_attempts_delivered; ALTER TABLE alert_delivery_attempts DROP COLUMN destination_id;');
}

/** Takes a database back below schema 16 (the GC chart's on-CPU columns), for migration tests. */
export function undoSchema16(db: Database): void {
  for (const table of ['inst_gauge_minute', 'inst_gauge_5m', 'inst_gauge_hour']) db.exec(`ALTER TABLE ${table} DROP COLUMN gc_cpu_n; ALTER TABLE ${table} DROP COLUMN gc_cpu_v;`);
}

/** Takes a database back below schema 7 (event identities, seen delta points), for migration tests. */
export function undoSchema7(db: Database): void {
  db.exec('DROP INDEX events_ident; ALTER TABLE events DROP COLUMN ident; DROP TABLE seen_points;');
}
