// Where the kept traces' server time went: database calls, the wait for a pooled connection,
// outgoing HTTP calls and the app's own code, and the statements that ran. A sample, bounded: the newest TRACE_LIMIT local roots
// of the service (and route) in the range, joined through the trace index to the spans of the
// same service below each. Attributes cross into JS (and JSON.parse) only for spans that name
// a database or an HTTP method, checked by a cheap instr() in SQLite: most spans of a request
// are middleware and handlers, whose attributes need not be read.
import type { Database } from 'better-sqlite3';
import type { DownstreamTime, PoolWaitTime, StatementSummary, TimeBreakdownResponse } from '../../../api-types';
import { downstreamOf, type StatementSource } from '../../downstream-spans';
import { unionLength } from '../../interval-union';
import { msToNs } from '../../time-buckets';
import { parseJsonObject } from '../json-rows';
import { StatementCache } from './statement-cache';

/**
 * Each trace's spans are a few random reads through the trace index (the spans of one trace
 * sit together, the traces do not): 200 traces took 15–40 ms of SQL alone on bench/query's day
 * of data, p95 up to 81 ms on a loaded machine, against the query API's 50 ms goal.
 */
export const TRACE_LIMIT = 100;
const MAX_STATEMENTS = 20;
/** Server and consumer spans start another local part (the service called itself): not this request's own work. */
const LOCAL_ROOT_KINDS = new Set([2, 5]);

export interface TimeBreakdownQuery {
  service: string;
  route?: string;
  from: number;
  to: number;
  /** Traces to read, at most (and by default) TRACE_LIMIT: the advisor reads fewer per route. */
  traceLimit?: number;
}

interface SpanRow {
  span_id: string;
  parent_span_id: string | null;
  kind: number;
  name: string;
  /** Start relative to the root's, ns (exact in a double for any trace shorter than ~100 days). */
  rel_ns: number;
  duration_ns: number;
  attributes: string | null;
}

interface Tally {
  totalNs: number;
  calls: number;
}

interface PoolTally extends Tally {
  maxConnections: number | null;
}

/** The time of `wait` not inside `inner`: a pool checkout's wait beyond the connection set-up its own database span counts. */
function outside(wait: [number, number][], inner: [number, number][], innerLength: number): number {
  return wait.length === 0 ? 0 : unionLength([...wait, ...inner]) - innerLength;
}

interface StatementTally {
  system: string;
  statement: string;
  source: StatementSource;
  calls: number;
  totalNs: number;
  /** Calls per sampled trace (traces without it absent). */
  perTrace: Map<number, number>;
}

/** At most this many span rows in all: 100 traces of 1 000 spans. */
const MAX_ROWS = 100_000;

/**
 * The picked roots (route filter optional; not partial ones: the agent's `headroom.trace.partial`
 * server span of a request over its recording budget has no children, and would count its
 * whole time as the app's — under load most kept traces of a busy route are such), then every span of the same service in their
 * traces, in one statement. With a route, the route index by name: without statistics SQLite
 * picks spans_roots_service (service and time), which walks every root of the service in the
 * range — 1 s for a quiet route in a day of a busy service, 0.1 ms through the route index.
 */
function breakdownSql(withRoute: boolean): string {
  return `WITH picked AS (
      SELECT trace_id, span_id, start_ns, duration_ns FROM spans${withRoute ? ' INDEXED BY spans_roots_route' : ''}
      WHERE is_root = 1 AND service = ?${withRoute ? ' AND route = ?' : ''} AND start_ns >= ? AND start_ns < ?
        AND instr(attributes, '"headroom.trace.partial":true') = 0
      ORDER BY start_ns DESC LIMIT ?
    )
    SELECT p.span_id AS root_id, lower(hex(p.trace_id)) AS trace_hex, p.duration_ns AS root_ns,
      s.span_id, s.parent_span_id, s.kind, s.name, s.start_ns - p.start_ns AS rel_ns, s.duration_ns,
      CASE WHEN s.kind IN (0, 1, 3) AND (instr(s.attributes, '"db.') > 0 OR instr(s.attributes, '"http.request.method"') > 0
        OR instr(s.attributes, '"http.method"') > 0) THEN s.attributes END AS attributes
    FROM picked p JOIN spans s ON s.trace_id = p.trace_id AND s.service = ?
    LIMIT ${MAX_ROWS}`;
}

