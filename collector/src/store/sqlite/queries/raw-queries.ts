// Queries over raw rows: traces (search and one trace), Headroom events, stalls grouped by
// code location, and instances. Every list is bounded by its range and a limit.
import type { Database } from 'better-sqlite3';
import type {
  EventType,
  EventView,
  EventsResponse,
  InstanceStop,
  InstanceView,
  InstancesResponse,
  SpanView,
  StallGroup,
  StallsResponse,
  TraceResponse,
  TraceSummary,
  TracesResponse,
} from '../../../api-types';
import type { EventQuery, InstanceEndings, RangeQuery, ResourceCensus, TraceQuery } from '../../storage';
import { msToNs, nsToMs } from '../../time-buckets';
import { STOP_LOOKBACK_MS } from '../../instance-stop';
import { parseJsonObject, parseSpanEvents } from '../json-rows';
import type { GaugeQueries } from './gauge-queries';
import { eventTypeFilter } from './event-type-filter';
import { countsAsFailure } from '../../counted-failure';
import { COUNTED_FAILURE_SQL } from '../counted-failure-sql';
import { failedTraceErrors, MAX_ERROR_TRACES, type TraceError } from './failed-traces';
import { readEndings } from './instance-endings';
import { AGENT_STALL_SQL, GC_STALL_SQL, HARDLY_RAN_SQL, STALL_CPU_MS_SQL } from './stall-sql';
import { StatementCache } from './statement-cache';

const MAX_LIMIT = 1000;
const TRACE_ID = /^[0-9a-f]{32}$/;
const MAX_SPANS_PER_TRACE = 10_000;
/** Stalls of a trace's instances returned with it, at most. */
const MAX_TRACE_STALLS = 200;
/** How long before a trace's start a stall overlapping it may have begun. */
const STALL_LOOKBACK_MS = 60_000;
/** A trace is slow from 4 × Apdex T: Apdex's "frustrated" bound. */
const SLOW_APDEX_FACTOR = 4;
/** A root span's queue wait (ms, set by the agent from a proxy's queue-start header), as a JSON path. */
const QUEUE_WAIT_PATH = '$."headroom.queue_wait.duration_ms"';

function limitOf(n: number): number {
  return Number.isFinite(n) ? Math.min(MAX_LIMIT, Math.max(1, Math.trunc(n))) : 100;
}

interface EventRow {
  id: number;
  type: EventType;
  service: string;
  instance_id: string;
  time_ns: bigint;
  route: string | null;
  trace_id: string | null;
  span_id: string | null;
  duration_ms: number | null;
  message: string | null;
  attributes: string;
  /** Read with safeIntegers: a bigint. */
  dropped_attributes: bigint | number | null;
}

function eventView(r: EventRow): EventView {
  return {
    id: Number(r.id),
    type: r.type,
    service: r.service,
    instanceId: r.instance_id,
    timeMs: nsToMs(BigInt(r.time_ns)),
    route: r.route,
    traceId: r.trace_id,
    spanId: r.span_id,
    durationMs: r.duration_ms,
    message: r.message,
    attributes: parseJsonObject(r.attributes),
    ...(r.dropped_attributes !== null && r.dropped_attributes > 0 && { droppedAttributesCount: Number(r.dropped_attributes) }),
  };
}

/**
 * The failed roots of one kind, a trace once (its first root of the kind in the order read), as
 * the Errors page counts a group's traces: a service that calls itself has two in one trace.
 */
