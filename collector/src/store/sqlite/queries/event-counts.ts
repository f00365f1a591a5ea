// Events counted in SQL rather than read: how many of a type a range holds (the alert rule
// stall.count), the process restarts (restart.count) and the worker exits that named no process
// (crash.count), and a service's stalls grouped by route, code location and kind (the advisor's
// event-loop rules). A read of the events themselves stops at its limit, so a busy hour's counts
// covered only its newest 1,000 stalls. The restart records the advisor's restart loop groups
// are read here too, every one, by the same rule as restart.count.
import type { Database, Statement } from 'better-sqlite3';
import { WORKER_EXIT_CODE_ATTRIBUTE, WORKER_INTENDED_ATTRIBUTE, WORKER_SIGNAL_ATTRIBUTE } from '../../instance-stop';
import { RESTART_PREVIOUS_ATTRIBUTE, RESTART_ROLE_ATTRIBUTE } from '../../process-restarts';
import type { EventQuery, RangeQuery, RestartRecords, StallTally } from '../../storage';
import { msToNs, nsToMs } from '../../time-buckets';
import { parseJsonObject } from '../json-rows';
import { eventTypeFilter } from './event-type-filter';
import { PRIMARY_SQL } from './gauge-queries';
import { NAMED_WORKER_EXITS_SQL } from './instance-endings';
import { AGENT_STALL_SQL, GC_STALL_SQL, HARDLY_RAN_SQL } from './stall-sql';
import { StatementCache } from './statement-cache';

const attribute = (table: string, name: string): string => `${table}.attributes, '$."${name}"'`;
// The primary's word that it did not mean the exit: intended is not a JSON true.
const UNINTENDED = `coalesce(json_type(${attribute('e', WORKER_INTENDED_ATTRIBUTE)}), '') <> 'true'`;
// process-restarts.ts's workerExitFailed: a signal (text) the primary did not mean, or without
// one an integer exit code other than 0.
const FAILED_WORKER_EXIT = `((json_type(${attribute('e', WORKER_SIGNAL_ATTRIBUTE)}) = 'text' AND ${UNINTENDED})
    OR (coalesce(json_type(${attribute('e', WORKER_SIGNAL_ATTRIBUTE)}), '') <> 'text'
      AND json_type(${attribute('e', WORKER_EXIT_CODE_ATTRIBUTE)}) = 'integer' AND json_extract(${attribute('e', WORKER_EXIT_CODE_ATTRIBUTE)}) <> 0))`;
// process-restarts.ts: the restart events of serving processes (not a cluster primary's: its
// start event said so, or its instance did). Parameters: service, from, to, service.
const SERVING_RESTARTS = `SELECT r.id, r.time_ns, r.instance_id, json_extract(${attribute('r', RESTART_PREVIOUS_ATTRIBUTE)}) AS previous FROM events r
    WHERE r.service = ? AND r.time_ns >= ? AND r.time_ns < ? AND r.type = 'restart'
      AND coalesce(json_extract(${attribute('r', RESTART_ROLE_ATTRIBUTE)}), '') <> 'primary'
      AND r.instance_id NOT IN (SELECT instance_id FROM instances WHERE service = ? AND (${PRIMARY_SQL}))`;

interface TallyRow {
  route: string | null;
  location: string | null;
  agent: bigint;
  gc: bigint;
  hardly_ran: bigint;
  count: bigint;
  total: number | bigint;
  max: number | bigint;
  instance_id: string;
  trace_id: string | null;
  time_ns: bigint;
  instances: string;
}

export class EventCountQueries {
  private readonly stmts: StatementCache;
  private readonly tally: Statement;
  private readonly instanceTally: Statement;

  constructor(db: Database) {
    this.stmts = new StatementCache(db);
    // One max() aggregate: SQLite takes the bare columns (instance_id, trace_id, time_ns) from the
    // row holding it (sqlite.org/lang_select.html#bare_columns_in_an_aggregate_query), the
    // group's longest stall.
    const tallySql = (where: string): string => `SELECT route, location, agent, gc, hardly_ran, count(*) AS count, sum(d) AS total, max(d) AS max,
          instance_id, trace_id, time_ns, json_group_array(DISTINCT instance_id) AS instances
        FROM (SELECT route, location, instance_id, trace_id, time_ns, coalesce(duration_ms, 0) AS d,
                ${AGENT_STALL_SQL} AS agent, ${GC_STALL_SQL} AS gc, ${HARDLY_RAN_SQL} AS hardly_ran
              FROM events WHERE service = ? AND time_ns >= ? AND time_ns < ? AND type = 'stall'${where})
        GROUP BY route, location, agent, gc, hardly_ran`;
    this.tally = db.prepare(tallySql('')).safeIntegers(true);
    this.instanceTally = db.prepare(tallySql(' AND instance_id = ?')).safeIntegers(true);
  }

  /** Events of the query's kind in its range; no limit. */
  count(q: Omit<EventQuery, 'limit'>): number {
    let sql = 'SELECT count(*) AS n FROM events WHERE time_ns >= ? AND time_ns < ?';
    const params: (string | bigint)[] = [msToNs(q.from), msToNs(q.to)];
    for (const [column, value] of [['service', q.service], ['instance_id', q.instanceId], ['route', q.route]] as const) {
      if (value === undefined) continue;
      sql += ` AND ${column} = ?`;
      params.push(value);
    }
    const byType = eventTypeFilter(q.type);
    sql += byType.sql;
    params.push(...byType.params);
    return (this.stmts.get(sql).safeIntegers(false).get(...params) as { n: number }).n;
  }

