// Why a NestJS request failed. Nest catches what a controller, guard, pipe, interceptor or Nest
// middleware throws (and what its express or fastify adapter's error handler is given) in its
// router proxy and hands it to one `ExceptionsHandler` per route: that runs the app's exception
// filters (`@Catch`, `useGlobalFilters`, APP_FILTER) and, when none answers, its own
// BaseExceptionFilter (an HttpException's status, else a 500 "Internal server error"). The
// adapter's framework never sees the error, so express's and fastify's hooks note nothing.
//
// Here `ExceptionsHandler.prototype.next` — the one way into Nest's HTTP exception handling —
// notes the exception before any filter runs: the error thrown, whichever filter answers it.
// Like the other frameworks' errors it is written on the server span only if the answer is a
// 5xx (server-span.ts): an HttpException's 4xx, or an app filter's, is the client's; an app
// filter that answers a 5xx (or its own body for a 500) leaves the error it was given. Only the
// error path is hooked: a request that does not fail runs nothing of this.
import { context } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { IncomingMessage } from 'node:http';
import { hookMethod, unhookMethod } from './method-hooks';
import { noteRequestError } from './request-error';
import { activeRequest, type RequestState } from './request-state';

/** Nest's ArgumentsHost: the route's arguments, the request first (express's, or fastify's request wrapping Node's as `raw`). */
interface ArgumentsHost {
  getArgByIndex?: (index: number) => unknown;
}
type Next = (this: unknown, exception: unknown, host: ArgumentsHost | undefined) => unknown;
type ExceptionsHandlerModule = { ExceptionsHandler?: { prototype?: { next?: Next } } };

/**
 * Whether the exception is this request's: Nest's request is the one Headroom started (or wraps
 * it). A request Nest handles inside another one's context — fastify's `inject()` from a
 * handler — is a different Node request; one whose request cannot be read is taken as the
 * context's.
 */
function isOwnRequest(state: RequestState, host: ArgumentsHost | undefined): boolean {
  const req = typeof host?.getArgByIndex === 'function' ? host.getArgByIndex(0) : undefined;
  if (req === state.req) return true;
  const raw = (req as { raw?: unknown } | null | undefined)?.raw;
  if (raw === state.req) return true;
  return !(req instanceof IncomingMessage) && !(raw instanceof IncomingMessage);
}

function patchExceptionsHandler(exports: ExceptionsHandlerModule): ExceptionsHandlerModule {
  hookMethod<Next>(exports?.ExceptionsHandler?.prototype, 'next', (original) =>
    function next(this: unknown, exception: unknown, host: ArgumentsHost | undefined): unknown {
      try {
        const state = activeRequest(context.active());
        if (state !== undefined && isOwnRequest(state, host)) noteRequestError(state, exception);
      } catch {
        // the error stays unrecorded; Nest handles it as usual
      }
      return original.call(this, exception, host);
    },
  );
  return exports;
}

function unpatchExceptionsHandler(exports: ExceptionsHandlerModule | undefined): void {
  unhookMethod(exports?.ExceptionsHandler?.prototype, 'next');
}

export class NestExceptionsInstrumentation extends InstrumentationBase {
  constructor(config: InstrumentationConfig = {}) {
    super('@headroom/agent/nest-exceptions', '0.1.0', config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    // ExceptionsHandler.next(exception, host) in the same file from 8 to 12; up to 11 Nest is
    // CommonJS, 12 an ES module (patched under the loader hook). Tested with 12.
    const versions = ['>=8 <13'];
    return [
      new InstrumentationNodeModuleDefinition('@nestjs/core', versions, undefined, undefined, [
        new InstrumentationNodeModuleFile(
          '@nestjs/core/exceptions/exceptions-handler.js',
          versions,
          (exports: unknown) => patchExceptionsHandler(exports as ExceptionsHandlerModule),
          (exports: unknown) => unpatchExceptionsHandler(exports as ExceptionsHandlerModule | undefined),
        ),
      ]),
    ];
  }
}