function ofKind<R extends { trace_id: Buffer }>(rows: readonly R[], errorOf: ReadonlyMap<R, TraceError | undefined>, kind: string): R[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    if (errorOf.get(r)?.kind.kind !== kind) return false;
    const key = r.trace_id.toString('latin1');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export class RawQueries {
  private readonly stmts: StatementCache;

  constructor(
    db: Database,
    private readonly gauges: GaugeQueries,
    private readonly apdexT: (service: string) => number,
  ) {
    this.stmts = new StatementCache(db);
  }

  traces(q: TraceQuery): TracesResponse {
    // Local roots only: the partial indexes spans_roots_* cover `is_root = 1`.
    let sql = `SELECT trace_id, service, route, name, kind, start_ns, duration_ns, status_code, json_extract(attributes, '${QUEUE_WAIT_PATH}') AS queue_wait_ms,
      CASE WHEN status_code = 2 THEN status_message END AS status_message, CASE WHEN status_code = 2 THEN events END AS events
      FROM spans
      WHERE is_root = 1 AND start_ns >= ? AND start_ns < ?`;
    const params: (string | number | bigint)[] = [msToNs(q.from), msToNs(q.to)];
    if (q.service !== undefined) {
      sql += ' AND service = ?';
      params.push(q.service);
    }
    if (q.instanceId !== undefined) {
      sql += ' AND instance_id = ?';
      params.push(q.instanceId);
    }
    if (q.route !== undefined) {
      sql += ' AND route = ?';
      params.push(q.route);
    }
    if (q.minDurationMs !== undefined && q.minDurationMs > 0) {
      sql += ' AND duration_ns >= ?';
      params.push(BigInt(Math.round(q.minDurationMs * 1e6)));
    }
    // A kind is known only once a trace's failing spans are read: the newest failed traces are
    // read (at most MAX_ERROR_TRACES, as the Errors page groups them) and the page cut after.
    // Failed by one rule everywhere (store/counted-failure.ts): a client root answered 4xx is not.
    const byKind = q.errorKind !== undefined;
    if (byKind || q.error === true) sql += ` AND status_code = 2 AND ${COUNTED_FAILURE_SQL}`;
    else if (q.error === false) sql += ` AND (status_code <> 2 OR NOT ${COUNTED_FAILURE_SQL})`;
    // Notable = failed or frustrated (≥ 4 T), as the writer decides for the live stream.
    const slowThresholdMs = q.notable === true && q.service !== undefined ? SLOW_APDEX_FACTOR * this.apdexT(q.service) : null;
    if (slowThresholdMs !== null) {
      // Slow as the client saw it: time queued in front of the app counts (QA3: a saturated
      // service's seconds-long waits behind a proxy left its slow list nearly empty). The
      // attribute is read only for roots neither failed nor slow in the app.
      sql += ` AND ((status_code = 2 AND ${COUNTED_FAILURE_SQL}) OR duration_ns >= ? OR duration_ns + coalesce(json_extract(attributes, '${QUEUE_WAIT_PATH}'), 0) * 1e6 >= ?)`;
      const thresholdNs = BigInt(Math.round(slowThresholdMs * 1e6));
      params.push(thresholdNs, thresholdNs);
    }
    // Ties broken by trace id, so pages neither repeat nor skip a trace.
    sql += q.sort === 'duration' ? ' ORDER BY duration_ns DESC, trace_id' : q.sort === 'oldest' ? ' ORDER BY start_ns, trace_id' : ' ORDER BY start_ns DESC, trace_id';
    sql += ' LIMIT ? OFFSET ?';
    if (byKind) params.push(MAX_ERROR_TRACES, 0);
    else params.push(limitOf(q.limit), Math.max(0, Math.trunc(q.offset ?? 0)));
    const rows = this.stmts.get(sql).all(...params) as {
      trace_id: Buffer;
      service: string;
      route: string | null;
      name: string;
      kind: number;
      start_ns: number;
      duration_ns: number;
      status_code: number;
      queue_wait_ms: unknown;
      status_message: string | null;
      events: string | null;
    }[];
    const counts = this.stmts.get(`SELECT count(*) AS n, coalesce(sum(CASE WHEN is_stall = 1 THEN duration_ns ELSE 0 END), 0) AS stall
      FROM spans WHERE trace_id = ?`);
    // A failed trace's error up front: the first failing span's exception or status message,
    // the root's own first (read only for the roots that count as failed, through the trace index).
    const failed = rows.filter((r) => countsAsFailure(r.kind, r.status_code, r.events));
    const errors = failedTraceErrors(this.stmts, failed);
    const errorOf = new Map(failed.map((r, i) => [r, errors[i]]));
    const listed = byKind ? ofKind(rows, errorOf, q.errorKind as string).slice(Math.max(0, Math.trunc(q.offset ?? 0))).slice(0, limitOf(q.limit)) : rows;
    const traces: TraceSummary[] = listed.map((r) => {
      const c = counts.get(r.trace_id) as { n: number; stall: number };
      // An app's attribute: only a positive finite number is a wait.
      const queueWait = typeof r.queue_wait_ms === 'number' && Number.isFinite(r.queue_wait_ms) && r.queue_wait_ms > 0 ? r.queue_wait_ms : null;
      const errorMessage = errorOf.get(r)?.text ?? null;
      return {
        traceId: r.trace_id.toString('hex'),
        service: r.service,
        route: r.route,
        name: r.name,
        // start_ns read as a double here: exact to well under a microsecond, enough for ms.
        startMs: Math.floor(r.start_ns / 1e6),
        durationMs: r.duration_ns / 1e6,
        error: errorOf.has(r),
        spanCount: c.n,
        stallMs: c.stall / 1e6,
        ...(queueWait !== null && { queueWaitMs: queueWait }),
        ...(errorMessage !== null && { errorMessage }),
      };
    });
    return { from: q.from, to: q.to, traces, ...(slowThresholdMs !== null && { slowThresholdMs }) };
  }

  /** Whether the service has an instance row: it sent something the store still holds (rows go with the rollups' retention). */
  knownService(service: string): boolean {
    return this.stmts.get('SELECT 1 FROM instances WHERE service = ? LIMIT 1').get(service) !== undefined;
  }

  resourceCensus(instancesSinceMs: number): ResourceCensus {
    return {
      services: this.stmts.get('SELECT service, max(last_seen_ms) AS lastSeenMs FROM instances GROUP BY service').all() as ResourceCensus['services'],
      instances: this.stmts
        .get('SELECT service, instance_id AS instanceId, last_seen_ms AS lastSeenMs FROM instances WHERE last_seen_ms >= ?')
        .all(instancesSinceMs) as ResourceCensus['instances'],
    };
  }

  trace(traceId: string): TraceResponse | null {
    if (!TRACE_ID.test(traceId)) return null;
    const rows = this.stmts
      .get(`SELECT span_id, parent_span_id, service, instance_id, name, kind, start_ns, duration_ns, status_code,
              status_message, attributes, events, is_stall, dropped_attributes, dropped_events FROM spans WHERE trace_id = ? ORDER BY start_ns, id LIMIT ${MAX_SPANS_PER_TRACE}`)
      .safeIntegers(true)
      .all(Buffer.from(traceId, 'hex')) as {
      span_id: string | Buffer;
      parent_span_id: string | Buffer | null;
      service: string;
      instance_id: string;
      name: string;
      kind: bigint;
      start_ns: bigint;
      duration_ns: bigint;
      status_code: bigint;
      status_message: string | null;
      attributes: string;
      events: string | null;
      is_stall: bigint;
      dropped_attributes: bigint | null;
      dropped_events: bigint | null;
    }[];
    if (rows.length === 0) return null;
    const spans: SpanView[] = rows.map((r) => ({
      spanId: hexOf(r.span_id),
      parentSpanId: r.parent_span_id === null ? null : hexOf(r.parent_span_id),
      service: r.service,
      instanceId: r.instance_id,
      name: r.name,
      kind: Number(r.kind),
      startNs: r.start_ns.toString(),
      startMs: nsToMs(r.start_ns),
      durationMs: Number(r.duration_ns) / 1e6,
      status: { code: Number(r.status_code), message: r.status_message ?? '' },
      attributes: parseJsonObject(r.attributes),
      events: parseSpanEvents(r.events),
      ...(r.dropped_attributes !== null && r.dropped_attributes > 0n && { droppedAttributesCount: Number(r.dropped_attributes) }),
      ...(r.dropped_events !== null && r.dropped_events > 0n && { droppedEventsCount: Number(r.dropped_events) }),
      isStall: r.is_stall === 1n,
    }));
    return { traceId, spans, stalls: this.overlappingStalls(spans) };
  }

  /**
   * The stalls of the trace's instances that overlap its extent, whoever caused them: a request
   * that waited for a loop another request blocked is delayed by a stall outside its own trace
   * (QA: a call to a service whose loop a busy route held showed a 135 ms gap, unexplained).
   */
  private overlappingStalls(spans: readonly SpanView[]): EventView[] {
    if (spans.length === 0) return [];
    const fromMs = Math.min(...spans.map((s) => s.startMs));
    const toMs = Math.max(...spans.map((s) => s.startMs + s.durationMs));
    const instances = new Map<string, { service: string; instanceId: string }>();
    for (const s of spans) instances.set(`${s.service}\u0000${s.instanceId}`, { service: s.service, instanceId: s.instanceId });
    // Events are stamped at the stall's start: look back far enough for a long stall still running
    // when the trace began (events_service_time covers service and time; instance is filtered).
    const stmt = this.stmts
      .get(`SELECT id, type, service, instance_id, time_ns, route, trace_id, span_id, duration_ms, message, attributes, dropped_attributes
            FROM events WHERE service = ? AND time_ns >= ? AND time_ns < ? AND type = 'stall' AND instance_id = ?
              AND time_ns + coalesce(duration_ms, 0) * 1000000 > ?
            ORDER BY time_ns, id LIMIT ${MAX_TRACE_STALLS}`)
      .safeIntegers(true);
    const out: EventView[] = [];
    for (const { service, instanceId } of instances.values()) {
      const rows = stmt.all(service, msToNs(fromMs - STALL_LOOKBACK_MS), msToNs(toMs), instanceId, msToNs(fromMs)) as EventRow[];
      for (const r of rows) out.push(eventView({ ...r, duration_ms: r.duration_ms === null ? null : Number(r.duration_ms) }));
    }
    return out.sort((a, b) => a.timeMs - b.timeMs || a.id - b.id).slice(0, MAX_TRACE_STALLS);
  }

  events(q: EventQuery): EventsResponse {
    let sql = `SELECT id, type, service, instance_id, time_ns, route, trace_id, span_id, duration_ms, message, attributes, dropped_attributes
      FROM events WHERE time_ns >= ? AND time_ns < ?`;
    const params: (string | number | bigint)[] = [msToNs(q.from), msToNs(q.to)];
    if (q.service !== undefined) {
      sql += ' AND service = ?';
      params.push(q.service);
    }
    if (q.instanceId !== undefined) {
      sql += ' AND instance_id = ?';
      params.push(q.instanceId);
    }
    if (q.route !== undefined) {
      sql += ' AND route = ?';
      params.push(q.route);
    }
    const byType = eventTypeFilter(q.type);
    sql += byType.sql;
    params.push(...byType.params);
    sql += ' ORDER BY time_ns DESC, id DESC LIMIT ?';
    params.push(limitOf(q.limit));
    const rows = this.stmts.get(sql).safeIntegers(true).all(...params) as EventRow[];
    return {
      from: q.from,
      to: q.to,
      events: rows.map((r) =>
        eventView({ ...r, duration_ms: r.duration_ms === null ? null : Number(r.duration_ms) }),
      ),
    };
  }

  /** With `route`, that route's groups: picked from the service's top 500 they were missing when the route was not among them. */
  stalls(q: RangeQuery & { service: string; route?: string }): StallsResponse {
    const rows = this.stmts
      .get(`SELECT route, location, count(*) AS count, coalesce(sum(duration_ms), 0) AS total,
              coalesce(max(duration_ms), 0) AS max, max(time_ns) AS last,
              sum(${HARDLY_RAN_SQL}) AS hardly_ran, sum(${AGENT_STALL_SQL}) AS agent, ${GC_STALL_SQL} AS gc,
              sum(${STALL_CPU_MS_SQL}) AS cpu, sum(CASE WHEN ${STALL_CPU_MS_SQL} IS NOT NULL THEN duration_ms END) AS cpu_of
            FROM events WHERE service = ? AND time_ns >= ? AND time_ns < ? AND type = 'stall'${q.route === undefined ? '' : ' AND route = ?'}
            GROUP BY route, location, gc ORDER BY total DESC LIMIT 500`)
      .safeIntegers(true)
      .all(q.service, msToNs(q.from), msToNs(q.to), ...(q.route === undefined ? [] : [q.route])) as {
      route: string | null;
      location: string | null;
      count: bigint;
      total: number | bigint;
      max: number | bigint;
      last: bigint;
      hardly_ran: bigint;
      agent: bigint;
      gc: bigint;
      cpu: number | bigint | null;
      cpu_of: number | bigint | null;
    }[];
    const groups: StallGroup[] = rows.map((r) => ({
      route: r.route,
      location: r.location,
      count: Number(r.count),
      totalMs: Number(r.total),
      maxMs: Number(r.max),
      lastMs: nsToMs(r.last),
      hardlyRan: Number(r.hardly_ran),
      agent: Number(r.agent),
      // A group is the collector's or not: a stall without a code location is apart from them.
      gc: r.gc === 1n ? Number(r.count) : 0,
      cpuShare: r.cpu === null || r.cpu_of === null || Number(r.cpu_of) <= 0 ? null : Number(r.cpu) / Number(r.cpu_of),
    }));
    return { from: q.from, to: q.to, service: q.service, groups };
  }

  instances(q: RangeQuery & { service: string }): InstancesResponse {
    const rows = this.stmts
      .get(`SELECT instance_id, host, pid, first_seen_ms, last_seen_ms, started_ms, restarts, resource, resource_dropped_attributes, settings,
              version, revision
            FROM instances WHERE service = ? AND last_seen_ms >= ? AND first_seen_ms < ? ORDER BY first_seen_ms, instance_id`)
      .all(q.service, q.from, q.to) as {
      instance_id: string;
      host: string | null;
      pid: number | null;
      first_seen_ms: number;
      last_seen_ms: number;
      started_ms: number | null;
      restarts: number;
      resource: string;
      resource_dropped_attributes: number | null;
      settings: string;
      version: string | null;
      revision: string | null;
    }[];
    const stops = this.stops(q);
    const instances: InstanceView[] = rows.map((r) => {
      const at = Math.min(q.to, r.last_seen_ms + 60_000);
      const latest = (metric: string): number | null => this.gauges.latest(q.service, r.instance_id, metric, at);
      return {
        instanceId: r.instance_id,
        service: q.service,
        host: r.host,
        pid: r.pid,
        firstSeen: r.first_seen_ms,
        lastSeen: r.last_seen_ms,
        startedAt: r.started_ms,
        restarts: r.restarts,
        stopped: stops.get(r.instance_id) ?? null,
        rssBytes: latest('memory.rss'),
        heapUsedBytes: latest('memory.heap_used'),
        heapLimitBytes: latest('memory.heap_limit'),
        eventLoopUtilization: latest('eventloop.utilization'),
        inFlight: latest('http.in_flight'),
        // Filled in by the store from the dropped counts (dropped-queries.ts).
        dropped: null,
        droppedInRange: null,
        settings: parseJsonObject(r.settings),
        resource: parseJsonObject(r.resource),
        ...(r.resource_dropped_attributes !== null && r.resource_dropped_attributes > 0 && { resourceDroppedAttributesCount: r.resource_dropped_attributes }),
        version: r.version,
        revision: r.revision,
      };
    });
    return { from: q.from, to: q.to, service: q.service, instances };
  }

  /** How the service's processes ended up to the range's end, by instance (instance-endings.ts). */
  private stops(q: RangeQuery & { service: string }): Map<string, InstanceStop> {
    return readEndings(this.stmts, q.service, q.from - STOP_LOOKBACK_MS, q.to).stops;
  }

  /** The service's processes that ended in the range, and the worker exits that named one (crash.count). */
  endings(q: RangeQuery & { service: string }): InstanceEndings {
    return readEndings(this.stmts, q.service, q.from, q.to);
  }
}

/** Span ids are hex text (older files of this schema held 8-byte BLOBs). */
function hexOf(id: string | Buffer): string {
  return typeof id === 'string' ? id : id.toString('hex');
}

