// Hapi's route for every request. OTel's hapi instrumentation writes the route into the
// request's metadata only from a route handler that has a span to parent its own, so a light
// request would go unnamed; and it writes the path the route was declared with, without the
// prefix of the plugin that declared it (`/{id}` for `/users/{id}`). Hapi itself keeps the
// full path on the request (`request.route.path`, its public API). Here hapi's request is kept
// with Headroom's request state as hapi creates it (`Request.generate`, once per request; none
// per handler or extension), and its route is read from it when needed (routeOf).
import { context } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { hookMethod, unhookMethod } from './method-hooks';
import { activeRequest, type HapiRequest } from './request-state';

type Generate = (this: unknown, ...args: unknown[]) => unknown;
type RequestClass = { generate?: Generate };

function patchRequest(Request: RequestClass): RequestClass {
  hookMethod<Generate>(Request, 'generate', (original) =>
    function generate(this: unknown): unknown {
      // eslint-disable-next-line prefer-rest-params
      const request = original.apply(this, arguments as unknown as unknown[]);
      // Hapi's listener runs inside the emit of Headroom's server hook: the request's context.
      // The first hapi request made there is the request's own; a later one is a
      // `server.inject()` from its handler, whose route is not the request's.
      const state = activeRequest(context.active());
      if (state !== undefined && state.hapiRequest === undefined && typeof request === 'object' && request !== null) state.hapiRequest = request as HapiRequest;
      return request;
    },
  );
  return Request;
}

function unpatchRequest(Request: RequestClass | undefined): void {
  unhookMethod(Request, 'generate');
}

export class HapiRoutesInstrumentation extends InstrumentationBase {
  constructor(config: InstrumentationConfig = {}) {
    super('@headroom/agent/hapi-routes', '0.1.0', config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    // The versions OTel's hapi instrumentation covers; `Request.generate` is hapi's since 17.
    const versions = ['>=17 <22'];
    return [
      new InstrumentationNodeModuleDefinition('@hapi/hapi', versions, undefined, undefined, [
        new InstrumentationNodeModuleFile(
          '@hapi/hapi/lib/request.js',
          versions,
          (exports: unknown) => patchRequest(exports as RequestClass),
          (exports: unknown) => unpatchRequest(exports as RequestClass | undefined),
        ),
      ]),
    ];
  }
}