  /**
   * The process restarts of the service in the range (process-restarts.ts): restart events of
   * serving processes, and the worker exits their primaries did not ask for that no restart event
   * names. With `instanceId`, that process's restart events (an exit names the worker that died,
   * not the one forked in its place).
   */
  countRestarts(q: RangeQuery & { service: string; instanceId?: string }): number {
    const range = [q.service, msToNs(q.from), msToNs(q.to)] as const;
    if (q.instanceId !== undefined) {
      const sql = `SELECT count(*) AS n FROM (${SERVING_RESTARTS}) WHERE instance_id = ?`;
      return (this.stmts.get(sql).safeIntegers(false).get(...range, q.service, q.instanceId) as { n: number }).n;
    }
    const sql = `WITH restarts AS (${SERVING_RESTARTS}), named AS (${NAMED_WORKER_EXITS_SQL})
      SELECT (SELECT count(*) FROM restarts) + (SELECT count(*) FROM events e
        WHERE e.service = ? AND e.time_ns >= ? AND e.time_ns < ? AND e.type = 'worker_exit' AND ${FAILED_WORKER_EXIT}
          AND NOT EXISTS (SELECT 1 FROM named n JOIN restarts r ON r.previous = n.instance_id WHERE n.id = e.id)) AS n`;
    return (this.stmts.get(sql).safeIntegers(false).get(...range, q.service, ...range, ...range) as { n: number }).n;
  }

  /**
   * Every restart event of a serving process and every worker exit its primary did not ask for,
   * in the range, oldest first: the events a read stops at its limit for (a crash loop of a
   * cluster leaves thousands), so the restart loop's figures cover them all.
   */
  restartRecords(q: RangeQuery & { service: string }): RestartRecords {
    const range = [q.service, msToNs(q.from), msToNs(q.to)] as const;
    const restarts = this.stmts
      .get(`SELECT id, time_ns, instance_id, previous FROM (${SERVING_RESTARTS}) ORDER BY time_ns, id`)
      .safeIntegers(true)
      .all(...range, q.service) as { id: bigint; time_ns: bigint; instance_id: string; previous: unknown }[];
    const exits = this.stmts
      .get(`SELECT e.id, e.time_ns, e.instance_id, e.message, e.attributes FROM events e
        WHERE e.service = ? AND e.time_ns >= ? AND e.time_ns < ? AND e.type = 'worker_exit' AND ${FAILED_WORKER_EXIT} ORDER BY e.time_ns, e.id`)
      .safeIntegers(true)
      .all(...range) as { id: bigint; time_ns: bigint; instance_id: string; message: string | null; attributes: string }[];
    return {
      restarts: restarts.map((r) => ({ id: Number(r.id), timeMs: nsToMs(r.time_ns), instanceId: r.instance_id, previous: typeof r.previous === 'string' ? r.previous : null })),
      failedWorkerExits: exits.map((x) => ({ id: Number(x.id), timeMs: nsToMs(x.time_ns), instanceId: x.instance_id, message: x.message, attributes: parseJsonObject(x.attributes) })),
    };
  }

  /**
   * The worker exits in the range, reported by `instanceId` when given, that name no instance
   * (a worker that never reported) and that their primary did not ask for (crash.count).
   */
  countUnnamedWorkerExits(q: RangeQuery & { service: string; instanceId?: string }): number {
    const range = [q.service, msToNs(q.from), msToNs(q.to)] as const;
    const sql = `SELECT count(*) AS n FROM events e
      WHERE e.service = ? AND e.time_ns >= ? AND e.time_ns < ? AND e.type = 'worker_exit'${q.instanceId === undefined ? '' : ' AND e.instance_id = ?'}
        AND ${UNINTENDED} AND e.id NOT IN (SELECT id FROM (${NAMED_WORKER_EXITS_SQL}))`;
    const params = q.instanceId === undefined ? [...range, ...range] : [...range, q.instanceId, ...range];
    return (this.stmts.get(sql).safeIntegers(false).get(...params) as { n: number }).n;
  }

  /** The service's stalls in the range (one process's, with `instanceId`), grouped. */
  stallTally(q: RangeQuery & { service: string; instanceId?: string }): StallTally[] {
    const range = [q.service, msToNs(q.from), msToNs(q.to)] as const;
    const rows = (q.instanceId === undefined ? this.tally.all(...range) : this.instanceTally.all(...range, q.instanceId)) as TallyRow[];
    return rows.map((r) => ({
      route: r.route,
      location: r.location,
      agent: r.agent === 1n,
      gc: r.gc === 1n,
      hardlyRan: r.hardly_ran === 1n,
      count: Number(r.count),
      totalMs: Number(r.total),
      maxMs: Number(r.max),
      instanceIds: JSON.parse(r.instances) as string[],
      longest: { timeMs: nsToMs(r.time_ns), instanceId: r.instance_id, traceId: r.trace_id },
    }));
  }
}
