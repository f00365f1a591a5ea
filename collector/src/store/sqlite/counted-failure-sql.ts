// The counted-failure rule (store/counted-failure.ts) as an SQL function over a spans row, so the
// queries filter by the very function the live stream's writer calls, not a copy of it in SQL.
import type { Database } from 'better-sqlite3';
import { countsAsFailure } from '../counted-failure';

/**
 * SQL: the spans row is a failed root the service counts (1) or not (0). Beside `status_code = 2`
 * where a query can use the failed roots' partial index.
 */
export const COUNTED_FAILURE_SQL = 'counted_failure(kind, status_code, events)';

export function registerCountedFailure(db: Database): void {
  db.function('counted_failure', { deterministic: true, safeIntegers: false }, (kind, statusCode, events) =>
    countsAsFailure(Number(kind), Number(statusCode), typeof events === 'string' ? events : null) ? 1 : 0,
  );
}