interface JoinedRow extends SpanRow {
  root_id: string;
  trace_hex: string;
  root_ns: number;
}

interface PickedTrace {
  rootId: string;
  traceId: string;
  durationNs: number;
  rows: SpanRow[];
}

/** The joined rows grouped by their root (a trace may hold two local roots of the service). */
function groupByRoot(rows: JoinedRow[]): PickedTrace[] {
  const byRoot = new Map<string, PickedTrace>();
  for (const r of rows) {
    const key = `${r.trace_hex}/${r.root_id}`;
    let t = byRoot.get(key);
    if (!t) byRoot.set(key, (t = { rootId: r.root_id, traceId: r.trace_hex, durationNs: r.root_ns, rows: [] }));
    t.rows.push(r);
  }
  return [...byRoot.values()];
}

export class TimeBreakdownQueries {
  private readonly stmts: StatementCache;

  constructor(db: Database) {
    this.stmts = new StatementCache(db);
  }

  timeBreakdown(q: TimeBreakdownQuery): TimeBreakdownResponse {
    const params: (string | number | bigint)[] = [q.service];
    if (q.route !== undefined) params.push(q.route);
    const traceLimit = Math.max(1, Math.min(TRACE_LIMIT, Math.trunc(q.traceLimit ?? TRACE_LIMIT)));
    params.push(msToNs(q.from), msToNs(q.to), traceLimit, q.service);
    const roots = groupByRoot(this.stmts.get(breakdownSql(q.route !== undefined)).all(...params) as JoinedRow[]);

    let totalNs = 0;
    let databaseNs = 0;
    let externalNs = 0;
    let poolWaitNs = 0;
    let downstreamNs = 0;
    const databases = new Map<string, Tally>();
    const pools = new Map<string, PoolTally>();
    const externals = new Map<string, Tally>();
    const statements = new Map<string, StatementTally>();
    let example: { traceId: string; ns: number } | null = null;
    /** Traces with at least one database span: what a statement's median is over. */
    let withDatabase = 0;

    for (const [index, root] of roots.entries()) {
      const rootNs = root.durationNs;
      totalNs += rootNs;
      const below = descendants(root.rootId, root.rows);
      // Intervals clipped to the root: a child that outlives its request (a query left
      // running, a fire-and-forget call) counts only while the request lasted.
      const clip = (r: SpanRow): [number, number] => [Math.max(0, r.rel_ns), Math.min(rootNs, r.rel_ns + r.duration_ns)];
      const all: [number, number][] = [];
      const dbAll: [number, number][] = [];
      const extAll: [number, number][] = [];
      const poolAll: [number, number][] = [];
      const byPool = new Map<string, [number, number][]>();
      const bySystem = new Map<string, [number, number][]>();
      const byPeer = new Map<string, [number, number][]>();
      for (const r of below) {
        if (r.attributes === null) continue;
        const d = downstreamOf(r.kind, r.name, parseJsonObject(r.attributes));
        if (d === null) continue;
        const interval = clip(r);
        all.push(interval);
        if (d.category === 'pool') {
          poolAll.push(interval);
          let group = byPool.get(d.system);
          if (!group) byPool.set(d.system, (group = []));
          group.push(interval);
          let tally = pools.get(d.system);
          if (!tally) pools.set(d.system, (tally = { totalNs: 0, calls: 0, maxConnections: null }));
          tally.calls++;
          if (d.maxConnections !== null) tally.maxConnections = Math.max(tally.maxConnections ?? 0, d.maxConnections);
          continue;
        }
        const [list, groups, key, tallies] =
          d.category === 'database' ? [dbAll, bySystem, d.system, databases] : [extAll, byPeer, d.peer, externals];
        list.push(interval);
        let group = groups.get(key);
        if (!group) groups.set(key, (group = []));
        group.push([interval[0], interval[1]]);
        let tally = tallies.get(key);
        if (!tally) tallies.set(key, (tally = { totalNs: 0, calls: 0 }));
        tally.calls++;
        if (d.category === 'database') {
          const sKey = `${d.system}\u0000${d.statement}`;
          let s = statements.get(sKey);
          if (!s) statements.set(sKey, (s = { system: d.system, statement: d.statement, source: d.source, calls: 0, totalNs: 0, perTrace: new Map() }));
          s.calls++;
          s.totalNs += r.duration_ns;
          s.perTrace.set(index, (s.perTrace.get(index) ?? 0) + 1);
        }
      }
      for (const [key, group] of bySystem) (databases.get(key) as Tally).totalNs += unionLength(group);
      for (const [key, group] of byPeer) (externals.get(key) as Tally).totalNs += unionLength(group);
      if (dbAll.length > 0) withDatabase++;
      const dbNs = unionLength(dbAll);
      databaseNs += dbNs;
      poolWaitNs += outside(poolAll, dbAll, dbNs);
      for (const [key, group] of byPool) (pools.get(key) as PoolTally).totalNs += outside(group, dbAll, dbNs);
      externalNs += unionLength(extAll);
      const downstream = unionLength(all);
      downstreamNs += downstream;
      if (downstream > 0 && (example === null || downstream > example.ns)) example = { traceId: root.traceId, ns: downstream };
    }

    const share = (ns: number): number => (totalNs > 0 ? ns / totalNs : 0);
    const downstreamList = (m: Map<string, Tally>): DownstreamTime[] =>
      [...m.entries()]
        .map(([name, t]) => ({ name, totalMs: t.totalNs / 1e6, share: share(t.totalNs), calls: t.calls }))
        .sort((a, b) => b.totalMs - a.totalMs || a.name.localeCompare(b.name));
    const poolList: PoolWaitTime[] = downstreamList(pools).map((p) => ({ ...p, maxConnections: (pools.get(p.name) as PoolTally).maxConnections }));
    const traceIds = roots.map((r) => r.traceId);
    const statementList: StatementSummary[] = [...statements.values()]
      .sort((a, b) => b.totalNs - a.totalNs || a.statement.localeCompare(b.statement))
      .slice(0, MAX_STATEMENTS)
      .map((s) => statementSummary(s, traceIds, withDatabase));
    return {
      from: q.from,
      to: q.to,
      service: q.service,
      route: q.route ?? null,
      traces: roots.length,
      tracesWithDatabase: withDatabase,
      traceLimit,
      totalMs: totalNs / 1e6,
      databaseMs: databaseNs / 1e6,
      databaseShare: share(databaseNs),
      externalMs: externalNs / 1e6,
      externalShare: share(externalNs),
      poolWaitMs: poolWaitNs / 1e6,
      poolWaitShare: share(poolWaitNs),
      appMs: (totalNs - downstreamNs) / 1e6,
      appShare: share(totalNs - downstreamNs),
      databases: downstreamList(databases),
      externals: downstreamList(externals),
      pools: poolList,
      statements: statementList,
      exampleTraceId: example?.traceId ?? null,
    };
  }
}

