// The single writer: turns queued IngestBatches into rows inside one transaction, with
// prepared statements. Hot path (≥ 50 000 spans/s): no per-row allocations it can avoid.
import type { Database, Statement } from 'better-sqlite3';
import type { EventView, LiveProcess, TraceSummary } from '../../api-types';
import type { Attributes, EventRecord, GaugePoint, IngestBatch, InstanceSeen, RequestPoint, RouteSumPoint, SpanRecord } from '../../model';
import type { CommitSummary } from '../storage';
import { addRouteSum, emptyRollup, mergeRollup, pointRollup, type RequestRollup } from '../request-rollup';
import { floorTo, hourOf, MINUTE_MS, minuteOf, minuteOfIntervalEnd, nsToMs } from '../time-buckets';
import { countsAsFailure } from '../counted-failure';
import { instanceStop, STOP_LOOKBACK_MS, stopIsCrash, workerExitStop, WORKER_PID_ATTRIBUTE } from '../instance-stop';
import { replacedOnPurpose, type ProcessBuild } from '../process-restarts';
import { spanErrorText } from '../span-error';
import { apdexTFromResource } from './apdex-threshold';
import { resourceVersion } from './resource-version';
import { eventIdentity } from './event-identity';
import { addToCells, CHART_GAUGE_COLUMNS, CHART_GAUGE_TABLES, chartGaugeIndex, chartGaugeUpsertSql } from './instance-gauges';
import { parseSpanEvents, toJsonAttributes } from './json-rows';
import { ProcessEnds, type ProcessIdentity } from './process-end';
import { addRow } from './queries/rollup-reader';
import { RouteBudget } from './route-budget';
import { SeenPointInserts } from './seen-point-inserts';
import { SpanInserts } from './span-inserts';

/** A start whose same-host predecessor was seen this recently counts as a restart. */
export const RESTART_WINDOW_MS = 2 * MINUTE_MS;
/** A peer's data this long after a start shows it still ran: the start replaced nothing. */
const PEER_ALIVE_SLACK_MS = 1_000;

/** A start taken for the replacement of a peer (restart rule 3), until every candidate peer shows it still runs. */
interface PeerGuess {
  eventId: number;
  service: string;
  instanceId: string;
  startMs: number;
  /** Peers that may have been replaced: silent since the start, so far. */
  candidates: Set<string>;
  /** The one the event names (headroom.restart.previous_instance). */
  named: string;
}

/** A start taken for a restart of its own instance id (rule 2) because its previous run sent no clean end, so far. */
interface ReusedIdGuess {
  eventId: number;
  /** The previous run's start: an end from then until this start is that run's. */
  previousStartMs: number;
  startMs: number;
}
/** Points further than this ahead of the clock are dropped (a sender's clock gone wrong). */
const MAX_FUTURE_MS = 60 * MINUTE_MS;
const FIVE_MINUTES_MS = 5 * MINUTE_MS;
// SQLite INTEGER is signed 64-bit; OTLP fixed64 times are unsigned.
const MAX_I64 = 9_223_372_036_854_775_807n;

export interface WriterOptions {
  clock: () => number;
  rollupMs: number;
  defaultApdexTMs: number;
  /** Hours before this (ms) are rolled up; minutes changed there mark their hour for redo. */
  rolledUntil: () => number;
  /** Routes a service may add in 24 hours before new ones fold (route-budget.ts). */
  maxNewRoutesPerDay: number;
}

export interface WriteResult {
  summary: CommitSummary;
  /** Points dropped for being outside the rollup retention or too far in the future. */
  skipped: number;
}

function clampNs(ns: bigint): bigint {
  return ns < 0n ? 0n : ns > MAX_I64 ? MAX_I64 : ns;
}

function isLocalRoot(span: SpanRecord): boolean {
  // A server or consumer span starts the local part of a trace even with a remote parent.
  return span.parentSpanId === null || span.kind === 2 || span.kind === 5;
}

function stallLocation(attrs: Attributes): string | null {
  const fn = attrs['code.function'];
  const file = attrs['code.filepath'];
  const line = attrs['code.lineno'];
  const where = typeof file === 'string' && file !== '' ? (line !== undefined && line !== null ? `${file}:${String(line)}` : file) : null;
  const name = typeof fn === 'string' && fn !== '' ? fn : null;
  if (name && where) return `${name} (${where})`;
  return name ?? where;
}

function settingsFrom(attrs: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('headroom.setting.')) out[k.slice('headroom.setting.'.length)] = v;
  }
  return out;
}

interface InstanceRow extends ProcessBuild {
  host: string | null;
  pid: number | null;
  started_ms: number | null;
  settings: string;
}

