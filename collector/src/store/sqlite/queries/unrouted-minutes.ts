// Each process's requests no route matched (a method alone), minute by minute: what the
// deployments' error rates leave out unless they failed (store/error-rate.ts). One read per
// process over the span its deploys' sides ask about, counts only (no sketch): a read for each
// piece of each side, as the rollups are read (process-segments.ts), nearly doubled the
// deployments query's CPU (24 deploys of 2 processes: 6.2 → 12.2 ms; this, 6.1–6.8 → 9.6–10.9,
// about 70 µs a process, most of it the rows' lookups). Minute rows are kept as long as hour rows
// (retention.ts), so they answer any range.
import type { ErrorCounts } from '../../error-rate';
import { UNMATCHED_ROUTE_IN_SQL, unmatchedRouteParams } from './matched-routes';
import type { StatementCache } from './statement-cache';

/** Through the route index: one seek per method name, not every route's and process's rows. */
const MINUTES_SQL = `SELECT t, count, errors FROM req_minute INDEXED BY req_minute_route
  WHERE service = ? AND ${UNMATCHED_ROUTE_IN_SQL} AND instance_id = ? AND t >= ? AND t < ?`;

export class UnroutedMinutes {
  /** Process → its rows as read: t, count, errors. */
  private readonly rows = new Map<string, [number, number, number][]>();

  constructor(
    private readonly stmts: StatementCache,
    private readonly service: string,
  ) {}

  /** Reads the process's minutes in [from, to): the span every range later asked of it lies in. */
  read(instanceId: string, from: number, to: number): void {
    const rows = this.stmts.get(MINUTES_SQL).raw().all(this.service, ...unmatchedRouteParams(), instanceId, from, to) as [number, number, number][];
    this.rows.set(instanceId, rows);
  }

  /** Adds the process's requests no route matched in [from, to) into `into`. */
  add(into: ErrorCounts, instanceId: string, from: number, to: number): void {
    for (const [t, count, errors] of this.rows.get(instanceId) ?? []) {
      if (t < from || t >= to) continue;
      into.requests += count;
      into.errors += errors;
    }
  }
}
