// A web transaction's name, made here and nowhere else, so every table, API, advisor finding
// and alert scope reads the same string: the method and the route, "GET /users/:id" — how the
// HTTP semantic conventions name a server span ("{method} {http.route}") and how APMs name a
// transaction. A GET and a POST on one path are two transactions.
import type { Attributes } from '../../model';
import { str } from './attributes';
import { boundName, NAME_LIMITS } from './name-limits';

// The semconv's known methods (RFC 9110, PATCH, QUERY); anything else is `_OTHER`, as the
// conventions ask of instrumentations. Re-checked here because a sender's value becomes part of
// every route key: an unbounded method would multiply the rows of every table.
export const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH', 'QUERY']);
export const METHOD_UNKNOWN = '_OTHER';

/** `http.request.method` (or the older `http.method`), bounded to the known methods; null when absent. */
export function httpMethod(attrs: Attributes): string | null {
  const method = str(attrs, 'http.request.method') ?? str(attrs, 'http.method');
  if (method === null) return null;
  return KNOWN_METHODS.has(method) ? method : METHOD_UNKNOWN;
}

/**
 * "METHOD route". With no route (nothing matched: a 404, middleware that answered), the method
 * alone, as the semconv names such a span: "GET". With no method (senders before the agent
 * reported one on stalls), the route alone, as older rows are named. The route is bounded
 * (name-limits.ts) here, where every signal's name is made, so metrics, spans and events agree.
 */
export function transactionName(method: string | null, route: string | null): string | null {
  if (route !== null && route !== '') {
    const bounded = boundName('route', route);
    return method !== null ? `${method} ${bounded}` : bounded;
  }
  return method;
}

/**
 * The `http.route` attribute cut as the route in the transaction name is, so a span's or
 * event's attributes agree with its route column.
 */
export function boundRouteAttribute(attrs: Attributes): void {
  const route = attrs['http.route'];
  if (typeof route === 'string' && route.length > NAME_LIMITS.route) attrs['http.route'] = boundName('route', route);
}

/**
 * Why `route`, as a user gives it (an alert rule's scope, an API filter), is not a transaction
 * name, or null when it is: "METHOD route", or the method alone (no route matched). A path
 * alone, the form before transactions were named by method, matches no data; said with an
 * example in `exampleMethod`.
 */
export function transactionNameProblem(route: string, exampleMethod: string): string | null {
  const space = route.indexOf(' ');
  const method = space < 0 ? route : route.slice(0, space);
  const isMethod = KNOWN_METHODS.has(method) || method === METHOD_UNKNOWN;
  if (isMethod && (space < 0 || route.length > space + 1)) return null;
  const form = 'transactions are "METHOD /path"';
  if (route.startsWith('/')) return `route ${JSON.stringify(route)} names no method: ${form}, e.g. ${JSON.stringify(`${exampleMethod} ${route}`)}`;
  const methods = [...KNOWN_METHODS, METHOD_UNKNOWN].join(', ');
  return `route ${JSON.stringify(route)} is not a transaction name: ${form} or the method alone (no route matched), the method one of ${methods}`;
}