export class SqliteWriter {
  private readonly spanInserts: SpanInserts;
  /** Bounds the routes each service adds; every route-keyed row takes its name from it. */
  readonly routes: RouteBudget;
  private readonly upsertInstance: Statement;
  private readonly upsertReq: Statement;
  private readonly upsertSvc: Statement;
  private readonly upsertInst: Statement;
  private readonly upsertRoute: Statement;
  /** 5-minute rows of the service, instance and route levels (what 5- and 15-minute series read). */
  private readonly upsertSvc5m: Statement;
  private readonly upsertInst5m: Statement;
  private readonly upsertRoute5m: Statement;
  private readonly upsertGauge: Statement;
  private readonly upsertGauge5m: Statement;
  private readonly upsertGaugeHour: Statement;
  /** Wide chart-gauge rows per minute, 5 minutes and hour (instance-gauges.ts). */
  private readonly upsertChartGauges: readonly [Statement, Statement, Statement];
  private readonly insertEvent: Statement;
  /** An event with this identity is stored already (event-identity.ts). */
  private readonly selectEvent: Statement;
  /** Records delta points' identities; tells the new ones from those counted before. */
  private readonly seenPoints: SeenPointInserts;
  private readonly selectInstance: Statement;
  /** The build stored for an instance: tells a process first seen, or on a new build, for the live stream. */
  private readonly selectBuild: Statement;
  private readonly selectPeer: Statement;
  /** How the process a start replaced ended: its stop event, or its primary's exit for it. */
  private readonly ends: ProcessEnds;
  /** Builds this commit's resources replaced, by service and instance id: a reused id's previous run's. */
  private readonly buildsBefore = new Map<string, ProcessBuild>();
  private readonly markStart: Statement;
  private readonly undoRestartEvent: Statement;
  private readonly undoRestartCount: Statement;
  private readonly renamePrevious: Statement;
  /** Keyed by service and each candidate's instance id; in memory, for RESTART_WINDOW_MS after the start. */
  private readonly peerGuesses = new Map<string, PeerGuess>();
  /** Keyed by service and instance id; in memory, for RESTART_WINDOW_MS after the start, as peerGuesses. */
  private readonly reusedIdGuesses = new Map<string, ReusedIdGuess>();
  private readonly upsertMark: Statement;
  private readonly insertRedo: Statement;
  /** Apdex T per service, from the latest resource seen (for notable traces). */
  private readonly apdexT = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly opts: WriterOptions,
  ) {
    this.spanInserts = new SpanInserts(db);
    this.routes = new RouteBudget(db, opts.maxNewRoutesPerDay);
    this.upsertInstance = db.prepare(`INSERT INTO instances (service, instance_id, host, pid, first_seen_ms,
      last_seen_ms, resource, resource_dropped_attributes, version, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (service, instance_id) DO UPDATE SET
        host = coalesce(excluded.host, host), pid = coalesce(excluded.pid, pid),
        first_seen_ms = min(first_seen_ms, excluded.first_seen_ms),
        last_seen_ms = max(last_seen_ms, excluded.last_seen_ms), resource = excluded.resource,
        resource_dropped_attributes = excluded.resource_dropped_attributes,
        version = coalesce(excluded.version, version), revision = coalesce(excluded.revision, revision)`);
    const rollupCols = `count, errors, dur_sum, dur_min, dur_max, sketch, qw_count, qw_sum, br_count, br_sum,
      rw_count, rw_sum, reqb_count, reqb_sum, respb_count, respb_sum, err_sketch`;
    const rollupUpdate = `count = count + excluded.count, errors = errors + excluded.errors,
      dur_sum = dur_sum + excluded.dur_sum,
      dur_min = CASE WHEN dur_min IS NULL OR excluded.dur_min < dur_min THEN coalesce(excluded.dur_min, dur_min) ELSE dur_min END,
      dur_max = CASE WHEN dur_max IS NULL OR excluded.dur_max > dur_max THEN coalesce(excluded.dur_max, dur_max) ELSE dur_max END,
      sketch = sketch_merge(sketch, excluded.sketch),
      qw_count = qw_count + excluded.qw_count, qw_sum = qw_sum + excluded.qw_sum,
      br_count = br_count + excluded.br_count, br_sum = br_sum + excluded.br_sum,
      rw_count = rw_count + excluded.rw_count, rw_sum = rw_sum + excluded.rw_sum,
      reqb_count = reqb_count + excluded.reqb_count, reqb_sum = reqb_sum + excluded.reqb_sum,
      respb_count = respb_count + excluded.respb_count, respb_sum = respb_sum + excluded.respb_sum,
      err_sketch = sketch_merge(err_sketch, excluded.err_sketch)`;
    this.upsertReq = db.prepare(`INSERT INTO req_minute (service, t, route, instance_id, ${rollupCols})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (service, t, route, instance_id) DO UPDATE SET ${rollupUpdate}`);
    this.upsertSvc = db.prepare(`INSERT INTO svc_minute (service, t, ${rollupCols})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (service, t) DO UPDATE SET ${rollupUpdate}`);
    this.upsertInst = db.prepare(`INSERT INTO inst_minute (service, t, instance_id, ${rollupCols})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (service, instance_id, t) DO UPDATE SET ${rollupUpdate}`);
    this.upsertRoute = db.prepare(`INSERT INTO route_minute (service, t, route, ${rollupCols})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (service, route, t) DO UPDATE SET ${rollupUpdate}`);
    this.upsertSvc5m = db.prepare(`INSERT INTO svc_5m (service, t, ${rollupCols})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (service, t) DO UPDATE SET ${rollupUpdate}`);
    this.upsertInst5m = db.prepare(`INSERT INTO inst_5m (service, t, instance_id, ${rollupCols})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (service, instance_id, t) DO UPDATE SET ${rollupUpdate}`);
    this.upsertRoute5m = db.prepare(`INSERT INTO route_5m (service, t, route, ${rollupCols})
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (service, route, t) DO UPDATE SET ${rollupUpdate}`);
    const gaugeUpsert = (table: string): Statement =>
      db.prepare(`INSERT INTO ${table} (service, metric, t, instance_id, count, sum, min, max, last, last_ms)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (service, metric, t, instance_id) DO UPDATE SET
        count = count + excluded.count, sum = sum + excluded.sum,
        min = min(min, excluded.min), max = max(max, excluded.max),
        last = CASE WHEN excluded.last_ms >= last_ms THEN excluded.last ELSE last END,
        last_ms = max(last_ms, excluded.last_ms)`);
    this.upsertGauge = gaugeUpsert('gauge_minute');
    this.upsertGauge5m = gaugeUpsert('gauge_5m');
    this.upsertGaugeHour = gaugeUpsert('gauge_hour');
    this.upsertChartGauges = [
      db.prepare(chartGaugeUpsertSql(CHART_GAUGE_TABLES.minute)),
      db.prepare(chartGaugeUpsertSql(CHART_GAUGE_TABLES.fiveMinutes)),
      db.prepare(chartGaugeUpsertSql(CHART_GAUGE_TABLES.hour)),
    ];
    this.insertEvent = db.prepare(`INSERT INTO events (type, service, instance_id, time_ns, route, trace_id,
      span_id, duration_ms, message, location, attributes, ident, dropped_attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.selectEvent = db.prepare(`SELECT 1 FROM events WHERE service = ? AND instance_id = ? AND time_ns = ? AND ident = ?`).pluck();
    this.seenPoints = new SeenPointInserts(db);
    this.selectInstance = db.prepare(`SELECT host, pid, started_ms, settings, version, revision FROM instances WHERE service = ? AND instance_id = ?`);
    this.selectBuild = db.prepare(`SELECT version, revision FROM instances WHERE service = ? AND instance_id = ?`);
    this.selectPeer = db.prepare(`SELECT instance_id, pid, version, revision FROM instances
      WHERE service = ? AND host IS ? AND instance_id <> ? AND last_seen_ms >= ? AND last_seen_ms <= ? AND first_seen_ms < ?
      ORDER BY last_seen_ms DESC LIMIT 16`);
    this.ends = new ProcessEnds(db);
    this.renamePrevious = db.prepare(`UPDATE events SET attributes = json_set(attributes, '$."headroom.restart.previous_instance"', ?) WHERE id = ?`);
    this.undoRestartEvent = db.prepare(`UPDATE events SET type = 'start',
      attributes = json_remove(attributes, '$."headroom.restart.previous_instance"') WHERE id = ? AND type = 'restart'`);
    this.undoRestartCount = db.prepare(`UPDATE instances SET restarts = max(0, restarts - 1) WHERE service = ? AND instance_id = ?`);
    this.markStart = db.prepare(`UPDATE instances SET started_ms = ?, settings = ?, restarts = restarts + ?,
      first_seen_ms = min(first_seen_ms, ?), last_seen_ms = max(last_seen_ms, ?)
      WHERE service = ? AND instance_id = ?`);
    this.upsertMark = db.prepare(`INSERT INTO raw_marks (minute, max_span_id) VALUES (?, ?)
      ON CONFLICT (minute) DO UPDATE SET max_span_id = max(max_span_id, excluded.max_span_id)`);
    this.insertRedo = db.prepare(`INSERT OR IGNORE INTO hour_redo (t) VALUES (?)`);
    for (const row of db.prepare(`SELECT service, resource FROM instances ORDER BY last_seen_ms`).iterate() as Iterable<{
      service: string;
      resource: string;
    }>) {
      const t = apdexTFromResource(row.resource);
      if (t !== null) this.apdexT.set(row.service, t);
    }
  }

  /** Writes the batches in one transaction; throws (and writes nothing) on failure. */
  write(batches: IngestBatch[]): WriteResult {
    try {
      return this.db.transaction(() => this.writeAll(batches))();
    } catch (err) {
      this.spanInserts.reset();
      this.routes.reset();
      throw err;
    }
  }

  private writeAll(batches: IngestBatch[]): WriteResult {
    const now = this.opts.clock();
    const oldest = now - this.opts.rollupMs;
    const newest = now + MAX_FUTURE_MS;
    const touched = new Map<string, Set<number>>();
    const touch = (service: string, minute: number | null): void => {
      let set = touched.get(service);
      if (!set) touched.set(service, (set = new Set()));
      if (minute !== null) set.add(minute);
    };
    let skipped = 0;
    this.buildsBefore.clear();

    // Instances first: start events below read their rows.
    // The latest sighting of each instance in this commit, and its earliest time.
    const instances = new Map<string, { inst: InstanceSeen; firstNs: bigint }>();
    for (const b of batches) {
      for (const inst of b.instances) {
        const key = `${inst.service}\u0000${inst.instanceId}`;
        const prev = instances.get(key);
        if (!prev) instances.set(key, { inst, firstNs: inst.timeNs });
        else {
          if (inst.timeNs < prev.firstNs) prev.firstNs = inst.timeNs;
          if (inst.timeNs >= prev.inst.timeNs) prev.inst = inst;
        }
      }
    }
    let newestSeenMs = -Infinity;
    // A process is seen when its data arrives, never later: a sender's clock far ahead (or a
    // hostile one) would leave it live, and its service last seen in 2262, for ever.
    const seenAt = (ns: bigint): number => Math.min(nsToMs(clampNs(ns)), now);
    // Processes first seen, or on a build other than the one stored (the upsert keeps a stored
    // version the resource leaves out): the live stream says so, so a new version's deploy
    // marker appears with any SDK's first export, not only with Headroom's start event.
    const processes: LiveProcess[] = [];
    for (const { inst, firstNs } of instances.values()) {
      const seenMs = seenAt(inst.timeNs);
      const { version, revision } = resourceVersion(inst.resource);
      const stored = this.selectBuild.get(inst.service, inst.instanceId) as { version: string | null; revision: string | null } | undefined;
      if (stored === undefined || (version !== null && version !== stored.version) || (revision !== null && revision !== stored.revision)) {
        if (stored !== undefined) this.buildsBefore.set(`${inst.service}\u0000${inst.instanceId}`, stored);
        processes.push({ service: inst.service, instanceId: inst.instanceId, version: version ?? stored?.version ?? null, revision: revision ?? stored?.revision ?? null, seenAt: seenAt(firstNs) });
      }
      this.upsertInstance.run(
        inst.service,
        inst.instanceId,
        inst.host,
        inst.pid,
        seenAt(firstNs),
        seenMs,
        JSON.stringify(inst.resource),
        inst.droppedAttributes ?? null,
        version,
        revision,
      );
      const t = apdexTFromResource(inst.resource);
      if (t !== null) this.apdexT.set(inst.service, t);
      touch(inst.service, null);
      this.checkPeerGuess(inst.service, inst.instanceId, seenMs);
      newestSeenMs = Math.max(newestSeenMs, seenMs);
    }
    this.expirePeerGuesses(newestSeenMs);

    // Spans (the hot path). Notable roots are collected for the live stream.
    const roots: SpanRecord[] = [];
    let lastService: string | null = null;
    for (const b of batches) {
      for (const s of b.spans) {
        const start = clampNs(s.startNs);
        const end = clampNs(s.endNs);
        const root = isLocalRoot(s);
        this.spanInserts.add([
          s.traceId,
          s.spanId,
          s.parentSpanId,
          s.service,
          s.instanceId,
          s.name,
          s.kind,
          start,
          end > start ? end - start : 0n,
          s.statusCode,
          s.statusMessage === '' ? null : s.statusMessage,
          s.route === null ? null : this.routes.admit(s.service, s.route, now),
          root ? 1 : 0,
          s.stall ? 1 : 0,
          s.attributesJson,
          s.eventsJson,
          s.droppedAttributes ?? null,
          s.droppedEvents ?? null,
        ]);
        if (root) roots.push(s);
        if (s.service !== lastService) {
          touch(s.service, null);
          lastService = s.service;
        }
      }
    }
    const lastSpanId = this.spanInserts.finish();
    if (lastSpanId !== null) this.upsertMark.run(minuteOf(now), lastSpanId);

    // Request rollups: merged per row in memory first, then one upsert per row.
    const reqRows = new Map<string, { service: string; t: number; route: string; instanceId: string; row: RequestRollup }>();
    const svcRows = new Map<string, { service: string; t: number; row: RequestRollup }>();
    const instRows = new Map<string, { service: string; t: number; instanceId: string; row: RequestRollup }>();
    const routeRows = new Map<string, { service: string; t: number; route: string; row: RequestRollup }>();
    const rowsFor = (service: string, instanceId: string, route: string, t: number): RequestRollup[] => {
      const k = `${service}\u0000${t}\u0000${route}\u0000${instanceId}`;
      let r = reqRows.get(k);
      if (!r) reqRows.set(k, (r = { service, t, route, instanceId, row: emptyRollup() }));
      const sk = `${service}\u0000${t}`;
      let s = svcRows.get(sk);
      if (!s) svcRows.set(sk, (s = { service, t, row: emptyRollup() }));
      const ik = `${service}\u0000${t}\u0000${instanceId}`;
      let i = instRows.get(ik);
      if (!i) instRows.set(ik, (i = { service, t, instanceId, row: emptyRollup() }));
      const rk = `${service}\u0000${t}\u0000${route}`;
      let rr = routeRows.get(rk);
      if (!rr) routeRows.set(rk, (rr = { service, t, route, row: emptyRollup() }));
      return [r.row, s.row, i.row, rr.row];
    };
    // Delta points seen before (their request resent) are left out: the metric points within
    // the time window are gathered first, then their identities recorded together.
    const seen = new PointIdentities();
    const requests: Timed<RequestPoint>[] = [];
    const routeSums: Timed<RouteSumPoint>[] = [];
    const gauges: Timed<GaugePoint>[] = [];
    for (const b of batches) {
      for (const p of b.requests) {
        const endNs = clampNs(p.timeNs);
        const t = minuteOfIntervalEnd(nsToMs(endNs));
        if (t < oldest || t > newest) skipped++;
        else requests.push({ p, t, seen: seen.add(endNs, p.pointId) });
      }
      for (const p of b.routeSums) {
        const endNs = clampNs(p.timeNs);
        const t = minuteOfIntervalEnd(nsToMs(endNs));
        if (t < oldest || t > newest) skipped++;
        else routeSums.push({ p, t, seen: seen.add(endNs, p.pointId) });
      }
    }
    for (const b of batches) {
      for (const g of b.gauges) {
        const endNs = clampNs(g.timeNs);
        const t = minuteOf(nsToMs(endNs));
        if (t < oldest || t > newest || !Number.isFinite(g.sum) || !(g.count > 0) || !Number.isFinite(g.count)) skipped++;
        else gauges.push({ p: g, t, seen: seen.add(endNs, g.pointId) });
      }
    }
    const isNew = seen.size > 0 ? this.seenPoints.record(seen.endNs, seen.ids) : [];
    const counts = (point: Timed<unknown>): boolean => point.seen < 0 || isNew[point.seen] === true;

    for (const point of requests) {
      if (!counts(point)) continue;
      const { p, t } = point;
      // The histogram is converted once and merged into each level (route × instance,
      // service, instance, route).
      const rollup = pointRollup(p);
      if (!rollup) continue;
      const route = this.routes.admit(p.service, p.route, now, p.count);
      for (const row of rowsFor(p.service, p.instanceId, route, t)) mergeRollup(row, rollup);
      touch(p.service, t);
    }
    for (const point of routeSums) {
      if (!counts(point)) continue;
      const { p, t } = point;
      const route = this.routes.admit(p.service, p.route, now);
      for (const row of rowsFor(p.service, p.instanceId, route, t)) addRouteSum(row, p.metric, p.count, p.sum);
      touch(p.service, t);
    }
    const rolledUntil = this.opts.rolledUntil();
    const redo = new Set<number>();
    for (const { service, t, route, instanceId, row } of reqRows.values()) {
      this.upsertReq.run(service, t, route, instanceId, ...rollupValues(row));
      if (t < rolledUntil) redo.add(hourOf(t));
    }
    // 5-minute rows are summed from this commit's minute rows as stored (encoded sketches, the
    // reader's addRow), so they hold exactly what merging the minute rows gives.
    const svc5m = new FiveMinuteRows();
    const inst5m = new FiveMinuteRows();
    const route5m = new FiveMinuteRows();
    for (const { service, t, row } of svcRows.values()) {
      const values = rollupValues(row);
      this.upsertSvc.run(service, t, ...values);
      svc5m.add([service], t, values);
    }
    for (const { service, t, instanceId, row } of instRows.values()) {
      const values = rollupValues(row);
      this.upsertInst.run(service, t, instanceId, ...values);
      inst5m.add([service, instanceId], t, values);
    }
    for (const { service, t, route, row } of routeRows.values()) {
      const values = rollupValues(row);
      this.upsertRoute.run(service, t, route, ...values);
      route5m.add([service, route], t, values);
    }
    for (const { key, t, row } of svc5m.rows()) this.upsertSvc5m.run(key[0], t, ...rollupValues(row));
    for (const { key, t, row } of inst5m.rows()) this.upsertInst5m.run(key[0], t, key[1], ...rollupValues(row));
    for (const { key, t, row } of route5m.rows()) this.upsertRoute5m.run(key[0], t, key[1], ...rollupValues(row));

    // Chart gauges merged per (level, service, instance, bucket) first: one wide upsert each.
    const chartRows = new Map<string, { level: 0 | 1 | 2; service: string; t: number; instanceId: string; cells: Float64Array }>();
    const chartCells = (level: 0 | 1 | 2, service: string, t: number, instanceId: string): Float64Array => {
      const k = `${level}\u0000${service}\u0000${t}\u0000${instanceId}`;
      let r = chartRows.get(k);
      if (!r) chartRows.set(k, (r = { level, service, t, instanceId, cells: new Float64Array(CHART_GAUGE_COLUMNS.length) }));
      return r.cells;
    };
    for (const point of gauges) {
      if (!counts(point)) continue;
      const { p: g, t } = point;
      const values = [g.count, g.sum, num(g.min), num(g.max), num(g.last), nsToMs(clampNs(g.timeNs))] as const;
      this.upsertGauge.run(g.service, g.metric, t, g.instanceId, ...values);
      this.upsertGauge5m.run(g.service, g.metric, floorTo(t, 5 * MINUTE_MS), g.instanceId, ...values);
      this.upsertGaugeHour.run(g.service, g.metric, hourOf(t), g.instanceId, ...values);
      const chart = chartGaugeIndex(g.metric);
      if (chart >= 0) {
        const max = num(g.max);
        addToCells(chartCells(0, g.service, t, g.instanceId), chart, g.count, g.sum, max);
        addToCells(chartCells(1, g.service, floorTo(t, 5 * MINUTE_MS), g.instanceId), chart, g.count, g.sum, max);
        addToCells(chartCells(2, g.service, hourOf(t), g.instanceId), chart, g.count, g.sum, max);
      }
      touch(g.service, t);
    }
    for (const r of chartRows.values()) this.upsertChartGauges[r.level].run(r.service, r.t, r.instanceId, ...r.cells);
    for (const h of redo) this.insertRedo.run(h);

    const events: EventView[] = [];
    for (const b of batches) {
      for (const e of b.events) {
        const view = this.writeEvent(e, now);
        if (view) events.push(view);
      }
    }
    for (const e of events) touch(e.service, null);
    this.routes.flush();

    // As the traces list's notable filter: failed, or slow as the client saw it (queue wait included).
    const notable = roots.filter((s) => {
      const durationMs = Number(clampNs(s.endNs) - clampNs(s.startNs)) / 1e6;
      return countsAsFailure(s.kind, s.statusCode, s.eventsJson) || durationMs + (s.queueWaitMs ?? 0) >= 4 * (this.apdexT.get(s.service) ?? this.opts.defaultApdexTMs);
    });
    // Span count and stall time of the notable traces, from this commit's spans (a second
    // pass only when there is something notable: most commits have nothing to report).
    const traceSpans = new Map<string, { count: number; stallNs: bigint }>();
    for (const s of notable) traceSpans.set(s.traceId, { count: 0, stallNs: 0n });
    if (traceSpans.size > 0) {
      for (const b of batches) {
        for (const s of b.spans) {
          const agg = traceSpans.get(s.traceId);
          if (!agg) continue;
          agg.count++;
          if (s.stall) {
            const start = clampNs(s.startNs);
            const end = clampNs(s.endNs);
            if (end > start) agg.stallNs += end - start;
          }
        }
      }
    }
    const notableTraces: TraceSummary[] = [];
    for (const s of notable) {
      const durationMs = Number(clampNs(s.endNs) - clampNs(s.startNs)) / 1e6;
      const error = countsAsFailure(s.kind, s.statusCode, s.eventsJson);
      const agg = traceSpans.get(s.traceId);
      const errorText = error ? spanErrorText(s.statusMessage, parseSpanEvents(s.eventsJson)) : null;
      notableTraces.push({
        traceId: s.traceId,
        service: s.service,
        route: s.route === null ? null : this.routes.admit(s.service, s.route, now),
        name: s.name,
        startMs: nsToMs(clampNs(s.startNs)),
        durationMs: Math.max(0, durationMs),
        error,
        spanCount: agg?.count ?? 1,
        stallMs: agg ? Number(agg.stallNs) / 1e6 : 0,
        ...(s.queueWaitMs !== undefined && s.queueWaitMs > 0 && { queueWaitMs: s.queueWaitMs }),
        // The root's own error, by the rule the traces query uses (its exception event over a
        // bare status message: a live row read "boom" where the loaded list said "Error: boom").
        // Its children's errors are read by the query.
        ...(errorText !== null && { errorMessage: errorText }),
      });
    }
    return { summary: { services: touched, events, notableTraces, processes }, skipped };
  }

  /** Stores the event unless it is stored already (a resent request): then null. */
  private writeEvent(e: EventRecord, now: number): EventView | null {
    const timeNs = clampNs(e.timeNs);
    const timeMs = nsToMs(timeNs);
    const durationMs = e.durationMs !== null && Number.isFinite(e.durationMs) ? e.durationMs : null;
    // The identity is of the event as received, before a start may become a restart: a resent
    // start must be found (and not recorded as a second start of its instance).
    const ident = eventIdentity({
      type: e.type,
      route: e.route,
      traceId: e.traceId,
      spanId: e.spanId,
      durationMs,
      message: e.message,
      attributesJson: JSON.stringify(e.attributes),
    });
    if (this.selectEvent.get(e.service, e.instanceId, timeNs, ident) !== undefined) return null;
    const route = e.route === null ? null : this.routes.admit(e.service, e.route, now);
    let type = e.type;
    const attributes: Attributes = { ...e.attributes };
    let peerGuess: string[] | null = null;
    let reusedIdSince: number | null = null;
    if (type === 'start' || type === 'restart') {
      const start = this.recordStart(e, timeMs, type === 'restart', now);
      if (start !== false) {
        type = 'restart';
        if (start.previous !== null) attributes['headroom.restart.previous_instance'] = start.previous;
        if (start.byPeerOnly) peerGuess = start.peers;
        reusedIdSince = start.reusedIdSince;
      }
    }
    const location = type === 'stall' ? stallLocation(e.attributes) : null;
    const info = this.insertEvent.run(
      type,
      e.service,
      e.instanceId,
      timeNs,
      route,
      e.traceId,
      e.spanId,
      durationMs,
      e.message,
      location,
      JSON.stringify(attributes),
      ident,
      e.droppedAttributes ?? null,
    );
    if (peerGuess !== null) {
      const guess: PeerGuess = { eventId: Number(info.lastInsertRowid), service: e.service, instanceId: e.instanceId, startMs: timeMs, candidates: new Set(peerGuess), named: peerGuess[0] as string };
      for (const peer of peerGuess) this.peerGuesses.set(`${e.service}\u0000${peer}`, guess);
    }
    if (reusedIdSince !== null) {
      this.reusedIdGuesses.set(`${e.service}\u0000${e.instanceId}`, { eventId: Number(info.lastInsertRowid), previousStartMs: reusedIdSince, startMs: timeMs });
    }
    // An end that comes after a start was judged without it (stored first: the judgement reads it).
    if (type === 'stop') {
      if (!stopIsCrash(instanceStop(timeMs, e.message, toJsonAttributes(e.attributes)))) this.endedOnPurpose(e.service, e.instanceId, timeMs);
    } else if (type === 'worker_exit') {
      this.workerExited(e, timeMs);
    }
    return {
      id: Number(info.lastInsertRowid),
      type,
      service: e.service,
      instanceId: e.instanceId,
      timeMs,
      route,
      traceId: e.traceId,
      spanId: e.spanId,
      durationMs: e.durationMs,
      message: e.message,
      attributes: toJsonAttributes(attributes),
      ...(e.droppedAttributes !== undefined && { droppedAttributesCount: e.droppedAttributes }),
    };
  }

  /**
   * Records a process start on its instance and decides whether it is a restart (see
   * docs/collector-store.md): the event says so, or this instance id had started before, or
   * an established instance (first seen over RESTART_WINDOW_MS before this start) of the same
   * service on the same host was seen within RESTART_WINDOW_MS before it, and not after it —
   * the process it replaced — unless that process was replaced on purpose (another build, or
   * a clean end: process-restarts.ts). Returns false for a plain start, else the replaced
   * instance id (or null), and whether only peers made it a restart (a guess checkPeerGuess may
   * undo), with all the peers that fit, the most recently seen first; or, when only its reused
   * id did, its previous run's start (a guess a late clean end of that run undoes).
   */
  private recordStart(
    e: EventRecord,
    timeMs: number,
    saysRestart: boolean,
    now: number,
  ): { previous: string | null; byPeerOnly: boolean; peers: string[]; reusedIdSince: number | null } | false {
    let row = this.selectInstance.get(e.service, e.instanceId) as InstanceRow | undefined;
    if (!row) {
      // A start event ahead of any resource data for the instance.
      this.upsertInstance.run(e.service, e.instanceId, null, null, timeMs, Math.min(timeMs, now), '{}', null, null, null);
      row = { host: null, pid: null, started_ms: null, settings: '{}', version: null, revision: null };
    }
    const flagged = saysRestart || e.attributes['headroom.process.restart'] === true;
    let previous: string | null = null;
    let peers: string[] = [];
    let reusedIdSince: number | null = null;
    if (row.started_ms !== null && row.started_ms < timeMs) {
      // Its previous run: the build stored before this commit's data named a new one, its stop
      // since it started (its pid, which a primary's exit would name, is the new run's by now).
      const before = this.buildsBefore.get(`${e.service}\u0000${e.instanceId}`) ?? row;
      const previousRun = { service: e.service, instanceId: e.instanceId, host: null, pid: null };
      if (!this.replacedOnPurpose(previousRun, before, row.started_ms, timeMs, row)) {
        previous = e.instanceId;
        reusedIdSince = row.started_ms;
      }
    } else if (row.host !== null) {
      const rows = this.selectPeer.all(e.service, row.host, e.instanceId, timeMs - RESTART_WINDOW_MS, timeMs + PEER_ALIVE_SLACK_MS, timeMs - RESTART_WINDOW_MS) as ({
        instance_id: string;
        pid: number | null;
      } & ProcessBuild)[];
      // A peer stops within STOP_LOOKBACK_MS before its last report, which was at most RESTART_WINDOW_MS before this start.
      const stopsFrom = timeMs - RESTART_WINDOW_MS - STOP_LOOKBACK_MS;
      const host = row.host;
      peers = rows
        .filter((r) => !this.replacedOnPurpose({ service: e.service, instanceId: r.instance_id, host, pid: r.pid }, r, stopsFrom, timeMs + PEER_ALIVE_SLACK_MS, row))
        .map((r) => r.instance_id);
      previous = peers[0] ?? null;
    }
    const restart = flagged || previous !== null;
    const settings = settingsFrom(e.attributes);
    const merged = Object.keys(settings).length > 0 ? JSON.stringify(settings) : row.settings;
    this.markStart.run(timeMs, merged, restart ? 1 : 0, timeMs, Math.min(timeMs, now), e.service, e.instanceId);
    return restart ? { previous, byPeerOnly: peers.length > 0 && !flagged, peers, reusedIdSince: flagged ? null : reusedIdSince } : false;
  }

  /** The process (its build, how it ended between `fromMs` and `toMs`) was replaced by one of build `next` on purpose. */
  private replacedOnPurpose(p: ProcessIdentity, build: ProcessBuild, fromMs: number, toMs: number, next: ProcessBuild): boolean {
    return replacedOnPurpose({ build, stop: this.ends.endOf(p, fromMs, toMs) }, next);
  }

  /**
   * A process ended on purpose (its clean stop, or its primary's exit for it), perhaps after a
   * start was judged without knowing: a start taken to replace it (a peer guess) is struck off
   * as its later data would strike it, and its own id's next start after this end (a reused-id
   * guess), taken for a restart, is a plain start.
   */
  private endedOnPurpose(service: string, instanceId: string, atMs: number): void {
    this.strikeCandidate(service, instanceId);
    const key = `${service}\u0000${instanceId}`;
    const guess = this.reusedIdGuesses.get(key);
    if (guess === undefined || atMs < guess.previousStartMs || atMs >= guess.startMs) return;
    // The previous run's latest end decides (a crash after this stop would still make it a restart).
    const end = this.ends.endOf({ service, instanceId, host: null, pid: null }, guess.previousStartMs, guess.startMs - 1);
    if (end === null || stopIsCrash(end)) return;
    this.reusedIdGuesses.delete(key);
    if (this.undoRestartEvent.run(guess.eventId).changes > 0) this.undoRestartCount.run(service, instanceId);
  }

  /** A primary reported a worker's exit: a clean one (it disconnected or killed the worker itself) is that worker's end on purpose. */
  private workerExited(e: EventRecord, timeMs: number): void {
    const attributes = toJsonAttributes(e.attributes);
    const pid = attributes[WORKER_PID_ATTRIBUTE];
    if (typeof pid !== 'number' || stopIsCrash(workerExitStop(timeMs, e.message, attributes))) return;
    const worker = this.ends.workerNamed(e.service, e.instanceId, pid, timeMs);
    if (worker === null) return;
    // Its own word wins: a worker that said it crashed crashed, whatever its primary saw.
    const own = this.ends.endOf({ service: e.service, instanceId: worker, host: null, pid: null }, timeMs - STOP_LOOKBACK_MS, timeMs);
    if (own === null || !stopIsCrash(own)) this.strikeCandidate(e.service, worker);
  }

  /**
   * The peer a start was taken to replace sent data from after that start: it still runs, so
   * the start was a process added beside it (a cluster worker, a second process), not a restart.
   */
  private checkPeerGuess(service: string, instanceId: string, seenMs: number): void {
    const guess = this.peerGuesses.get(`${service}\u0000${instanceId}`);
    if (guess === undefined || seenMs <= guess.startMs + PEER_ALIVE_SLACK_MS) return;
    this.strikeCandidate(service, instanceId);
  }

  /**
   * A candidate of a peer guess was not replaced by the start (it ran on, or stopped on purpose):
   * the next candidate is named, or, with none left, the start is a plain start again.
   */
  private strikeCandidate(service: string, instanceId: string): void {
    const key = `${service}\u0000${instanceId}`;
    const guess = this.peerGuesses.get(key);
    if (guess === undefined) return;
    this.peerGuesses.delete(key);
    guess.candidates.delete(instanceId);
    const other = guess.candidates.values().next();
    if (other.done === true) {
      if (this.undoRestartEvent.run(guess.eventId).changes > 0) this.undoRestartCount.run(guess.service, guess.instanceId);
    } else if (guess.named === instanceId) {
      // Another candidate fell silent at the start: that one was replaced.
      guess.named = other.value;
      this.renamePrevious.run(other.value, guess.eventId);
    }
  }

  /**
   * A peer silent for RESTART_WINDOW_MS after the start was replaced indeed. Judged by the times
   * of the data (data that arrives late, after an outage, is judged as it was sent).
   */
  private expirePeerGuesses(newestSeenMs: number): void {
    for (const guesses of [this.peerGuesses, this.reusedIdGuesses]) {
      for (const [key, guess] of guesses) if (newestSeenMs - guess.startMs > RESTART_WINDOW_MS) guesses.delete(key);
    }
  }
}

/** A metric point within the time window, its minute, and its place in PointIdentities (or -1). */
interface Timed<P> {
  p: P;
  t: number;
  seen: number;
}

/** The identities of a commit's delta points, in order, for SeenPointInserts.record. */
class PointIdentities {
  readonly endNs: bigint[] = [];
  readonly ids: bigint[] = [];

  get size(): number {
    return this.ids.length;
  }

  /** The identity's index, or -1 for a point without one (a gauge, a cumulative stream's delta). */
  add(endNs: bigint, pointId: bigint | undefined): number {
    if (pointId === undefined) return -1;
    this.endNs.push(endNs);
    return this.ids.push(pointId) - 1;
  }
}

/** 5-minute aggregates of minute rows (as rollupValues gives them), per key and 5-minute start. */
class FiveMinuteRows {
  private readonly byKey = new Map<string, { key: string[]; t: number; row: RequestRollup }>();

  add(key: string[], minute: number, values: (number | null | Buffer)[]): void {
    const t = floorTo(minute, FIVE_MINUTES_MS);
    const k = `${key.join('\u0000')}\u0000${t}`;
    let agg = this.byKey.get(k);
    if (!agg) this.byKey.set(k, (agg = { key, t, row: emptyRollup() }));
    addRow(agg.row, [minute, ...values]);
  }

  rows(): Iterable<{ key: string[]; t: number; row: RequestRollup }> {
    return this.byKey.values();
  }
}

function num(v: number): number {
  return Number.isFinite(v) ? v : 0;
}

function rollupValues(r: RequestRollup): (number | null | Buffer)[] {
  return [
    r.count,
    r.errors,
    r.durSum,
    r.durMin,
    r.durMax,
    r.sketch.count > 0 ? r.sketch.encode() : null,
    r.qwCount,
    r.qwSum,
    r.brCount,
    r.brSum,
    r.rwCount,
    r.rwSum,
    r.reqbCount,
    r.reqbSum,
    r.respbCount,
    r.respbSum,
    r.errSketch.count > 0 ? r.errSketch.encode() : null,
  ];
}
