// Which child spans are time spent downstream, and under what name: database calls (the
// `db.*` semantic conventions, stable `db.system.name` and the older `db.system`), the wait for
// a pooled connection, and outgoing HTTP calls (CLIENT spans with a request method). Attributes
// come from an app's instrumentation: bounded and never trusted.
import type { JsonValue } from '../api-types';

/** OTLP SpanKind values. */
const KIND_UNSPECIFIED = 0;
const KIND_INTERNAL = 1;
const KIND_CLIENT = 3;

const MAX_NAME = 64;
/** A statement key is the query's start: enough to tell statements apart on a page. */
const MAX_STATEMENT = 300;

/** Where a statement's key came from: a query's text, an operation (and collection), or only the span's name. */
export type StatementSource = 'query' | 'operation' | 'span';

export type Downstream =
  | { category: 'database'; system: string; statement: string; source: StatementSource }
  | { category: 'pool'; system: string; maxConnections: number | null }
  | { category: 'external'; peer: string };

/**
 * A pool checkout's span: the wait for a free connection (and a new connection's set-up, which
 * its own span inside counts as the database's). With every connection busy it is most of a
 * request's time — neither a query nor the app's code (QA s15: a pool of 2 and 20 requests at
 * once, 460 ms of waiting beside a 100 ms query read as postgresql's time, its top statement
 * "pg-pool.connect"). pg's instrumentation makes `pg-pool.connect`; the agent makes
 * `mysql2-pool.getConnection` (OTel's mysql2 instrumentation makes none).
 */
const POOL_CHECKOUT_SPANS: ReadonlySet<string> = new Set(['pg-pool.connect', 'mysql2-pool.getConnection']);

/** The pool's size where its checkout span says it: pg's `db.postgresql.max.client`, the agent's `db.client.connection.pool.max`. */
function poolMax(attrs: Attrs): number | null {
  const v = attrs['db.client.connection.pool.max'] ?? attrs['db.postgresql.max.client'];
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null;
}

type Attrs = Record<string, JsonValue>;

function text(attrs: Attrs, key: string): string | null {
  const v = attrs[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function bounded(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * A statement with its literals replaced: one key per statement however its values vary, and
 * no value of an app's data (a password in a WHERE clause) shown on a page. Instrumentations
 * already send parameterised text ($1, ?) when the app used parameters; this covers the rest.
 */
export function normaliseStatement(sql: string): string {
  const s = sql
    .replace(/'(?:[^']|'')*'/g, '?') // string literals ('' is an escaped quote)
    .replace(/\b0x[0-9a-f]+\b/gi, '?')
    .replace(/(?<![\w$.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?') // numbers, not $1 or t1 or a.5
    .replace(/\(\s*\?(?:\s*,\s*\?)+\s*\)/g, '(?)') // IN (?, ?, ?) → IN (?): one key for any list length
    .replace(/\s+/g, ' ')
    .trim();
  return bounded(s, MAX_STATEMENT);
}

/**
 * Key-value stores put the command's arguments in the statement (ioredis: "get session:9f3…"):
 * a key per session would make a statement per session, and show its key. Their command alone.
 */
const KEY_VALUE_SYSTEMS: ReadonlySet<string> = new Set(['redis', 'valkey', 'memcached']);

/** What a database span ran: its query text normalised, else its operation and collection, else its name. */
function statementOf(system: string, attrs: Attrs, spanName: string): { statement: string; source: StatementSource } {
  const operation = text(attrs, 'db.operation.name') ?? text(attrs, 'db.operation');
  const query = text(attrs, 'db.query.text') ?? text(attrs, 'db.statement');
  if (query !== null && KEY_VALUE_SYSTEMS.has(system)) {
    return { statement: bounded((operation ?? query.split(/\s/, 1)[0] ?? query).toUpperCase(), MAX_NAME), source: 'operation' };
  }
  if (query !== null) return { statement: normaliseStatement(query), source: 'query' };
  const collection = text(attrs, 'db.collection.name') ?? text(attrs, 'db.mongodb.collection') ?? text(attrs, 'db.sql.table');
  if (operation !== null) return { statement: bounded(collection !== null ? `${operation} ${collection}` : operation, MAX_STATEMENT), source: 'operation' };
  return { statement: bounded(spanName, MAX_STATEMENT), source: 'span' };
}

/**
 * The downstream a span waited on, or null when it is the app's own work. Database spans are
 * CLIENT spans by the conventions, but some instrumentations make them INTERNAL; any span
 * kind but server/consumer/producer counts then. External: CLIENT spans with an HTTP method.
 */
export function downstreamOf(kind: number, name: string, attrs: Attrs): Downstream | null {
  if (kind !== KIND_CLIENT && kind !== KIND_INTERNAL && kind !== KIND_UNSPECIFIED) return null;
  const system = text(attrs, 'db.system.name') ?? text(attrs, 'db.system');
  if (system !== null) {
    const db = bounded(system.toLowerCase(), MAX_NAME);
    if (POOL_CHECKOUT_SPANS.has(name)) return { category: 'pool', system: db, maxConnections: poolMax(attrs) };
    return { category: 'database', system: db, ...statementOf(db, attrs, name) };
  }
  if (kind === KIND_CLIENT && (text(attrs, 'http.request.method') ?? text(attrs, 'http.method')) !== null) {
    // Host and port: two services on one host (QA: both on 127.0.0.1) are two peers.
    const host = text(attrs, 'server.address') ?? text(attrs, 'net.peer.name') ?? 'unknown host';
    const port = attrs['server.port'] ?? attrs['net.peer.port'];
    const peer = typeof port === 'number' || (typeof port === 'string' && /^\d+$/.test(port)) ? `${host}:${String(port)}` : host;
    return { category: 'external', peer: bounded(peer.toLowerCase(), MAX_NAME) };
  }
  return null;
}
