// A span for the route handler of a traced fastify request (NestJS on its fastify adapter too),
// as express's layers have one: a stall or a query inside the handler then hangs under something
// app-shaped, not straight under the server span. Named as OpenTelemetry's fastify
// instrumentation (@fastify/otel) names it — `handler - <the handler's name, else the plugin's>`,
// with `fastify.type: request-handler`, `hook.name`, `hook.callback.name` and `http.route`.
//
// Each route's handler is wrapped where the route is added (an onRoute hook given to every app
// as it is created, on the `fastify.initialization` channel, the way the route hooks of
// signals/frameworks.ts are added): a light request pays one call and one context lookup, and
// gets no span. The handler channel of fastify (`fastify.request.handler`) cannot do it: its
// subscribers run beside the handler, not around it, so they cannot make the span the
// handler's active one. Hooks get no spans: each would be a wrapper on every hook of every
// request, and fastify tells async hooks from callback ones by their arity and AsyncFunction
// constructor, which a wrapper would have to imitate.
import { context, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, report } from '../report';
import { ATTR } from '../signals/meter';
import { isHook, markHook } from './method-hooks';
import { activeRequest, type RequestState } from './request-state';

type Handler = (this: unknown, request: unknown, reply: FastifyReply) => unknown;

interface FastifyReply {
  /** The response ended (or was hijacked). */
  sent?: boolean;
}

interface RouteOptions {
  handler?: unknown;
  url?: unknown;
}

interface FastifyInstance {
  addHook(name: 'onRoute', hook: (this: FastifyInstance, route: RouteOptions) => void): unknown;
  /** 'fastify', or the chain of plugin names down to the one adding the route ('fastify -> users'). */
  pluginName?: unknown;
}

/** A thrown error fastify answers with a 4xx (its statusCode): the client's, not the handler's failure. */
function isClientError(err: unknown): boolean {
  const { statusCode, status } = (err ?? {}) as { statusCode?: unknown; status?: unknown };
  const code = statusCode ?? status;
  return typeof code === 'number' && code >= 400 && code < 500;
}

function endSpan(span: Span, err: unknown, endEpochMs?: number): void {
  if (err !== undefined && !isClientError(err)) {
    if (err instanceof Error) span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  span.end(endEpochMs);
}

/**
 * Runs the handler of a traced request inside its span. The span ends when the handler is done:
 * an async handler's promise settled, a sync handler returned having answered; a callback-style
 * handler, which answers later, ends with the request (request-state.ts `layerEnds`).
 */
function runInSpan(tracer: Tracer, name: string, attributes: Attributes, state: RequestState, handler: Handler, self: unknown, request: unknown, reply: FastifyReply): unknown {
  const parent = context.active();
  let span: Span;
  try {
    // No start time given: precise-span-start.ts puts the SDK's on the server span's clock.
    span = tracer.startSpan(name, { attributes }, parent);
  } catch (err) {
    report('internal', `fastify handler span: ${describe(err)}`);
    return handler.call(self, request, reply);
  }
  let open = true;
  // Also called from a `then` of the app's promise: a throw there would be an unhandled rejection.
  const end = (err: unknown, endEpochMs?: number): void => {
    if (!open) return;
    open = false;
    try {
      endSpan(span, err, endEpochMs);
    } catch (failure) {
      report('internal', `fastify handler span: ${describe(failure)}`);
    }
  };
  (state.layerEnds ??= []).push(end);
  let result: unknown;
  try {
    result = context.with(trace.setSpan(parent, span), handler, self, request, reply);
  } catch (err) {
    end(err);
    throw err;
  }
  if (result !== null && typeof (result as { then?: unknown } | undefined)?.then === 'function') {
    // Fastify's own `then` on the same promise answers the request: this one only times it.
    (result as PromiseLike<unknown>).then(
      () => end(undefined),
      (err: unknown) => end(err),
    );
  } else if (result !== undefined || reply?.sent === true) {
    end(undefined);
  }
  return result;
}

function wrapHandler(tracer: Tracer, handler: Handler, route: string | undefined, pluginName: string): Handler {
  const callbackName = handler.name.length > 0 ? handler.name : 'anonymous';
  const name = `handler - ${handler.name.length > 0 ? handler.name : pluginName}`;
  const attributes: Attributes = {
    'hook.name': `${pluginName} - route-handler`,
    'fastify.type': 'request-handler',
    'hook.callback.name': callbackName,
    ...(route !== undefined && { [ATTR.route]: route }),
  };
  const wrapped = function (this: unknown, request: unknown, reply: FastifyReply): unknown {
    const state = activeRequest(context.active());
    if (state === undefined || state.mode === 'light') return handler.call(this, request, reply);
    return runInSpan(tracer, name, attributes, state, handler, this, request, reply);
  };
  // The app's own onRoute hooks and plugins see the handler's name, not the wrapper's.
  Object.defineProperty(wrapped, 'name', { value: handler.name });
  return markHook(wrapped, handler);
}

// A plugin's name, or a chain of them ('fastify -> users'). Fastify names a plugin function
// without a name by the first lines of its source ("async (admin) => { -- admin.get(…"): no
// name for a span, so such a plugin is 'anonymous', as @fastify/otel calls a nameless hook.
const PLAIN_NAME = /^[^\s(){}=]+(?: -> [^\s(){}=]+)*$/;

function pluginNameOf(app: FastifyInstance): string {
  const name = app.pluginName;
  return typeof name === 'string' && PLAIN_NAME.test(name) ? name : 'anonymous';
}

/** The onRoute hook: wraps the route's handler once (a HEAD route copied from a GET carries the GET's wrapper). */
function handlerSpanHook(tracer: Tracer): (this: FastifyInstance, route: RouteOptions) => void {
  return function wrapRouteHandler(this: FastifyInstance, route: RouteOptions): void {
    try {
      const handler = route.handler;
      if (typeof handler !== 'function' || isHook(handler)) return;
      route.handler = wrapHandler(tracer, handler as Handler, typeof route.url === 'string' ? route.url : undefined, pluginNameOf(this));
    } catch (err) {
      // The route keeps its own handler, without a span.
      report('internal', `fastify handler span: ${describe(err)}`);
    }
  };
}

/** Gives every fastify app created from now on handler spans for its traced requests; returns the unsubscribe. */
export function watchFastifyHandlers(tracer: Tracer): () => void {
  const onRoute = handlerSpanHook(tracer);
  const onInit = (message: unknown): void => {
    try {
      const app = (message as { fastify?: Partial<FastifyInstance> } | null)?.fastify;
      if (typeof app?.addHook === 'function') app.addHook('onRoute', onRoute);
    } catch (err) {
      report('internal', `fastify handler span: ${describe(err)}`);
    }
  };
  subscribe('fastify.initialization', onInit);
  return () => unsubscribe('fastify.initialization', onInit);
}
