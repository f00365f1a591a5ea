// Reading and bounding the query API's parameters. Nothing in a query string is trusted:
// every value is checked here and turned into a 400 with a message saying which parameter
// was wrong and what was expected.
import type { EventType } from '../api-types';
import type { RangeQuery } from '../store/storage';
import { transactionNameProblem } from '../receiver/normalise/transaction-name';
import { parseDuration } from '../config/parse-units';
import { badParam, badRange } from './api-error';

export type RawQuery = Record<string, unknown>;

export const DEFAULT_RANGE_MS = 3_600_000;
export const MAX_RANGE_MS = 31 * 86_400_000;
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** Transactions listed when no limit is asked: the top routes by total time (the rest counted). */
export const DEFAULT_TRANSACTIONS_LIMIT = 200;
/** Paging stops here: further than this, a narrower range or filter says more. */
export const MAX_OFFSET = 100_000;

/** The named ranges the dashboard offers. */
export const NAMED_RANGES: Readonly<Record<string, number>> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 86_400_000,
};

const EVENT_TYPES: readonly EventType[] = ['stall', 'start', 'restart', 'uncaught_exception', 'unhandled_rejection', 'worker_exit', 'stop'];

/** One string parameter, or undefined; repeated (`?a=1&a=2`) or nested parameters are a 400. */
export function stringParam(query: RawQuery, name: string, maxLength = 512): string | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw badParam(`${name} must be given once, as a plain value`);
  if (value.length > maxLength) throw badParam(`${name} is longer than ${maxLength} characters`);
  return value;
}

function epochMsParam(query: RawQuery, name: string): number | undefined {
  const raw = stringParam(query, name, 20);
  if (raw === undefined) return undefined;
  if (!/^\d{1,16}$/.test(raw)) throw badRange(`${name} must be epoch milliseconds (a whole number), got ${JSON.stringify(raw)}`);
  const ms = Number(raw);
  // The largest time a Date holds (ECMA-262 §21.4.1.1); past it no timestamp can be formatted.
  if (ms > MAX_EPOCH_MS) throw badRange(`${name} must be epoch milliseconds up to ${MAX_EPOCH_MS}, got ${raw}`);
  return ms;
}

const MAX_EPOCH_MS = 8.64e15;

/**
 * `?from&to` (epoch ms) or `?range=15m|1h|6h|24h|7d`, default the last hour. A lone `from`
 * runs to now; a lone `to` looks back one hour. At most 31 days; `to` not before `from`.
 */
export function rangeParams(query: RawQuery, now: number): RangeQuery {
  const range = stringParam(query, 'range', 8);
  let from = epochMsParam(query, 'from');
  let to = epochMsParam(query, 'to');
  if (range !== undefined) {
    if (from !== undefined || to !== undefined) throw badRange('give either range or from/to, not both');
    const span = NAMED_RANGES[range];
    if (span === undefined) throw badRange(`range must be one of ${Object.keys(NAMED_RANGES).join(', ')}`);
    return { from: now - span, to: now };
  }
  if (from === undefined && to === undefined) return { from: now - DEFAULT_RANGE_MS, to: now };
  to ??= from !== undefined ? Math.max(now, from) : now;
  if (from === undefined && to < DEFAULT_RANGE_MS) {
    // A lone `to` looks back an hour; from `to=1` that is before 1970, a range no data can be
    // in (answered before as `from: -3599999`, as if it were a real window).
    throw badRange(`to ${to} alone looks back one hour, to before 1970 (epoch 0): give from as well, or a later to (epoch milliseconds)`);
  }
  from ??= to - DEFAULT_RANGE_MS;
  if (to < from) throw badRange('to must not be before from');
  if (to - from > MAX_RANGE_MS) throw badRange('the range may span at most 31 days');
  return { from, to };
}

/**
 * The range widened to whole minutes, [floor(from), ceil(to)): what rollup-based totals really
 * count (the finest rollup is a minute, so a minute the range touches counts whole), echoed so
 * an answer never claims a narrower window than its figures cover.
 */
export function wholeMinutes(range: RangeQuery): RangeQuery {
  return { from: Math.floor(range.from / MINUTE_MS) * MINUTE_MS, to: Math.ceil(range.to / MINUTE_MS) * MINUTE_MS };
}

const MINUTE_MS = 60_000;

