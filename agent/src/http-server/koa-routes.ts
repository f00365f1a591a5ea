// Koa's route for every request. OTel's koa instrumentation writes the route (what @koa/router
// matched, `ctx._matchedRoute`) into the request's metadata only from middleware that has a
// span to parent its own: a light request has none, so it would go unnamed. Here the koa
// context is kept with Headroom's request state as koa starts handling the request (one hook
// per request, none per middleware), and the route is read from it when the request ends.
// A request's error is noted where koa handles it, its context's `onerror` (called with what
// the middleware threw or rejected with, in the request's context), and where it is reported,
// the app's `emit('error', err, ctx)`: koa's documented error handling is a first middleware
// that catches, answers and emits, so `onerror` never runs (QA s14: such an app's failures read
// "HTTP 500, no message recorded"). The prototypes' methods are wrapped once, nothing is added
// per request.
import { context } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { hookMethod, unhookMethod } from './method-hooks';
import { noteRequestError } from './request-error';
import { activeRequest } from './request-state';

type HandleRequest = (this: unknown, ctx: object, fnMiddleware: unknown) => unknown;
type Emit = (this: unknown, event: string | symbol, ...args: unknown[]) => boolean;
type KoaApplication = { prototype: { handleRequest?: HandleRequest; emit?: Emit } };
type OnError = (this: unknown, err: unknown) => unknown;
/** koa/lib/context.js: the prototype of every koa context. */
type KoaContextProto = { onerror?: OnError };

/**
 * Koa's Application from what the hook is handed: the package's exports when it is required, the
 * module namespace of koa's ES module entry when it is imported (import-in-the-middle's), whose
 * default export is the class. Taken as the exports, the namespace has no prototype, nothing was
 * hooked, and an imported koa's light requests had no route (QA s14).
 */
function applicationOf(exports: unknown): KoaApplication | undefined {
  const moduleExports = exports as { [Symbol.toStringTag]?: unknown; default?: unknown } | null | undefined;
  return (moduleExports?.[Symbol.toStringTag] === 'Module' ? moduleExports.default : moduleExports) as KoaApplication | undefined;
}

function patchApplication(exports: unknown): unknown {
  const Application = applicationOf(exports);
  hookMethod<HandleRequest>(Application?.prototype, 'handleRequest', (original) =>
    function handleRequest(this: unknown, ctx: object, fnMiddleware: unknown): unknown {
      const state = activeRequest(context.active());
      if (state !== undefined) state.koaContext = ctx;
      return original.call(this, ctx, fnMiddleware);
    },
  );
  // Koa's own onerror emits too, after the hook below has noted the error (the first one wins).
  hookMethod<Emit>(Application?.prototype, 'emit', (original) =>
    function emit(this: unknown, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'error') noteKoaError(args[0], args[1]);
      return original.call(this, event, ...args);
    },
  );
  return exports;
}

function unpatchApplication(exports: unknown): void {
  const Application = applicationOf(exports);
  unhookMethod(Application?.prototype, 'handleRequest');
  unhookMethod(Application?.prototype, 'emit');
}

/** Notes `err` on the running request when `ctx` is its koa context (or none is known). */
function noteKoaError(err: unknown, ctx: unknown): void {
  if (err === null || err === undefined) return;
  try {
    const state = activeRequest(context.active());
    // This request's own koa context, not another app's inside it.
    if (state !== undefined && (state.koaContext === null || state.koaContext === ctx)) noteRequestError(state, err);
  } catch {
    // the error stays unrecorded; koa handles it as usual
  }
}

function patchContext(proto: KoaContextProto): KoaContextProto {
  hookMethod<OnError>(proto, 'onerror', (original) =>
    function onerror(this: unknown, err: unknown): unknown {
      noteKoaError(err, this);
      return original.call(this, err);
    },
  );
  return proto;
}

function unpatchContext(proto: KoaContextProto | undefined): void {
  unhookMethod(proto, 'onerror');
}

export class KoaRoutesInstrumentation extends InstrumentationBase {
  constructor(config: InstrumentationConfig = {}) {
    super('@headroom/agent/koa-routes', '0.1.0', config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        'koa',
        ['>=2 <4'],
        (exports: unknown) => patchApplication(exports),
        (exports: unknown) => unpatchApplication(exports),
        [
          new InstrumentationNodeModuleFile(
            'koa/lib/context.js',
            ['>=2 <4'],
            (exports: unknown) => patchContext(exports as KoaContextProto),
            (exports: unknown) => unpatchContext(exports as KoaContextProto | undefined),
          ),
        ],
      ),
    ];
  }
}
