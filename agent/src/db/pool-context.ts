// Database pool callbacks run in the context of the code that asked, not of whoever freed a
// connection. A pool that is busy queues a checkout and calls it back from the release of
// another request's client (pg-pool: `_release` → `_pulseQueue`, synchronously); a pooled
// connection's socket calls its query callbacks in the context it was opened in (a request
// long gone, often). Whatever the callback does next — the query that makes the span, the next
// query, an outgoing call, a stall — then belongs to that other request.
//
// OTel's pg instrumentation binds these callbacks to the caller's context only when that context
// holds a span (`if (parentSpan)` in its Pool.connect and Client.query patches). Headroom's light
// requests (most of them: no span, tracing suppressed, http-server/server-hook.ts) hold none, so
// their queued checkouts ran in the releasing request's context: a recorded request that freed a
// client collected the light requests' queries (QA: 90–140 of them in one trace of a 21-query
// route) while the light requests' own work escaped suppression. Putting a placeholder span in
// every light context would make the pg instrumentation bind, but also make the koa and hapi
// instrumentations wrap every middleware of every light request (they skip without a parent
// span): a cost on every request, not only on those that query. So the callbacks are bound here,
// whatever the context — a light request, a recorded one (bound twice then: OTel's binding is
// the inner one and wins, to the same context) or none (a job's query stays out of requests).
// The cost is a closure per checkout and per callback-style query; promise-style calls pass
// untouched (their continuations already run in the awaiting context).
import { context } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { hookMethod, unhookMethod } from '../http-server/method-hooks';

type Method = (this: unknown, ...args: unknown[]) => unknown;
type WithPrototype = { prototype?: Record<string, unknown> } | undefined;

/** An ES module namespace's default export (import-in-the-middle), or the CommonJS exports. */
function exportsOf<T>(module: unknown): T {
  const m = module as { [Symbol.toStringTag]?: unknown; default?: unknown };
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

function hookPrototype(cls: WithPrototype, names: string[]): void {
  for (const name of names) hookMethod<Method>(cls?.prototype, name, bindingLastCallback);
}

function unhookPrototype(cls: WithPrototype, names: string[]): void {
  for (const name of names) unhookMethod(cls?.prototype, name);
}

export class PoolContextInstrumentation extends InstrumentationBase {
  constructor(config: InstrumentationConfig = {}) {
    super('@headroom/agent/pool-context', '0.1.0', config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      // pg-pool's Pool is the module; pg's Pool extends it. connect(cb): the checkout, queued
      // when the pool is full. The versions OTel's pg instrumentation covers.
      new InstrumentationNodeModuleDefinition(
        'pg-pool',
        ['>=2.0.0 <4'],
        (module: unknown) => {
          hookPrototype(exportsOf<WithPrototype>(module), ['connect']);
          return module;
        },
        (module: unknown) => unhookPrototype(exportsOf<WithPrototype>(module), ['connect']),
      ),
      // Client.query(…, cb): called back from the socket's events, in the context the
      // connection was opened in (pg-pool's own query() releases the client from there, which
      // serves the next queued checkout).
      new InstrumentationNodeModuleDefinition(
        'pg',
        ['>=8.0.3 <9'],
        (module: unknown) => {
          hookPrototype(exportsOf<{ Client?: WithPrototype }>(module)?.Client, ['query']);
          return module;
        },
        (module: unknown) => unhookPrototype(exportsOf<{ Client?: WithPrototype }>(module)?.Client, ['query']),
      ),
    ];
  }
}
