// A bound on the routes (transactions) a service adds. Any OpenTelemetry SDK may send raw paths
// as `http.route` (a framework without route templates, a scanner's 30 000 `/wp-admin/<n>`): each
// would become rows in every route-keyed table, and every query of the service would grow with
// it. As APMs do (New Relic's "metric grouping issue" and its catch-all name), a service may add
// at most `maxNewPerDay` routes in any 24 hours of the collector's clock; past that, a route not
// seen before is stored as "METHOD (other routes)" — in request rollups, spans and events alike,
// so filters and joins still agree — and the fold is counted per service and minute
// (route_folds). Routes already known keep recording. Method-only names (no route matched) and
// the fold names are a bounded set and always pass.
import type { Database, Statement } from 'better-sqlite3';
import { KNOWN_METHODS, METHOD_UNKNOWN } from '../../receiver/normalise/transaction-name';
import { minuteOf } from '../time-buckets';

export const DEFAULT_MAX_NEW_ROUTES_PER_DAY = 1000;
export const OTHER_ROUTES = '(other routes)';
const DAY_MS = 86_400_000;
/**
 * Folded names remembered per service so each is counted once: a scanner's name comes back in
 * every export of metrics, spans and events. Past this many the set starts over (a name may be
 * counted again: the count is then an upper bound), so memory stays bounded too.
 */
const MAX_REMEMBERED_FOLDS = 50_000;

function isMethod(word: string): boolean {
  return KNOWN_METHODS.has(word) || word === METHOD_UNKNOWN;
}

/** The bucket a route past the budget goes to: its method kept, "GET (other routes)". */
export function foldedRouteName(route: string): string {
  const space = route.indexOf(' ');
  const method = space < 0 ? null : route.slice(0, space);
  return method !== null && isMethod(method) ? `${method} ${OTHER_ROUTES}` : OTHER_ROUTES;
}

/** Names that cannot multiply: the method alone, or a fold bucket. */
function alwaysAdmitted(route: string): boolean {
  const space = route.indexOf(' ');
  if (space < 0) return isMethod(route) || route === OTHER_ROUTES;
  return route === OTHER_ROUTES || route.endsWith(` ${OTHER_ROUTES}`);
}

interface ServiceRoutes {
  known: Set<string>;
  /** When the routes admitted in the last day were first seen (epoch ms), oldest first. */
  recent: number[];
  folded: Set<string>;
}

interface FoldCount {
  service: string;
  t: number;
  routes: number;
  requests: number;
}

export class RouteBudget {
  private readonly services = new Map<string, ServiceRoutes>();
  /** Folds of the current commit, written by flush(). */
  private readonly pending = new Map<string, FoldCount>();
  private readonly selectRoutes: Statement;
  private readonly insertRoute: Statement;
  private readonly upsertFold: Statement;
  private foldedTotal = 0;

  constructor(
    db: Database,
    private readonly maxNewPerDay: number,
  ) {
    this.selectRoutes = db.prepare(`SELECT route, first_ms FROM route_names WHERE service = ?`);
    this.insertRoute = db.prepare(`INSERT OR IGNORE INTO route_names (service, route, first_ms) VALUES (?, ?, ?)`);
    this.upsertFold = db.prepare(`INSERT INTO route_folds (service, t, routes, requests) VALUES (?, ?, ?, ?)
      ON CONFLICT (service, t) DO UPDATE SET routes = routes + excluded.routes, requests = requests + excluded.requests`);
  }

  /** Route names folded since the collector started (each counted once while remembered). */
  get routesFolded(): number {
    return this.foldedTotal;
  }

  /**
   * The name to store for `route` of `service` at `now` (the collector's clock); `requests`
   * are the requests it carries (metric points), counted when folded. Hot path: a known route
   * costs two map lookups.
   */
  admit(service: string, route: string, now: number, requests = 0): string {
    const s = this.services.get(service) ?? this.load(service, now);
    if (s.known.has(route) || alwaysAdmitted(route)) return route;
    while (s.recent.length > 0 && (s.recent[0] as number) <= now - DAY_MS) s.recent.shift();
    if (s.recent.length < this.maxNewPerDay) {
      s.known.add(route);
      s.recent.push(now);
      this.insertRoute.run(service, route, now);
      return route;
    }
    const t = minuteOf(now);
    const key = `${service}\u0000${t}`;
    let fold = this.pending.get(key);
    if (!fold) this.pending.set(key, (fold = { service, t, routes: 0, requests: 0 }));
    fold.requests += requests;
    if (!s.folded.has(route)) {
      if (s.folded.size >= MAX_REMEMBERED_FOLDS) s.folded.clear();
      s.folded.add(route);
      fold.routes++;
      this.foldedTotal++;
    }
    return foldedRouteName(route);
  }

  /** Writes the commit's fold counts (inside the writer's transaction). */
  flush(): void {
    for (const f of this.pending.values()) this.upsertFold.run(f.service, f.t, f.routes, f.requests);
    this.pending.clear();
  }

  /** After a failed transaction: what memory holds may not be in the file; reload it when next asked. */
  reset(): void {
    this.services.clear();
    this.pending.clear();
  }

  /** Retention deleted names (retention.ts): reload each service's known names when next asked. */
  forgetKnown(): void {
    this.services.clear();
  }

  private load(service: string, now: number): ServiceRoutes {
    const known = new Set<string>();
    const recent: number[] = [];
    for (const row of this.selectRoutes.iterate(service) as Iterable<{ route: string; first_ms: number }>) {
      known.add(row.route);
      if (row.first_ms > now - DAY_MS) recent.push(row.first_ms);
    }
    recent.sort((a, b) => a - b);
    const s: ServiceRoutes = { known, recent, folded: new Set() };
    this.services.set(service, s);
    return s;
  }
}
