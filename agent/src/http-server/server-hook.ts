// Headroom's own instrumentation of incoming HTTP requests (http and https servers, and every
// framework on them), in place of OpenTelemetry's: OTel's costs about as much CPU per request
// as a hello-world express app spends in all (docs/agent.md has the measurements), because it
// builds a span with a dozen attributes for every request. Here every request gets its
// metrics and Headroom's signals from a few property reads; spans are made only for the
// requests the trace budget records (sampling/trace-budget.ts), and for a light request that
// turned out to matter (an error, slow, a stall), its server span is written at its end.
//
// `Server.prototype.emit('request')` is wrapped, as OTel's http instrumentation does, because
// the handler has to run inside the request's context (for child spans, and for the route
// frameworks report there); diagnostics_channel cannot do that.
import { context, INVALID_SPAN_CONTEXT, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Context, type SpanContext, type Tracer } from '@opentelemetry/api';
import { RPCType, suppressTracing } from '@opentelemetry/core';
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { describe, report } from '../report';
import type { ErrorTraceCap } from '../sampling/error-trace-cap';
import type { PresetIdGenerator } from '../sampling/id-generator';
import { keepTrace } from '../sampling/keep-decision';
import { ROUTE_P90_ATTR, type RouteLatency, type RouteSlowness } from '../sampling/route-slowness';
import { withTraceMode } from '../sampling/sampler';
import type { TraceBudget, TraceMode } from '../sampling/trace-budget';
import type { InFlightTracker } from '../signals/capacity';
import { ATTR } from '../signals/meter';
import { queueWaitFromHeaders } from '../signals/queue-wait';
import type { RequestStarts } from '../signals/request-starts';
import type { StallParent } from '../signals/stalls';
import { countBodyBytes, declaredLength, hasBody, patchResponseEnd } from '../signals/slow-clients';
import { errorTypeOf } from './request-error';
import { requestFacts, type RequestFacts } from './request-facts';
import type { RequestMetrics } from './request-metrics';
import { activeRequest, withRequest, type RequestState } from './request-state';
import { finishServerSpan, normalMethod, requestAttributes, spanName, urlScheme } from './server-span';

export interface ServerHookOptions {
  tracer: Tracer;
  budget: TraceBudget;
  ids: PresetIdGenerator;
  metrics: RequestMetrics;
  inFlight: InFlightTracker;
  /** Each request's start, where the stall detector cuts a blocked stretch (signals/request-starts.ts). */
  requestStarts: RequestStarts;
  slowTraceMs: number;
  routeSlowness: RouteSlowness;
  /** The tail processor's cap on traces kept for failing: asked before a light request's span is made. */
  errorCap?: ErrorTraceCap;
}

export interface ServerHook {
  /**
   * For a light request still running (no span in its context): the ids its server span will
   * get, for a stall span to hang under (the server span is then written at the end, for the
   * tail processor to decide on both). Null anywhere else.
   */
  stallParent(ctx: Context): StallParent | null;
  /** For a light request still running: its server span's context, to propagate (light-propagation.ts). */
  lightSpanContext(ctx: Context): SpanContext | null;
  uninstall(): void;
}

