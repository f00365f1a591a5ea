// Koa's route for every request. OTel's koa instrumentation writes the route (what @koa/router
// matched, `ctx._matchedRoute`) into the request's metadata only from middleware that has a
// span to parent its own: a light request has none, so it would go unnamed. Here the koa
// context is kept with Headroom's request state as koa starts handling the request (one hook
// per request, none per middleware), and the route is read from it when the request ends.
import { context } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { activeRequest } from './request-state';

type HandleRequest = (this: unknown, ctx: object, fnMiddleware: unknown) => unknown;
type KoaApplication = { prototype: { handleRequest?: HandleRequest } };

const kUnhooked = Symbol('headroom.koa.unhooked');

function patchApplication(Application: KoaApplication): KoaApplication {
  const proto = Application?.prototype;
  const original = proto?.handleRequest;
  if (typeof original !== 'function' || kUnhooked in original) return Application;
  const handleRequest = function handleRequest(this: unknown, ctx: object, fnMiddleware: unknown): unknown {
    const state = activeRequest(context.active());
    if (state !== undefined) state.koaContext = ctx;
    return original.call(this, ctx, fnMiddleware);
  };
  Object.defineProperty(handleRequest, kUnhooked, { value: original });
  proto.handleRequest = handleRequest;
  return Application;
}

function unpatchApplication(Application: KoaApplication | undefined): void {
  const proto = Application?.prototype;
  const original = (proto?.handleRequest as Record<symbol, unknown> | undefined)?.[kUnhooked];
  if (proto && typeof original === 'function') proto.handleRequest = original as HandleRequest;
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
        (exports: unknown) => patchApplication(exports as KoaApplication),
        (exports: unknown) => unpatchApplication(exports as KoaApplication | undefined),
      ),
    ];
  }
}
