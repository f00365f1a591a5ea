// Why a restify request failed. Restify answers an error itself: what a handler passes to
// `next(err)`, what an async handler throws or rejects with, an unknown route or method, and
// (with `handleUncaughtExceptions`) what a handler throws, all go to the server's
// `_onHandlerError(err, req, res)`, which emits `restifyError` (and the error's own event) for
// the app's listeners and then sends the error (500 for one without a status). Nothing reaches
// Node's or another framework's error path, so that method is hooked — once, on the prototype:
// a request that does not fail runs nothing of this. The error noted is the one the handler
// gave, whatever a listener answered; it is written on the server span only for a 5xx
// (server-span.ts): restify's 404 and 405, and its 4xx errors, are the client's.
import { context } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import { hookMethod, unhookMethod } from './method-hooks';
import { noteRequestError } from './request-error';
import { activeRequest } from './request-state';

type OnHandlerError = (this: unknown, err: unknown, req: unknown, res: unknown, isUncaught?: unknown) => unknown;
type RestifyServer = { prototype?: { _onHandlerError?: OnHandlerError } };

function patchServer(Server: RestifyServer): RestifyServer {
  hookMethod<OnHandlerError>(Server?.prototype, '_onHandlerError', (original) =>
    function _onHandlerError(this: unknown, err: unknown, req: unknown, res: unknown, isUncaught?: unknown): unknown {
      try {
        const state = activeRequest(context.active());
        // This request's own response: not another server's request handled in its context.
        if (state !== undefined && state.res === res) noteRequestError(state, err);
      } catch {
        // the error stays unrecorded; restify handles it as usual
      }
      return original.call(this, err, req, res, isUncaught);
    },
  );
  return Server;
}

function unpatchServer(Server: RestifyServer | undefined): void {
  unhookMethod(Server?.prototype, '_onHandlerError');
}

export class RestifyErrorsInstrumentation extends InstrumentationBase {
  constructor(config: InstrumentationConfig = {}) {
    super('@headroom/agent/restify-errors', '0.1.0', config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    // `_onHandlerError(err, req, res)` is in 11's server.js and in the 7/8 line's; tested with 11.
    const versions = ['>=7 <13'];
    return [
      new InstrumentationNodeModuleDefinition('restify', versions, undefined, undefined, [
        new InstrumentationNodeModuleFile(
          'restify/lib/server.js',
          versions,
          (exports: unknown) => patchServer(exports as RestifyServer),
          (exports: unknown) => unpatchServer(exports as RestifyServer | undefined),
        ),
      ]),
    ];
  }
}