type Emit = (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
type RequestEmit = (this: Server, event: string | symbol, req: IncomingMessage, res: ServerResponse) => boolean;
const kOriginal = Symbol.for('headroom.agent.server.emit');
type Patchable = { emit: Emit; [kOriginal]?: Emit };

// A light request's handler runs with tracing suppressed (instrumentations create no spans)
// and a placeholder span in its route metadata.
const LIGHT_BASE = suppressTracing(ROOT_CONTEXT);
const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Reads a new connection's peer address, which Node caches on the socket (`_peername`) the
 * first time it is read. A server span reads it; were that the only reader, the sockets of
 * traced requests would get a property the others lack, and Node's http code would handle two
 * shapes of socket on every request (bench/agent-overhead/interleaved.ts --diagnose: the
 * default budgets' 30 traced requests a second cost 6–9 points of hello-world throughput
 * against all-light, 1–2 points with this). Once per connection, for all.
 */
function givePeerName(socket: Socket | undefined): void {
  try {
    void socket?.remoteAddress;
  } catch {
    // a socket already gone: nothing to cache
  }
}

function emitOn(emit: RequestEmit, server: Server, event: string | symbol, req: IncomingMessage, res: ServerResponse): boolean {
  return emit.call(server, event, req, res);
}

export function installServerHook(options: ServerHookOptions): ServerHook {
  const { tracer, budget, ids, metrics, inFlight, requestStarts, routeSlowness, errorCap } = options;
  patchResponseEnd((res) => {
    // end() runs in the handler's context almost always; one called from elsewhere just
    // leaves the response-write time unknown.
    const state = activeRequest(context.active());
    if (state !== undefined && state.res === res && state.endAt === null) state.endAt = performance.now();
  });

  /** A light request's server-span ids: drawn once (by a stall, or at its end), continuing the caller's trace. */
  const lightIdsOf = (state: RequestState): { traceId: string; spanId: string } =>
    (state.lightIds ??= { traceId: state.remoteParent?.traceId ?? ids.random.generateTraceId(), spanId: ids.random.generateSpanId() });

  /** `routeP90Ms`: kept for being slower than that (route-slowness.ts). */
  const writeLightSpan = (state: RequestState, facts: RequestFacts, routeP90Ms?: number): void => {
    const { traceId, spanId } = lightIdsOf(state);
    const parent = state.remoteParent ? trace.setSpanContext(ROOT_CONTEXT, state.remoteParent) : ROOT_CONTEXT;
    const span = ids.withIds(traceId, spanId, () =>
      tracer.startSpan(
        facts.method,
        {
          kind: SpanKind.SERVER,
          startTime: performance.timeOrigin + state.startAt,
          attributes: { ...requestAttributes(state.req, state.server), [ATTR.partialTrace]: true, ...(routeP90Ms !== undefined && { [ROUTE_P90_ATTR]: routeP90Ms }) },
        },
        withTraceMode(parent, 'recorded'),
      ),
    );
    finishServerSpan(span, facts);
  };

  /**
   * The route's p90 when a request slow for it is kept for that (its cap taken), else undefined.
   * A sampled trace, an error or a slow one is kept anyway: the route's cap is not spent on it.
   * (Whether it stalled is not known yet: a stall is measured at the loop's next tick.)
   */
  const routeKeepMs = (slowForRoute: RouteLatency | null, mode: TraceMode, serverError: boolean, durationMs: number, now: number): number | undefined =>
    slowForRoute !== null && mode !== 'sampled' && !serverError && durationMs < options.slowTraceMs && routeSlowness.mayKeep(slowForRoute, now) ? slowForRoute.thresholdMs : undefined;

  // try/catch inline rather than guard(): these run twice per request (no rest/spread copies).
  const finish = (state: RequestState): void => {
    try {
      finishRequest(state);
    } catch (err) {
      report('internal', `request finish: ${describe(err)}`);
    }
  };

  const finishRequest = (state: RequestState): void => {
    if (state.doneAt !== null) return;
    const now = performance.now();
    state.doneAt = now;
    inFlight.change(-1, now);
    const facts = requestFacts(state, now);
    metrics.record(facts, state.scheme);
    const serverError = (facts.status !== null && facts.status >= 500) || facts.unanswered !== null;
    // Mostly null: slower than its route's p90 is one request in ten.
    const slowForRoute = routeSlowness.observe(facts.route, facts.method, facts.durationMs);
    if (state.serverSpan) {
      const routeP90Ms = routeKeepMs(slowForRoute, state.mode, serverError, facts.durationMs, now);
      if (routeP90Ms !== undefined) state.serverSpan.setAttribute(ROUTE_P90_ATTR, routeP90Ms);
      if (state.layerEnds !== null) {
        // At the server span's own end time: a child never outlasts it in the waterfall.
        const endEpochMs = performance.timeOrigin + facts.endAt;
        for (const end of state.layerEnds) end(undefined, endEpochMs);
      }
      finishServerSpan(state.serverSpan, facts);
      return;
    }
    // A light request a stall snapshot named: the tail processor decides, once it knows whether
    // the stall passed the threshold; one that did not is kept if it was slow for its route.
    if (state.stallChild) {
      writeLightSpan(state, facts, routeKeepMs(slowForRoute, state.mode, serverError, facts.durationMs, now));
    } else if (keepTrace({ sampled: false, error: false, durationMs: facts.durationMs, stall: false, slowForRoute: false }, options.slowTraceMs)) {
      writeLightSpan(state, facts);
    } else if (serverError) {
      // Kept only for failing: the cap first, so a refused one makes no span (the name and
      // status are those the tail processor would read off it).
      if (errorCap === undefined || errorCap.admitAhead(lightIdsOf(state).traceId, spanName(facts.method, facts.route), facts.status ?? undefined, errorTypeOf(facts.error?.error))) writeLightSpan(state, facts);
    } else {
      const routeP90Ms = routeKeepMs(slowForRoute, state.mode, serverError, facts.durationMs, now);
      if (routeP90Ms !== undefined) writeLightSpan(state, facts, routeP90Ms);
    }
  };

  // Headers the configured propagators read: extraction is skipped when none is present.
  const propagationFields = propagation.fields();
  const hasPropagationHeader = (headers: IncomingMessage['headers']): boolean => {
    for (const field of propagationFields) if (headers[field] !== undefined) return true;
    return false;
  };

  const start = (server: Server, req: IncomingMessage, res: ServerResponse): Context | undefined => {
    try {
      return startRequest(server, req, res);
    } catch (err) {
      report('internal', `request start: ${describe(err)}`);
      return undefined;
    }
  };

  const startRequest = (server: Server, req: IncomingMessage, res: ServerResponse): Context => {
    const now = performance.now();
    inFlight.change(1, now);
    requestStarts.started(now);
    const headers = req.headers;
    const parent = hasPropagationHeader(headers) ? propagation.extract(ROOT_CONTEXT, headers) : ROOT_CONTEXT;
    const remote = parent === ROOT_CONTEXT ? undefined : trace.getSpanContext(parent);
    const remoteParent = remote !== undefined && isSpanContextValid(remote) ? remote : null;
    // The URL for its path's share of the recorded budget (the route is not known yet).
    const url = req.url;
    const mode = remoteParent ? budget.forRemote((remoteParent.traceFlags & TraceFlags.SAMPLED) !== 0, remoteParent.traceId, now, url) : budget.forNew(now, url);
    const socket = req.socket as (typeof req.socket | null);
    const state: RequestState = {
      type: RPCType.HTTP,
      span: NO_SPAN,
      route: undefined,
      headroom: true,
      req,
      res,
      server,
      method: normalMethod(req.method),
      socket,
      scheme: urlScheme(req),
      inDeclared: declaredLength(headers['content-length']),
      startAt: now,
      mode,
      serverSpan: null,
      remoteParent,
      lightIds: null,
      stallChild: false,
      queueWaitMs: null,
      bodyEndAt: null,
      endAt: null,
      bytesIn: 0,
      bytesOut0: socket ? socket.bytesWritten : 0,
      doneAt: null,
      routedByExpress: false,
      expressRoute: undefined,
      expressMounts: null,
      layerEnds: null,
      koaContext: null,
      hapiRequest: undefined,
      error: undefined,
      errorAt: 0,
    };
    const waited = queueWaitFromHeaders(headers);
    if (waited?.kind === 'ok') state.queueWaitMs = waited.ms;
    else if (waited) metrics.queueWaitDropped(waited.reason);

    let ctx: Context;
    if (mode === 'light') {
      ctx = parent === ROOT_CONTEXT ? LIGHT_BASE : suppressTracing(trace.deleteSpan(parent));
    } else {
      const span = tracer.startSpan(
        normalMethod(req.method),
        { kind: SpanKind.SERVER, startTime: performance.timeOrigin + now, attributes: requestAttributes(req, server) },
        withTraceMode(parent, mode),
      );
      state.span = span;
      state.serverSpan = span;
      ctx = trace.setSpan(parent, span);
    }
    ctx = withRequest(ctx, state);
    if (hasBody(headers)) {
      if (state.inDeclared === null) countBodyBytes(req, (bytes) => { state.bytesIn += bytes; });
      // Body events come from the socket's parser, outside the request's context: bound so
      // body-parsing middleware (and the route layers it calls) run inside it.
      context.bind(ctx, req);
      req.once('end', () => {
        state.bodyEndAt = performance.now();
      });
    }
    // The response is not bound (OTel's instrumentation binds both): its 'finish' and 'close'
    // come from the write the handler started, so AsyncLocalStorage already runs them in the
    // request's context (test/agent/express-e2e checks it); and methods patched onto some
    // response objects would give Node's http code a second shape to handle for all of them.
    // 'close' follows 'finish' on every response, and comes alone when the client went away.
    res.on('close', () => finish(state));
    return ctx;
  };

  const patched: Patchable[] = [];
  for (const proto of [http.Server.prototype, https.Server.prototype] as unknown as Patchable[]) {
    if (proto[kOriginal]) continue; // a second agent in the process: one hook is enough
    const original = proto.emit;
    // `arguments` passed through as is: no rest/spread copies on every emit.
    const emit = function emit(this: Server, event: string | symbol, req: IncomingMessage, res: ServerResponse): boolean {
      if (event !== 'request') {
        if (event === 'connection' || event === 'secureConnection') givePeerName(req as unknown as Socket);
        // eslint-disable-next-line prefer-rest-params
        return original.apply(this, arguments as unknown as Parameters<Emit>);
      }
      const ctx = start(this, req, res);
      if (!ctx) return (original as RequestEmit).call(this, event, req, res);
      // No `this` for context.with: it would bind the emit to the server (a function a request).
      return context.with(ctx, emitOn, undefined, original as RequestEmit, this, event, req, res);
    } as Emit;
    Object.defineProperty(proto, kOriginal, { value: original, configurable: true });
    proto.emit = emit;
    patched.push(proto);
  }

  const runningLight = (ctx: Context): RequestState | null => {
    const state = activeRequest(ctx);
    return state !== undefined && state.doneAt === null && state.mode === 'light' ? state : null;
  };

  // The ids the light request's server span gets if it is written; the caller's vendor entries
  // go on with its trace.
  const futureSpanContext = (state: RequestState): SpanContext => {
    const { traceId, spanId } = lightIdsOf(state);
    return { traceId, spanId, traceFlags: TraceFlags.NONE, isRemote: false, traceState: state.remoteParent?.traceState };
  };

  return {
    stallParent(ctx) {
      const state = runningLight(ctx);
      if (state === null) return null;
      state.stallChild = true;
      return {
        spanContext: futureSpanContext(state),
        startEpochMs: performance.timeOrigin + state.startAt,
        endEpochMs: () => (state.doneAt === null ? null : performance.timeOrigin + state.doneAt),
      };
    },
    lightSpanContext(ctx) {
      const state = runningLight(ctx);
      return state === null ? null : futureSpanContext(state);
    },
    uninstall() {
      for (const proto of patched) {
        const original = proto[kOriginal];
        if (original) proto.emit = original;
        delete proto[kOriginal];
      }
    },
  };
}
