// Preloaded by interleaved.ts --diagnose as "floor: context propagation only": what any agent
// that follows a request through its async work pays on Node 20, and nothing else. An
// AsyncLocalStorage entered around each request, as OTel's http instrumentation does with
// context.with: once one is in use, Node runs its init hook for every async resource and its
// promise hooks for every promise, whichever request they belong to.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- preloaded with --require, as CommonJS */
const { AsyncLocalStorage } = require('node:async_hooks');
const http = require('node:http');

const storage = new AsyncLocalStorage();
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function emitInContext(event, ...args) {
  if (event !== 'request') return emit.call(this, event, ...args);
  return storage.run({ request: args[0] }, () => emit.call(this, event, ...args));
};
