// Express's route for every request (express 4, and express 5 through `router` 2), taken from
// the router's own layers, and a light request's way past OTel's express instrumentation.
//
// OTel's express instrumentation wraps each layer's handle; for a request with no span in its
// context (a light one) that wrapper still keeps its route bookkeeping per layer (an array on
// `req`, filter/join/regex per layer, about 8 % of a hello-world app's throughput here) and,
// having no span, never pops what it pushed: a path-mounted middleware that calls `next()`
// left its path in every later route ('/api' + '/api/users/:id' → '/api/api/users/:id').
// So the route is Headroom's own here, for every request; OTel's wrapper still runs for
// requests that record a trace (its middleware spans), and is stepped around for light ones.
//
// Two hooks on the router's Layer: its constructor, wrapped to keep each layer's path pattern
// (the router keeps only the concrete match), and its request dispatch method.
import { context } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { IncomingMessage } from 'node:http';
import { report } from '../report';
import { enterMount, joinRoute, patternText, prefixOf } from './express-route-trail';
import { activeRequest } from './request-state';

const kPattern = Symbol('headroom.express.pattern');
const kUnhooked = Symbol('headroom.express.unhooked');

type Handle = ((...args: unknown[]) => unknown) & { __original?: (...args: unknown[]) => unknown };

interface Layer {
  handle: Handle;
  /** Set on route layers. */
  route?: { path?: unknown } | undefined;
  /** The concrete part the layer matched (express 4, router < 2.3; absent from router 2.3). */
  path?: unknown;
  [kPattern]?: string | undefined;
}

/** Express's request: `baseUrl` is the concrete path of the mounts it is inside ('' at the root). */
type ExpressRequest = IncomingMessage & { baseUrl?: unknown };
type Dispatch = (this: Layer, req: ExpressRequest, res: unknown, next: unknown) => unknown;
type LayerConstructor = (new (path: unknown, options: unknown, fn: unknown) => Layer) & { prototype: Record<string, unknown> };

/** The dispatch method's name: express 4 and router 1 `handle_request`, router 2 `handleRequest`. */
const DISPATCH_NAMES = ['handleRequest', 'handle_request'] as const;

function withDispatchHook(original: Dispatch): Dispatch {
  return function dispatch(this: Layer, req, res, next) {
    const handle = this.handle;
    const unwrapped = handle.__original;
    const route = this.route;
    const pattern = this[kPattern];
    // Middleware at the root, not wrapped by OTel: nothing to note or step around.
    if (route === undefined && unwrapped === undefined && (pattern === '/' || pattern === undefined)) return original.call(this, req, res, next);
    const state = activeRequest(context.active());
    if (state === undefined) return original.call(this, req, res, next);
    try {
      state.routedByExpress = true;
      const base = typeof req.baseUrl === 'string' ? req.baseUrl : '';
      if (route !== undefined && route !== null) {
        const routePattern = patternText(route.path) ?? pattern;
        if (routePattern !== undefined) state.expressRoute = joinRoute(prefixOf(state.expressMounts, base), routePattern);
      } else if (pattern !== undefined && pattern !== '/') {
        state.expressMounts = enterMount(state.expressMounts, base, pattern, this.path);
      }
    } catch {
      // the route stays unknown; the request goes on
    }
    if (state.mode === 'light' && typeof unwrapped === 'function') {
      // The router reads `this.handle` once, at once: swapped for the call, restored after.
      this.handle = unwrapped;
      try {
        return original.call(this, req, res, next);
      } finally {
        this.handle = handle;
      }
    }
    return original.call(this, req, res, next);
  };
}

function patchLayer(Original: LayerConstructor): LayerConstructor {
  if (typeof Original !== 'function') return Original;
  const proto = Original.prototype;
  for (const name of DISPATCH_NAMES) {
    const dispatch = proto[name];
    if (typeof dispatch === 'function' && !(kUnhooked in dispatch)) {
      const hooked = withDispatchHook(dispatch as Dispatch);
      Object.defineProperty(hooked, kUnhooked, { value: dispatch });
      proto[name] = hooked;
    }
  }
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

function unpatchLayer(Original: LayerConstructor | undefined): void {
  const proto = Original?.prototype;
  if (!proto) return;
  for (const name of DISPATCH_NAMES) {
    const original = (proto[name] as Record<symbol, unknown> | undefined)?.[kUnhooked];
    if (typeof original === 'function') proto[name] = original;
  }
}

export class ExpressRoutesInstrumentation extends InstrumentationBase {
  constructor(config: InstrumentationConfig = {}) {
    super('@headroom/agent/express-routes', '0.1.0', config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const file = (path: string, versions: string[]): InstrumentationNodeModuleFile =>
      new InstrumentationNodeModuleFile(
        path,
        versions,
        (exports: unknown) => {
          try {
            return patchLayer(exports as LayerConstructor);
          } catch (err) {
            report('internal', `express routes: ${String(err)}`);
            return exports;
          }
        },
        (exports?: unknown) => unpatchLayer(exports as LayerConstructor | undefined),
      );
    return [
      new InstrumentationNodeModuleDefinition('express', ['>=4 <5'], undefined, undefined, [file('express/lib/router/layer.js', ['>=4 <5'])]),
      new InstrumentationNodeModuleDefinition('router', ['>=2 <3'], undefined, undefined, [file('router/lib/layer.js', ['>=2 <3'])]),
    ];
  }
}
