// Request and response body sizes per route over a range, from the per-route minute rollups:
// what the advisor needs to call a route's responses large. Minute rows only (the advisor's
// window is an hour by default; minute rollups are kept as long as hour ones).
import type { Database, Statement } from 'better-sqlite3';
import { MINUTE_MS } from '../../time-buckets';
import type { RangeQuery, RouteSizes } from '../../storage';
import { distinctWithin } from '../distinct-keys';

const MAX_ROUTES = 1000;

export class RouteSizeQueries {
  private readonly stmt: Statement;
  private readonly routes: (service: string) => string[];

  constructor(db: Database) {
    // One range read per route (route_minute leads with service, route, t): a GROUP BY over the
    // service would walk every route's rows of the whole retention to find the range's.
    this.routes = distinctWithin(db, 'route_minute', 'route');
    this.stmt = db.prepare(`SELECT count(*) AS rows, sum(count) AS requests, sum(reqb_count) AS requestBytesCount,
        sum(reqb_sum) AS requestBytesSum, sum(respb_count) AS responseBytesCount, sum(respb_sum) AS responseBytesSum
      FROM route_minute WHERE service = ? AND route = ? AND t >= ? AND t < ?`);
  }

  routeSizes(q: RangeQuery & { service: string }): RouteSizes[] {
    const from = Math.floor(q.from / MINUTE_MS) * MINUTE_MS;
    const out: RouteSizes[] = [];
    // Routes come in key order (as ORDER BY route would give them).
    for (const route of this.routes(q.service)) {
      const r = this.stmt.get(q.service, route, from, q.to) as { rows: number } & Omit<RouteSizes, 'route'>;
      if (r.rows === 0) continue;
      out.push({
        route,
        requests: r.requests,
        requestBytesCount: r.requestBytesCount,
        requestBytesSum: r.requestBytesSum,
        responseBytesCount: r.responseBytesCount,
        responseBytesSum: r.responseBytesSum,
      });
      if (out.length === MAX_ROUTES) break;
    }
    return out;
  }
}
