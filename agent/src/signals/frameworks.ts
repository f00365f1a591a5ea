// Route names and handler errors from frameworks the auto-instrumentations do not cover.
// Fastify 5 publishes its route on the `fastify.request.handler` tracing channel
// (node:diagnostics_channel), so the route is taken from there — no patching — and put in the
// request's route metadata, where Headroom's server hook reads it for `http.route` on the
// server span and the request metrics. A request answered before its handler is named by an
// onRequest hook added to each app as it is created (the `fastify.initialization` channel). The same channel's `error` event carries what a handler
// threw or rejected with (and a preHandler hook's error), in the request's context; an onError
// hook added beside the onRequest one sees the rest of fastify's error path: an error handed to
// `reply.send` (what a callback-style handler does) and an onSend hook's (QA s14: both read
// "HTTP 500, no message recorded").
import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { subscribe } from 'node:diagnostics_channel';
import { noteActiveRequestError } from '../http-server/request-error';
import { guard } from '../report';
import { ATTR } from './meter';

interface FastifyHandlerMessage {
  route?: { url?: unknown };
  error?: unknown;
}

interface FastifyInstance {
  addHook(name: 'onRequest', hook: (request: object, reply: unknown, done: () => void) => void): unknown;
  addHook(name: 'onError', hook: (request: object, reply: unknown, error: unknown, done: () => void) => void): unknown;
}

/** The route pattern as the active request's route, unless one is known already. */
function noteRoute(url: unknown): void {
  if (typeof url !== 'string') return;
  const rpc = getRPCMetadata(context.active());
  if (rpc?.type !== RPCType.HTTP || rpc.route !== undefined) return;
  rpc.route = url;
  rpc.span.setAttribute(ATTR.route, url);
}

// Fastify's request holds its route's context under a private symbol (lib/symbols.js
// kRouteContext, "fastify.context"), whose `config.url` is the pattern — undefined for the
// not-found handler (what request.is404 reads). Found once on the first request: the public
// request.routeOptions builds an object of ten properties on every read.
let routeContextKey: symbol | null | undefined;

function fastifyRoute(request: object): unknown {
  if (routeContextKey === undefined) routeContextKey = Object.getOwnPropertySymbols(request).find((s) => s.description === 'fastify.context') ?? null;
  if (routeContextKey === null) return (request as { routeOptions?: { url?: unknown } }).routeOptions?.url;
  return ((request as Record<symbol, { config?: { url?: unknown } } | undefined>)[routeContextKey])?.config?.url;
}

/**
 * The first onRequest hook of every fastify app (added as the app is created, before the app's
 * own): a request answered before its handler — an auth hook's 401, the body parser's 400 or
 * 415 — never reaches the handler channel, and was named by its method alone.
 */
function routeHook(request: object, _reply: unknown, done: () => void): void {
  try {
    noteRoute(fastifyRoute(request));
  } catch {
    // Never into the app's request: the handler channel names the route if it runs.
  }
  done();
}

/** Every error on fastify's error path, before its error handler answers it (run on errors only). */
function errorHook(_request: object, _reply: unknown, error: unknown, done: () => void): void {
  try {
    noteActiveRequestError(error);
  } catch {
    // the error stays unrecorded; fastify handles it as usual
  }
  done();
}

export function watchFrameworkRoutes(): void {
  subscribe(
    'fastify.initialization',
    guard('fastify hook', (message: unknown) => {
      const app = (message as { fastify?: Partial<FastifyInstance> } | null)?.fastify;
      if (typeof app?.addHook !== 'function') return;
      app.addHook('onRequest', routeHook);
      app.addHook('onError', errorHook);
    }),
  );
  subscribe(
    'tracing:fastify.request.handler:start',
    guard('fastify route', (message: unknown) => noteRoute((message as FastifyHandlerMessage | null)?.route?.url)),
  );
  subscribe(
    'tracing:fastify.request.handler:error',
    guard('fastify error', (message: unknown) => noteActiveRequestError((message as FastifyHandlerMessage | null)?.error)),
  );
}
