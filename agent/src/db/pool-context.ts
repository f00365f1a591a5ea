// Database pool callbacks run in the context of the code that asked, not of whoever freed a
// connection. A pool that is busy queues a checkout and calls it back from the release of
// another request's connection (pg-pool: `_release` → `_pulseQueue`, synchronously; mysql2:
// `releaseConnection` → `process.nextTick`); a pooled connection's socket calls its query
// callbacks in the context it was opened in (a request long gone, often). Whatever the callback
// does next — the query that makes the span, the next query, an outgoing call, a stall — then
// belongs to that other request.
//
// pg: OTel's instrumentation binds these callbacks to the caller's context only when that
// context holds a span (`if (parentSpan)` in its Pool.connect and Client.query patches).
// Headroom's light requests (most of them: no span, tracing suppressed, http-server/server-hook.ts)
// hold none, so their queued checkouts ran in the releasing request's context: a recorded request
// that freed a client collected the light requests' queries (QA: 90–140 of them in one trace of
// a 21-query route) while the light requests' own work escaped suppression. Putting a placeholder
// span in every light context would make the pg instrumentation bind, but also make the koa and
// hapi instrumentations wrap every middleware of every light request (they skip without a parent
// span): a cost on every request, not only on those that query.
// mysql2: its instrumentation binds nothing, for any caller; with the pool busy, every queued
// query ran, and was traced, in the context of the request whose connection freed up (traced
// requests kept none of their own queries, one trace collected them all).
//
// So the callbacks are bound here, whatever the context — a light request, a recorded one (bound
// twice then, both times to that request) or none (a job's query stays out of requests). The cost
// is a closure per checkout and per callback-style query; promise-style calls pass untouched
// (their continuations already run in the awaiting context). A mysql2 checkout in a recorded
// request is timed too (pool-wait-span.ts): pg's instrumentation makes that span, mysql2's not.
import { context, type Tracer } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { hookMethod, unhookMethod } from '../http-server/method-hooks';
import { startMysql2Checkout } from './pool-wait-span';

type Method = (this: unknown, ...args: unknown[]) => unknown;
type WithPrototype = { prototype?: object } | undefined;

/** An ES module namespace's default export (import-in-the-middle), or the CommonJS exports. */
function exportsOf<T>(module: unknown): T {
  const m = module as { [Symbol.toStringTag]?: unknown; default?: unknown } | undefined;
  return (m?.[Symbol.toStringTag] === 'Module' ? m.default : module) as T;
}

/** `original` with its last argument, when a function, bound to the caller's context. */
function bindingLastCallback(original: Method): Method {
  return function (this: unknown, ...args: unknown[]): unknown {
    const last = args.length - 1;
    if (last >= 0 && typeof args[last] === 'function') args[last] = context.bind(context.active(), args[last] as Method);
    return original.apply(this, args);
  };
}

/**
 * mysql2's Pool.getConnection(cb) with its callback bound to the caller's context, as above, and
 * the checkout's wait as a span when the caller records (the promise API and pool.query check out
 * through it too).
 */
function timedMysql2Checkout(tracer: () => Tracer): (original: Method) => Method {
  return (original) =>
    function (this: unknown, ...args: unknown[]): unknown {
      const last = args.length - 1;
      const callback = args[last];
      if (last >= 0 && typeof callback === 'function') {
        const caller = context.active();
        const bound = context.bind(caller, callback as Method);
        const end = startMysql2Checkout(tracer(), caller, this);
        args[last] =
          end === undefined
            ? bound
            : function (this: unknown, ...results: unknown[]): unknown {
                end(results[0]);
                return bound.apply(this, results);
              };
      }
      return original.apply(this, args);
    };
}

/**
 * The object on `proto`'s chain that holds `name` itself: the one OTel's instrumentations wrap
 * too (mysql2 3.11.5+ keeps its methods on base classes). A hook on a subclass would capture the
 * base's method as it is now, and miss OTel's wrapper if that comes later.
 */
function ownerOf(proto: object | undefined, name: string): object | undefined {
  for (let p = proto; p !== undefined && p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | undefined) {
    if (Object.hasOwn(p, name)) return p;
  }
  return undefined;
}

function hookClass(cls: WithPrototype, names: readonly string[]): void {
  for (const name of names) hookMethod<Method>(ownerOf(cls?.prototype, name), name, bindingLastCallback);
}

function unhookClass(cls: WithPrototype, names: readonly string[]): void {
  for (const name of names) unhookMethod(ownerOf(cls?.prototype, name), name);
}

/** Hooks `names` on the class a module exports (`pick` finds it in the exports). */
function classHooks(names: readonly string[], pick: (exports: unknown) => WithPrototype = (e) => e as WithPrototype) {
  return {
    patch: (module: unknown): unknown => {
      hookClass(pick(exportsOf(module)), names);
      return module;
    },
    unpatch: (module: unknown): void => unhookClass(pick(exportsOf(module)), names),
  };
}

export class PoolContextInstrumentation extends InstrumentationBase {
  constructor(config: InstrumentationConfig = {}) {
    super('@headroom/agent/pool-context', '0.1.0', config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    // The versions OTel's pg and mysql2 instrumentations cover.
    const pgPool = classHooks(['connect']);
    const pgClient = classHooks(['query'], (e) => (e as { Client?: WithPrototype } | undefined)?.Client);
    const mysql2Pool = classHooks(['query', 'execute']);
    const mysql2Checkout = (module: unknown): object | undefined => ownerOf(exportsOf<WithPrototype>(module)?.prototype, 'getConnection');
    const mysql2Connection = classHooks(['query', 'execute']);
    return [
      // pg-pool's Pool is the module (pg's Pool extends it); connect(cb) is the checkout, queued
      // when the pool is full.
      new InstrumentationNodeModuleDefinition('pg-pool', ['>=2.0.0 <4'], pgPool.patch, pgPool.unpatch),
      // Client.query(…, cb): called back from the socket's events. pg-pool's own query()
      // releases the client from there, which serves the next queued checkout.
      new InstrumentationNodeModuleDefinition('pg', ['>=8.0.3 <9'], pgClient.patch, pgClient.unpatch),
      // Pool.getConnection(cb) is the checkout; Pool.query/execute(…, cb) and a connection's
      // query/execute(…, cb) are called back from the socket's events. The promise API calls
      // these with callbacks of its own.
      new InstrumentationNodeModuleDefinition('mysql2', ['>=1.4.2 <4'], undefined, undefined, [
        new InstrumentationNodeModuleFile(
          'mysql2/lib/pool.js',
          ['>=1.4.2 <4'],
          (module: unknown) => {
            hookMethod<Method>(mysql2Checkout(module), 'getConnection', timedMysql2Checkout(() => this.tracer));
            return mysql2Pool.patch(module);
          },
          (module: unknown) => {
            unhookMethod(mysql2Checkout(module), 'getConnection');
            mysql2Pool.unpatch(module);
          },
        ),
        new InstrumentationNodeModuleFile('mysql2/lib/connection.js', ['>=1.4.2 <4'], mysql2Connection.patch, mysql2Connection.unpatch),
      ]),
    ];
  }
}
