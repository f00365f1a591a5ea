// Where the kept traces' server time went: database calls, outgoing HTTP calls and the app's
// own code, and the statements that ran. A sample, bounded: the newest TRACE_LIMIT local roots
// of the service (and route) in the range, each read through the trace index with the spans
// of the same service below it. Attributes cross into JS only for spans that name a database
// or an HTTP method (a cheap instr() in SQLite), since parsing every middleware span's JSON
// was most of the cost.
import type { Database } from 'better-sqlite3';
import type { DownstreamTime, StatementSummary, TimeBreakdownResponse } from '../../../api-types';
import { downstreamOf } from '../../downstream-spans';
import { unionLength } from '../../interval-union';
import { msToNs } from '../../time-buckets';
import { parseJsonObject } from '../json-rows';
import { StatementCache } from './statement-cache';

export const TRACE_LIMIT = 200;
const MAX_SPANS_PER_TRACE = 10_000;
const MAX_STATEMENTS = 20;
/** Server and consumer spans start another local part (the service called itself): not this request's own work. */
const LOCAL_ROOT_KINDS = new Set([2, 5]);

export interface TimeBreakdownQuery {
  service: string;
  route?: string;
  from: number;
  to: number;
}

interface RootRow {
  trace_id: Buffer;
  span_id: string;
  start_ns: bigint;
  duration_ns: bigint;
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

interface StatementTally {
  system: string;
  statement: string;
  calls: number;
  totalNs: number;
  /** Calls per sampled trace (traces without it absent). */
  perTrace: Map<number, number>;
}

const ROOTS_SQL = `SELECT trace_id, span_id, start_ns, duration_ns FROM spans
  WHERE is_root = 1 AND service = ? AND start_ns >= ? AND start_ns < ?`;

const SPANS_SQL = `SELECT span_id, parent_span_id, kind, name, start_ns - ? AS rel_ns, duration_ns,
    CASE WHEN kind IN (0, 1, 3) AND (instr(attributes, '"db.') > 0 OR instr(attributes, '"http.request.method"') > 0
      OR instr(attributes, '"http.method"') > 0) THEN attributes END AS attributes
  FROM spans WHERE trace_id = ? AND service = ? LIMIT ${MAX_SPANS_PER_TRACE}`;

export class TimeBreakdownQueries {
  private readonly stmts: StatementCache;

  constructor(db: Database) {
    this.stmts = new StatementCache(db);
  }

  timeBreakdown(q: TimeBreakdownQuery): TimeBreakdownResponse {
    const params: (string | number | bigint)[] = [q.service, msToNs(q.from), msToNs(q.to)];
    let sql = ROOTS_SQL;
    if (q.route !== undefined) {
      sql += ' AND route = ?';
      params.push(q.route);
    }
    sql += ' ORDER BY start_ns DESC LIMIT ?';
    params.push(TRACE_LIMIT);
    const roots = this.stmts.get(sql).safeIntegers(true).all(...params) as RootRow[];
    const spansOf = this.stmts.get(SPANS_SQL);

    let totalNs = 0;
    let databaseNs = 0;
    let externalNs = 0;
    let downstreamNs = 0;
    const databases = new Map<string, Tally>();
    const externals = new Map<string, Tally>();
    const statements = new Map<string, StatementTally>();
    let example: { traceId: string; ns: number } | null = null;

    for (const [index, root] of roots.entries()) {
      const rootNs = Number(root.duration_ns);
      totalNs += rootNs;
      const rows = spansOf.all(root.start_ns, root.trace_id, q.service) as SpanRow[];
      const below = descendants(root.span_id, rows);
      // Intervals clipped to the root: a child that outlives its request (a query left
      // running, a fire-and-forget call) counts only while the request lasted.
      const clip = (r: SpanRow): [number, number] => [Math.max(0, r.rel_ns), Math.min(rootNs, r.rel_ns + r.duration_ns)];
      const all: [number, number][] = [];
      const dbAll: [number, number][] = [];
      const extAll: [number, number][] = [];
      const bySystem = new Map<string, [number, number][]>();
      const byPeer = new Map<string, [number, number][]>();
      for (const r of below) {
        if (r.attributes === null) continue;
        const d = downstreamOf(r.kind, r.name, parseJsonObject(r.attributes));
        if (d === null) continue;
        const interval = clip(r);
        all.push(interval);
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
          if (!s) statements.set(sKey, (s = { system: d.system, statement: d.statement, calls: 0, totalNs: 0, perTrace: new Map() }));
          s.calls++;
          s.totalNs += r.duration_ns;
          s.perTrace.set(index, (s.perTrace.get(index) ?? 0) + 1);
        }
      }
      for (const [key, group] of bySystem) (databases.get(key) as Tally).totalNs += unionLength(group);
      for (const [key, group] of byPeer) (externals.get(key) as Tally).totalNs += unionLength(group);
      databaseNs += unionLength(dbAll);
      externalNs += unionLength(extAll);
      const downstream = unionLength(all);
      downstreamNs += downstream;
      if (downstream > 0 && (example === null || downstream > example.ns)) example = { traceId: root.trace_id.toString('hex'), ns: downstream };
    }

    const share = (ns: number): number => (totalNs > 0 ? ns / totalNs : 0);
    const downstreamList = (m: Map<string, Tally>): DownstreamTime[] =>
      [...m.entries()]
        .map(([name, t]) => ({ name, totalMs: t.totalNs / 1e6, share: share(t.totalNs), calls: t.calls }))
        .sort((a, b) => b.totalMs - a.totalMs || a.name.localeCompare(b.name));
    const traceIds = roots.map((r) => r.trace_id.toString('hex'));
    const statementList: StatementSummary[] = [...statements.values()]
      .sort((a, b) => b.totalNs - a.totalNs || a.statement.localeCompare(b.statement))
      .slice(0, MAX_STATEMENTS)
      .map((s) => statementSummary(s, traceIds));
    return {
      from: q.from,
      to: q.to,
      service: q.service,
      route: q.route ?? null,
      traces: roots.length,
      traceLimit: TRACE_LIMIT,
      totalMs: totalNs / 1e6,
      databaseMs: databaseNs / 1e6,
      databaseShare: share(databaseNs),
      externalMs: externalNs / 1e6,
      externalShare: share(externalNs),
      appMs: (totalNs - downstreamNs) / 1e6,
      appShare: share(totalNs - downstreamNs),
      databases: downstreamList(databases),
      externals: downstreamList(externals),
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

function statementSummary(s: StatementTally, traceIds: string[]): StatementSummary {
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
    calls: s.calls,
    callsPerRequest: s.calls / traceIds.length,
    medianPerRequest: median(counts, traceIds.length),
    maxPerRequest: most,
    meanMs: s.totalNs / 1e6 / s.calls,
    totalMs: s.totalNs / 1e6,
    exampleTraceId: traceIds[exampleIndex] as string,
  };
}

/** The median of `counts` padded with zeros to `n` values (the traces that did not run it). */
function median(counts: number[], n: number): number {
  const all = [...counts, ...new Array<number>(n - counts.length).fill(0)].sort((a, b) => a - b);
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? (all[mid] as number) : ((all[mid - 1] as number) + (all[mid] as number)) / 2;
}
