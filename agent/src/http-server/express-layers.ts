// Headroom's express instrumentation (express 4, and express 5 through `router` 2): the route
// of every request, and, for a request that records a trace, a span per middleware, router
// and route handler — in place of OTel's express instrumentation, which is not loaded while
// Headroom's request path is on.
//
// OTel's builds the route only as a side effect of its per-layer spans. For a request without
// a span (a light one: most of them under load) it still kept its route bookkeeping on every
// layer (an array put on `req`, filter/join/regex per layer: about 8 % of a hello-world app's
// throughput here) and, having no span, never popped what it pushed, so a path-mounted
// middleware that called `next()` ended up in every later route ('/api/api/users/:id'). And
// for the few traced requests it put a property on `req` and a second 'close' listener on
// `res`, giving Node's and express's code two shapes of each to handle on every request.
// Here nothing is written on `req` or `res`: what a request needs is in its request state.
//
// Two hooks on the router's Layer: its constructor, wrapped to keep each layer's path pattern
// (the router keeps only the concrete match), and its request dispatch method. A request's
// error (thrown in a handler, a rejected promise, passed to `next`) is noted, for every request,
// where express hands it on — only on the error path: the layers' error dispatch (every layer
// after the failure gets it, error middleware or not) and the final handler the router calls
// with an error nothing answered (`finalhandler`).
import { context, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { IncomingMessage } from 'node:http';
import { describe, report } from '../report';
import { ATTR } from '../signals/meter';
import { enterMount, joinRoute, patternText, prefixOf } from './express-route-trail';
import { hookMethod, isHook, markHook, originalOf, unhookMethod } from './method-hooks';
import { noteActiveRequestError, noteRequestError } from './request-error';
import { activeRequest, type RequestState } from './request-state';

const kPattern = Symbol('headroom.express.pattern');

interface Layer {
  handle: unknown;
  name?: string;
  /** Set on route layers. */
  route?: { path?: unknown } | undefined;
  /** Present (even if undefined) on the layers inside a route, one per method handler. */
  method?: string | undefined;
  /** The concrete part the layer matched (express 4, router < 2.3; absent from router 2.3). */
  path?: unknown;
  [kPattern]?: string | undefined;
}

/** Express's request: `baseUrl` is the concrete path of the mounts it is inside ('' at the root). */
type ExpressRequest = IncomingMessage & { baseUrl?: unknown };
type Next = (err?: unknown) => unknown;
type Dispatch = (this: Layer, req: ExpressRequest, res: unknown, next: Next) => unknown;
type ErrorDispatch = (this: Layer, err: unknown, req: ExpressRequest, res: unknown, next: Next) => unknown;
/** finalhandler(req, res, options): the function the router calls when no layer is left. */
type FinalHandler = (req: unknown, res: unknown, options?: unknown) => (err?: unknown) => unknown;
type LayerConstructor = (new (path: unknown, options: unknown, fn: unknown) => Layer) & { prototype: Record<string, unknown> };

/** The dispatch method's name: express 4 `handle_request`, router 2 `handleRequest`. */
const DISPATCH_NAMES = ['handleRequest', 'handle_request'] as const;
/** The error dispatch method's name: express 4 `handle_error`, router 2 `handleError`. */
const ERROR_DISPATCH_NAMES = ['handleError', 'handle_error'] as const;

export interface ExpressLayersConfig extends InstrumentationConfig {
  /** Spans for the layers of traced requests (OTEL_NODE_DISABLED_INSTRUMENTATIONS=express: routes only). */
  layerSpans?: boolean;
}

/** Notes the mount or route a layer stands for in the request's state. */
function noteLayer(state: RequestState, layer: Layer, req: ExpressRequest): void {
  state.routedByExpress = true;
  const pattern = layer[kPattern];
  const route = layer.route;
  // `req.baseUrl` is read only where it is needed (not for the handlers inside a route): every
  // read of a property of express's `req` is an inline-cache miss (request-state.ts).
  if (route !== undefined && route !== null) {
    const routePattern = patternText(route.path) ?? pattern;
    if (routePattern !== undefined) state.expressRoute = joinRoute(prefixOf(state.expressMounts, baseUrlOf(req)), routePattern);
  } else if (pattern !== undefined && pattern !== '/') {
    state.expressMounts = enterMount(state.expressMounts, baseUrlOf(req), pattern, layer.path);
  }
}

function baseUrlOf(req: ExpressRequest): string {
  const base = req.baseUrl;
  return typeof base === 'string' ? base : '';
}

/** Whether a `next()` argument is an error (not nothing, nor a 'route'/'router' routing signal). */
function isError(err: unknown): boolean {
  return err !== undefined && err !== null && err !== 'route' && err !== 'router';
}

/**
 * Runs one layer of a traced request inside a span of its own, named as OTel's express
 * instrumentation names them. A router's span ends at once (its layers get their own); a
 * middleware's or route handler's when it calls `next()`, or when the request ends.
 */
function dispatchInSpan(tracer: Tracer, state: RequestState, layer: Layer, dispatch: Dispatch, req: ExpressRequest, res: unknown, next: Next): unknown {
  const parent = context.active();
  let span: Span;
  let type: 'request_handler' | 'router' | 'middleware';
  try {
    const route = layer.route !== undefined && layer.route !== null;
    type = route ? 'request_handler' : layer.name === 'router' ? 'router' : 'middleware';
    const name = route ? (state.expressRoute ?? '/') : type === 'router' ? (prefixOf(state.expressMounts, baseUrlOf(req)) || '/') : (layer.name ?? '<anonymous>');
    const attributes = { 'express.name': name, 'express.type': type, ...(route ? { [ATTR.route]: name } : {}) };
    // No start time given: the SDK's start is moved to the server span's clock
    // (precise-span-start.ts), and a layer ended by next() is then timed by the SDK's precise
    // elapsed time. Given one, the SDK ended it at Date.now(), whole milliseconds.
    span = tracer.startSpan(type === 'request_handler' ? `request handler - ${name}` : `${type} - ${name}`, { attributes }, parent);
  } catch (err) {
    report('internal', `express layer span: ${describe(err)}`);
    return dispatch.call(layer, req, res, next);
  }
  if (type === 'router') {
    span.end();
    return dispatch.call(layer, req, res, next);
  }
  let open = true;
  const end = (err: unknown, endEpochMs?: number): void => {
    if (!open) return;
    open = false;
    if (isError(err)) endWithError(span, err);
    span.end(endEpochMs);
  };
  (state.layerEnds ??= []).push(end);
  // `next` runs in the parent's context: the next layer's span is this one's sibling.
  const nextInParent: Next = (err) => {
    end(err);
    return context.with(parent, next, undefined, err);
  };
  return context.with(trace.setSpan(parent, span), dispatch, layer, req, res, nextInParent);
}

function endWithError(span: Span, err: unknown): void {
  if (err instanceof Error) span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

function withDispatchHook(original: Dispatch, tracer: Tracer, layerSpans: () => boolean): Dispatch {
  return function dispatch(this: Layer, req, res, next) {
    const state = activeRequest(context.active());
    if (state === undefined) return original.call(this, req, res, next);
    try {
      noteLayer(state, this, req);
    } catch {
      // the route stays unknown; the request goes on
    }
    // A layer inside a route (one per method handler) is covered by the route's span.
    if (state.mode === 'light' || 'method' in this || !layerSpans()) return original.call(this, req, res, next);
    return dispatchInSpan(tracer, state, this, original, req, res, next);
  };
}

function withErrorDispatchHook(original: ErrorDispatch): ErrorDispatch {
  return function dispatchError(this: Layer, err, req, res, next) {
    if (isError(err)) {
      try {
        noteRequestError(activeRequest(context.active()), err);
      } catch {
        // the error stays unrecorded; the request goes on
      }
    }
    return original.call(this, err, req, res, next);
  };
}

/** Express's final handler, noting the error it is called with (it answers 500 for it, or err.status). */
function wrapFinalHandler(original: FinalHandler): FinalHandler {
  if (typeof original !== 'function' || isHook(original)) return original;
  const finalhandler = function finalhandler(req: unknown, res: unknown, options?: unknown): (err?: unknown) => unknown {
    const done = original(req, res, options);
    return function finish(err?: unknown): unknown {
      if (isError(err)) {
        try {
          noteActiveRequestError(err);
        } catch {
          // as above
        }
      }
      return done(err);
    };
  };
  return markHook(finalhandler, original);
}

export class ExpressLayersInstrumentation extends InstrumentationBase<ExpressLayersConfig> {
  constructor(config: ExpressLayersConfig = {}) {
    super('@headroom/agent/express', '0.1.0', config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const file = (path: string, versions: string[]): InstrumentationNodeModuleFile =>
      new InstrumentationNodeModuleFile(
        path,
        versions,
        (exports: unknown) => {
          try {
            return this.patchLayer(exports as LayerConstructor);
          } catch (err) {
            report('internal', `express instrumentation: ${describe(err)}`);
            return exports;
          }
        },
        (exports?: unknown) => unpatchLayer(exports as LayerConstructor | undefined),
      );
    return [
      new InstrumentationNodeModuleDefinition('express', ['>=4 <5'], undefined, undefined, [file('express/lib/router/layer.js', ['>=4 <5'])]),
      new InstrumentationNodeModuleDefinition('router', ['>=2 <3'], undefined, undefined, [file('router/lib/layer.js', ['>=2 <3'])]),
      // Express 4 and 5 both call finalhandler 1.x/2.x per request (application.js `handle`).
      new InstrumentationNodeModuleDefinition(
        'finalhandler',
        ['>=1 <3'],
        (exports: unknown) => wrapFinalHandler(exports as FinalHandler),
        (exports?: unknown) => originalOf(exports) ?? exports,
      ),
    ];
  }

  private patchLayer(Original: LayerConstructor): LayerConstructor {
    if (typeof Original !== 'function') return Original;
    const proto = Original.prototype;
    const layerSpans = (): boolean => this.getConfig().layerSpans !== false;
    for (const name of DISPATCH_NAMES) hookMethod<Dispatch>(proto, name, (dispatch) => withDispatchHook(dispatch, this.tracer, layerSpans));
    for (const name of ERROR_DISPATCH_NAMES) hookMethod<ErrorDispatch>(proto, name, withErrorDispatchHook);
    // Every layer gets the property (one shape for all), set where the router creates it.
    const Layer = function Layer(path: unknown, options: unknown, fn: unknown): Layer {
      const layer = new Original(path, options, fn);
      try {
        layer[kPattern] = patternText(path);
      } catch {
        // a frozen layer: its route stays unknown
      }
      return layer;
    } as unknown as LayerConstructor;
    Layer.prototype = proto;
    Object.setPrototypeOf(Layer, Original);
    return Layer;
  }
}

function unpatchLayer(Original: LayerConstructor | undefined): void {
  for (const name of [...DISPATCH_NAMES, ...ERROR_DISPATCH_NAMES]) unhookMethod(Original?.prototype, name);
}
