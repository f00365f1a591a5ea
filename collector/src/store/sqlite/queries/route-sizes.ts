// Request and response body sizes per route over a range, from the per-route minute rollups:
// what the advisor needs to call a route's responses large. Minute rows only (the advisor's
// window is an hour by default; minute rollups are kept as long as hour ones).
import type { Database, Statement } from 'better-sqlite3';
import { MINUTE_MS } from '../../time-buckets';
import type { RangeQuery, RouteSizes } from '../../storage';

export class RouteSizeQueries {
  private readonly stmt: Statement;

  constructor(db: Database) {
    this.stmt = db.prepare(`SELECT route, sum(count) AS requests, sum(reqb_count) AS requestBytesCount, sum(reqb_sum) AS requestBytesSum,
        sum(respb_count) AS responseBytesCount, sum(respb_sum) AS responseBytesSum
      FROM route_minute WHERE service = ? AND t >= ? AND t < ? GROUP BY route ORDER BY route LIMIT 1000`);
  }

  routeSizes(q: RangeQuery & { service: string }): RouteSizes[] {
    return this.stmt.all(q.service, Math.floor(q.from / MINUTE_MS) * MINUTE_MS, q.to) as RouteSizes[];
  }
}
