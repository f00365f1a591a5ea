// Each process's requests no route matched (a method alone), minute by minute: what the
// deployments' error rates leave out unless they failed (store/error-rate.ts). Counts only (no
// sketch), minute rows (kept as long as hour rows, retention.ts, so they answer any range), read
// for all the processes at once over the span their deploys' sides ask about, through the
// partial covering index of those rows (req_minute_unmatched, migration 17): one seek, no lookup
// per row. A read per process through the route index (49a9671) sought each method name for
// each process, walked every process's rows of its span to keep its own, and looked each row up:
// bench/query's 49 deploys of 4 processes with a scanner's 404s every minute read 42.7 ms p50,
// 28.5 without such rows; now 33.8 (about 27 µs a process instead of 72, most of it the rows
// handed to JavaScript).
import type { ErrorCounts } from '../../error-rate';
import { UNMATCHED_ROUTE_LITERAL_SQL } from './matched-routes';
import type { StatementCache } from './statement-cache';

/** Through the partial covering index req_minute_unmatched (migration 17): those rows alone, no lookup. */
export const UNROUTED_MINUTES_SQL = `SELECT instance_id, t, count, errors FROM req_minute WHERE service = ? AND ${UNMATCHED_ROUTE_LITERAL_SQL} AND t >= ? AND t < ?`;

export class UnroutedMinutes {
  /** Process → its rows as read: t, count, errors. */
  private readonly rows = new Map<string, [number, number, number][]>();

  constructor(
    private readonly stmts: StatementCache,
    private readonly service: string,
  ) {}

  /** Reads the processes' minutes, each over the span every range later asked of it lies in. */
  read(spans: ReadonlyMap<string, { from: number; to: number }>): void {
    if (spans.size === 0) return;
    let from = Infinity;
    let to = -Infinity;
    for (const span of spans.values()) {
      from = Math.min(from, span.from);
      to = Math.max(to, span.to);
    }
    for (const [instanceId, t, count, errors] of this.stmts.get(UNROUTED_MINUTES_SQL).raw().iterate(this.service, from, to) as Iterable<
      [string, number, number, number]
    >) {
      const span = spans.get(instanceId);
      if (span === undefined || t < span.from || t >= span.to) continue;
      const rows = this.rows.get(instanceId);
      if (rows === undefined) this.rows.set(instanceId, [[t, count, errors]]);
      else rows.push([t, count, errors]);
    }
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
