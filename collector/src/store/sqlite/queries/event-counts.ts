// Events counted in SQL rather than read: how many of a type a range holds (the alert rules
// stall.count and restart.count), and a service's stalls grouped by route, code location and
// kind (the advisor's event-loop rules). A read of the events themselves stops at its limit, so
// a busy hour's counts covered only its newest 1,000 stalls.
import type { Database, Statement } from 'better-sqlite3';
import type { EventQuery, RangeQuery, StallTally } from '../../storage';
import { HARDLY_RAN_SHARE, STALL_CPU_ATTRIBUTE } from '../../stall-cpu';
import { STALL_AGENT_ATTRIBUTE } from '../../stall-agent';
import { msToNs, nsToMs } from '../../time-buckets';
import { StatementCache } from './statement-cache';

// stall-cpu.ts's hardlyRan in SQL: a CPU time that is a number of at least 0 and under a third
// of the stall's duration (a missing or malformed one is not counted as starved).
const HARDLY_RAN = `CASE WHEN json_type(attributes, '$."${STALL_CPU_ATTRIBUTE}"') IN ('integer', 'real')
    AND json_extract(attributes, '$."${STALL_CPU_ATTRIBUTE}"') >= 0 AND duration_ms > 0
    AND json_extract(attributes, '$."${STALL_CPU_ATTRIBUTE}"') < duration_ms * ${HARDLY_RAN_SHARE} THEN 1 ELSE 0 END`;
// stall-agent.ts's agentStall: a JSON true reads as 1 (json_type tells it from the number 1).
const AGENT = `CASE WHEN json_type(attributes, '$."${STALL_AGENT_ATTRIBUTE}"') = 'true' THEN 1 ELSE 0 END`;

interface TallyRow {
  route: string | null;
  location: string | null;
  agent: bigint;
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
    const tallySql = (where: string): string => `SELECT route, location, agent, hardly_ran, count(*) AS count, sum(d) AS total, max(d) AS max,
          instance_id, trace_id, time_ns, json_group_array(DISTINCT instance_id) AS instances
        FROM (SELECT route, location, instance_id, trace_id, time_ns, coalesce(duration_ms, 0) AS d,
                ${AGENT} AS agent, ${HARDLY_RAN} AS hardly_ran
              FROM events WHERE service = ? AND time_ns >= ? AND time_ns < ? AND type = 'stall'${where})
        GROUP BY route, location, agent, hardly_ran`;
    this.tally = db.prepare(tallySql('')).safeIntegers(true);
    this.instanceTally = db.prepare(tallySql(' AND instance_id = ?')).safeIntegers(true);
  }

  /** Events of the query's kind in its range; no limit. */
  count(q: Omit<EventQuery, 'limit'>): number {
    let sql = 'SELECT count(*) AS n FROM events WHERE time_ns >= ? AND time_ns < ?';
    const params: (string | bigint)[] = [msToNs(q.from), msToNs(q.to)];
    for (const [column, value] of [['service', q.service], ['instance_id', q.instanceId], ['route', q.route], ['type', q.type]] as const) {
      if (value === undefined) continue;
      sql += ` AND ${column} = ?`;
      params.push(value);
    }
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
      hardlyRan: r.hardly_ran === 1n,
      count: Number(r.count),
      totalMs: Number(r.total),
      maxMs: Number(r.max),
      instanceIds: JSON.parse(r.instances) as string[],
      longest: { timeMs: nsToMs(r.time_ns), instanceId: r.instance_id, traceId: r.trace_id },
    }));
  }
}
