// The requests that matched a route: the transactions named "METHOD /route" (or a method and
// "(other routes)", routes past the service's budget), not the method alone, which holds the
// requests no route matched (architecture.md#transactions) — a scanner's hundreds of unknown
// paths answered by a fast 404. Latency and Apdex alert rules over a whole service read these,
// and so does the service page they link to (?routes=matched), so a flood of fast 404s neither
// resolves nor hides a slow app. A service that never named a route (a framework Headroom
// cannot read routes from) has nothing to tell apart: all its requests count.
import { KNOWN_METHODS, METHOD_UNKNOWN } from '../../../receiver/normalise/transaction-name';
import { foldedRouteName, OTHER_ROUTES } from '../route-budget';
import type { StatementCache } from './statement-cache';

/** SQL: the row's route is a matched one (a transaction name with a space: "GET /orders"). */
export const MATCHED_ROUTE_SQL = `instr(route, ' ') > 0`;

// The fold names are always admitted, so route_names does not list them (route-budget.ts).
const FOLD_NAMES = JSON.stringify([...[...KNOWN_METHODS, METHOD_UNKNOWN].map((m) => foldedRouteName(`${m} /`)), OTHER_ROUTES]);

/**
 * SQL: the row's route is one of the service's matched routes, as a list the route-keyed tables'
 * keys (service, route, t) are sought by, one time range per route: a filter on the route column
 * alone read every row the service ever kept. Parameters: matchedRouteParams.
 */
export const MATCHED_ROUTE_IN_SQL = `route IN (SELECT route FROM route_names WHERE service = ? AND ${MATCHED_ROUTE_SQL} UNION ALL SELECT value FROM json_each(?))`;

export function matchedRouteParams(service: string): [string, string] {
  return [service, FOLD_NAMES];
}

// The requests no route matched are the transactions named by a method alone (a bounded set,
// always admitted by the route budget): the route-keyed rows hold them apart, so an error rate can
// leave their successes out (store/error-rate.ts) without a count of its own.
const UNMATCHED_NAMES = JSON.stringify([...KNOWN_METHODS, METHOD_UNKNOWN]);

/** SQL: the row's route is a method alone: no route matched its requests. Parameters: unmatchedRouteParams. */
export const UNMATCHED_ROUTE_IN_SQL = `route IN (SELECT value FROM json_each(?))`;

/**
 * The same as a list of literals, no parameters: the term of the partial index on the request
 * rows no route matched (req_minute_unmatched, migration 17), which SQLite uses only for a query
 * that holds this very term. A method added to KNOWN_METHODS needs a migration that rebuilds the
 * index on the new list (test/collector/unmatched-minutes-index.test.ts says so).
 */
export const UNMATCHED_ROUTE_LITERAL_SQL = `route IN (${[...KNOWN_METHODS, METHOD_UNKNOWN].map((m) => `'${m}'`).join(', ')})`;

export function unmatchedRouteParams(): [string] {
  return [UNMATCHED_NAMES];
}

/** Whether the service has a matched route stored (route_names: every route name it added). */
export function namesRoutes(stmts: StatementCache, service: string): boolean {
  return stmts.get(`SELECT 1 FROM route_names WHERE service = ? AND ${MATCHED_ROUTE_SQL} LIMIT 1`).get(service) !== undefined;
}
