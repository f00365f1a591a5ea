// What Headroom knows about one incoming request while it runs, reachable from the request's
// context (the stall probe and framework route hooks read it there). It *is* the request's
// RPC metadata, the object OTel's framework instrumentations write the route into (and
// fastify's channel hook): one context entry per request, not two. Express, koa and hapi
// routes have fields of their own (see routeOf).
import { createContextKey, type Context, type Span, type SpanContext } from '@opentelemetry/api';
import { getRPCMetadata, RPCType, type RPCMetadata } from '@opentelemetry/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TraceMode } from '../sampling/trace-budget';
import { mountRoute, type MountTrail } from './express-route-trail';

export interface RequestState {
  // RPC metadata (OTel core's HTTPMetadata): `span` is the server span, or a non-recording
  // placeholder for a light request; `route` is set by the framework.
  type: RPCType.HTTP;
  span: Span;
  route?: string;
  /** Tells Headroom's request state from RPC metadata someone else put in a context. */
  headroom: true;
  req: IncomingMessage;
  res: ServerResponse;
  server: Server | null;
  // Read from `req` at the start: express gives every request and response a map (hidden class)
  // of its own (Object.setPrototypeOf, then new properties), so from then on each property read
  // on them is an inline-cache miss, a lookup in V8's runtime (docs/agent.md, "Cost").
  /** The request's method, normalised (server-span.ts normalMethod). */
  method: string;
  socket: Socket | null;
  scheme: 'http' | 'https';
  /** The request's Content-Length, when declared. */
  inDeclared: number | null;
  /** performance.now() when the request's headers were parsed. */
  startAt: number;
  mode: TraceMode;
  /** The server span (sampled and recorded modes). */
  serverSpan: Span | null;
  /** The caller's span context, from traceparent; a light request's late span continues it. */
  remoteParent: SpanContext | null;
  /** Ids of a light request's server span, drawn when something needed them early (a stall span, an outgoing call's trace context). */
  lightIds: { traceId: string; spanId: string } | null;
  /** A stall span of this light request waits for its server span: written at the end whatever happened. */
  stallChild: boolean;
  queueWaitMs: number | null;
  bodyEndAt: number | null;
  /** performance.now() when the handler called `res.end()` (stamped from inside the request's context). */
  endAt: number | null;
  /** Bytes of a body of undeclared length read so far (slow-clients.ts countBodyBytes; 0 otherwise). */
  bytesIn: number;
  bytesOut0: number;
  /** performance.now() when the request finished (metrics recorded, span ended); null while it runs. */
  doneAt: number | null;
  /** Express's router dispatched this request (express-layers.ts): its route is expressRoute, not `route`. */
  routedByExpress: boolean;
  /** The pattern of the route layer express matched last; undefined while none has. */
  expressRoute: string | undefined;
  expressMounts: MountTrail | null;
  /** Ends the express layer and fastify handler spans still open (traced requests) when the request ends, at its end time. */
  layerEnds: ((err: undefined, endEpochMs: number) => void)[] | null;
  /** Koa's context for the request (koa-routes.ts): @koa/router leaves the route in it. */
  koaContext: { _matchedRoute?: unknown } | null;
  /** Hapi's request (hapi-routes.ts): its `route` is the one hapi matched. Undefined in other apps. */
  hapiRequest: HapiRequest | undefined;
  /** The first error the framework reported for the request (request-error.ts); undefined while none has. */
  error: unknown;
  /** performance.now() when that error was reported. */
  errorAt: number;
}

/** What Headroom reads of hapi's request: its route's public settings. */
export interface HapiRequest {
  route?: { method?: unknown; path?: unknown };
  /** What hapi answers: a Boom error (the error thrown, boomified in place) when the handler failed. */
  response?: unknown;
}

// The key @opentelemetry/core keeps RPC metadata under: context keys are `Symbol.for(description)`
// (the API's createContextKey), so getRPCMetadata reads the request state off a RequestContext.
const RPC_METADATA_KEY = createContextKey('OpenTelemetry SDK Context Key RPC_METADATA');

/**
 * A request's context: its parent plus the request state as RPC metadata. OTel's BaseContext
 * copies its whole Map and makes three closures for each value set; this is one small object
 * per request. A value set on it is set on the parent, so the chain stays one deep.
 */
class RequestContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly rpc: unknown,
  ) {}

  getValue(key: symbol): unknown {
    return key === RPC_METADATA_KEY ? this.rpc : this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return key === RPC_METADATA_KEY ? new RequestContext(this.parent, value) : new RequestContext(this.parent.setValue(key, value), this.rpc);
  }

  deleteValue(key: symbol): Context {
    return key === RPC_METADATA_KEY ? this.parent.deleteValue(key) : new RequestContext(this.parent.deleteValue(key), this.rpc);
  }
}

export function withRequest(ctx: Context, state: RequestState): Context {
  return new RequestContext(ctx, state);
}

/**
 * The request's route: express's from its own layers, koa's from its context, hapi's from its
 * request (OTel's express, koa and hapi instrumentations write the RPC metadata's `route` only
 * for requests with a span); any other framework's from the RPC metadata.
 */
export function routeOf(state: RequestState): string | undefined {
  if (state.routedByExpress) return state.expressRoute ?? mountRoute(state.expressMounts);
  const koaRoute = state.koaContext?._matchedRoute;
  if (typeof koaRoute === 'string') return koaRoute;
  if (koaRoute instanceof RegExp) return String(koaRoute);
  if (state.hapiRequest !== undefined) return hapiRouteOf(state.hapiRequest);
  return state.route;
}

/** Hapi's route: until hapi routes the request, and when nothing matched, its not-found route, which is no route of the app. */
function hapiRouteOf(request: HapiRequest): string | undefined {
  const route = request.route;
  return route?.method !== '_special' && typeof route?.path === 'string' ? route.path : undefined;
}

export function activeRequest(ctx: Context): RequestState | undefined {
  return asRequestState(getRPCMetadata(ctx));
}

/** RPC metadata that is Headroom's request state, as such. */
export function asRequestState(rpc: RPCMetadata | undefined): RequestState | undefined {
  return (rpc as Partial<RequestState> | undefined)?.headroom === true ? (rpc as RequestState) : undefined;
}