/** The spans below the root (through parent links), not crossing into another local root. */
function descendants(rootId: string, rows: SpanRow[]): SpanRow[] {
  const children = new Map<string, SpanRow[]>();
  for (const r of rows) {
    if (r.parent_span_id === null) continue;
    let list = children.get(r.parent_span_id);
    if (!list) children.set(r.parent_span_id, (list = []));
    list.push(r);
  }
  const out: SpanRow[] = [];
  const stack = [rootId];
  const seen = new Set<string>([rootId]);
  while (stack.length > 0) {
    for (const child of children.get(stack.pop() as string) ?? []) {
      if (LOCAL_ROOT_KINDS.has(child.kind) || seen.has(child.span_id)) continue;
      seen.add(child.span_id);
      out.push(child);
      stack.push(child.span_id);
    }
  }
  return out;
}

function statementSummary(s: StatementTally, traceIds: string[], withDatabase: number): StatementSummary {
  const counts = [...s.perTrace.values()];
  let exampleIndex = 0;
  let most = 0;
  for (const [index, n] of s.perTrace) {
    if (n > most) {
      most = n;
      exampleIndex = index;
    }
  }
  return {
    system: s.system,
    statement: s.statement,
    source: s.source,
    calls: s.calls,
    callsPerRequest: s.calls / traceIds.length,
    medianPerRequest: median(counts, withDatabase),
    maxPerRequest: most,
    meanMs: s.totalNs / 1e6 / s.calls,
    totalMs: s.totalNs / 1e6,
    exampleTraceId: traceIds[exampleIndex] as string,
  };
}

/** The median of `counts` padded with zeros to `n` values (the traces with database calls that did not run it). */
function median(counts: number[], n: number): number {
  const all = [...counts, ...new Array<number>(n - counts.length).fill(0)].sort((a, b) => a - b);
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (all[mid] as number) : ((all[mid - 1] as number) + (all[mid] as number)) / 2;
}