/**
 * `route` as a transaction filter: "METHOD /path" or the method alone, as transactions are
 * named (a path alone matches nothing and used to answer a range of nulls, read as no traffic).
 */
export function transactionRouteParam(query: RawQuery): string | undefined {
  const route = stringParam(query, 'route');
  if (route === undefined) return undefined;
  const problem = transactionNameProblem(route, 'GET');
  if (problem !== null) throw badParam(`${problem} (GET /api/services/:service/transactions lists them)`);
  return route;
}

export function limitParam(query: RawQuery, defaultLimit = DEFAULT_LIMIT): number {
  const raw = stringParam(query, 'limit', 8);
  if (raw === undefined) return defaultLimit;
  if (!/^\d+$/.test(raw)) throw badParam(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  const limit = Number(raw);
  if (limit < 1 || limit > MAX_LIMIT) throw badParam(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return limit;
}

export function booleanParam(query: RawQuery, name: string): boolean | undefined {
  const raw = stringParam(query, name, 8);
  if (raw === undefined) return undefined;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw badParam(`${name} must be true or false`);
}

export function nonNegativeNumberParam(query: RawQuery, name: string): number | undefined {
  const raw = stringParam(query, name, 24);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || value < 0) throw badParam(`${name} must be a number ≥ 0`);
  return value;
}

/** How long each side of a deploy is compared over when no `window` is asked (the deployments). */
export const DEFAULT_DEPLOY_WINDOW_MS = 30 * MINUTE_MS;
const MAX_DEPLOY_WINDOW_MS = 24 * 60 * MINUTE_MS;

/** `window`: a duration in whole minutes ("15m", "1h"), from 1 minute to 24 hours; 30 minutes when absent. */
export function deployWindowParam(query: RawQuery): number {
  const raw = stringParam(query, 'window', 8);
  if (raw === undefined) return DEFAULT_DEPLOY_WINDOW_MS;
  const ms = parseDuration(raw);
  if (ms === null || ms % MINUTE_MS !== 0 || ms > MAX_DEPLOY_WINDOW_MS) throw badParam(`window must be whole minutes from 1m to 24h (as 15m, 30m or 1h), got ${JSON.stringify(raw)}`);
  return ms;
}

/** Rows to skip (paging): a whole number from 0 to MAX_OFFSET, 0 when absent. */
export function offsetParam(query: RawQuery): number {
  const raw = stringParam(query, 'offset', 8);
  if (raw === undefined) return 0;
  const offset = Number(raw);
  if (!/^\d+$/.test(raw) || offset > MAX_OFFSET) throw badParam(`offset must be a whole number from 0 to ${MAX_OFFSET}`);
  return offset;
}

/** `routes=matched`: only the requests that matched a route (a service's series, as latency alert rules read it). */
export function matchedRoutesParam(query: RawQuery): boolean {
  const raw = stringParam(query, 'routes', 16);
  if (raw === undefined) return false;
  if (raw !== 'matched') throw badParam('routes must be matched');
  return true;
}

/** How a trace list is ordered: newest first (start) or slowest first (duration). */
export function traceSortParam(query: RawQuery): 'start' | 'duration' | undefined {
  const raw = stringParam(query, 'sort', 16);
  if (raw === undefined) return undefined;
  if (raw !== 'start' && raw !== 'duration') throw badParam('sort must be start or duration');
  return raw;
}

/**
 * `type`: one event type, or several comma-separated (`start,restart`): the service page reads
 * its few lifecycle events apart from the stalls, which can be hundreds a minute.
 */
export function eventTypeParam(query: RawQuery): EventType[] | undefined {
  const raw = stringParam(query, 'type', 256);
  if (raw === undefined) return undefined;
  return [...new Set(raw.split(','))].map((name) => {
    const type = EVENT_TYPES.find((t) => t === name);
    if (type === undefined) throw badParam(`type must be one or more of ${EVENT_TYPES.join(', ')}, comma-separated`);
    return type;
  });
}

/** Trace ids are 32 lower- or upper-case hex digits (W3C Trace Context); stored lower-case. */
export function traceIdParam(raw: string): string {
  if (!/^[0-9a-f]{32}$/i.test(raw)) throw badParam('traceId must be 32 hexadecimal digits');
  return raw.toLowerCase();
}

export function serviceParam(raw: string): string {
  if (raw.length === 0 || raw.length > 512) throw badParam('service must be 1 to 512 characters');
  return raw;
}
