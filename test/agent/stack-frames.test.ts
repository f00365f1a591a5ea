import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appFrames, isMainModuleRun, parseStack, stallCode } from '../../agent/src/signals/stack-frames';

const STACK = `Error
    at probe (/srv/node_modules/@headroom/agent/dist/signals/stalls.js:60:27)
    at <anonymous>:1:40
    at busy (/srv/app/routes.js:9:28)
    at async handler (file:///srv/app/esm.mjs:3:5)
    at /srv/app/routes.js:18:3
    at Layer.handleRequest (/srv/node_modules/router/lib/layer.js:169:33)
    at listOnTimeout (node:internal/timers:581:17)`;

test('parses named, anonymous, async and file: URL frames', () => {
  const frames = parseStack(STACK);
  assert.deepEqual(frames[2], { function: 'busy', file: '/srv/app/routes.js', line: 9, column: 28 });
  assert.deepEqual(frames[3], { function: 'handler', file: '/srv/app/esm.mjs', line: 3, column: 5 });
  assert.deepEqual(frames[4], { function: null, file: '/srv/app/routes.js', line: 18, column: 3 });
});

test("skips the agent's own frames, eval frames and Node internals", () => {
  const frames = appFrames(STACK, '/srv/node_modules/@headroom/agent/dist');
  assert.equal(frames[0]?.function, 'busy');
  assert.ok(frames.every((f) => !f.file.startsWith('node:') && !f.file.includes('@headroom/agent')));
  assert.equal(frames.length, 4);
});

const AGENT = '/srv/node_modules/@headroom/agent/dist';
const probed = (...frames: string[]): string =>
  ['Error', `    at probe (${AGENT}/signals/stalls.js:60:27)`, '    at <anonymous>:1:40', ...frames.map((f) => `    at ${f}`)].join('\n');

test("a stall in the OTel SDK or exporter the agent drives is the agent's, with its frames", () => {
  const code = stallCode(
    probed(
      'ProtobufWriter.writeString (/srv/node_modules/@opentelemetry/otlp-transformer/build/src/common/protobuf/protobuf-writer.js:255:40)',
      'OTLPTraceExporter.export (/srv/node_modules/@opentelemetry/otlp-exporter-base/build/src/OTLPExporterBase.js:20:5)',
      `ExportQueue.exportBatch (${AGENT}/export/export-queue.js:120:10)`,
      'listOnTimeout (node:internal/timers:581:17)',
    ),
    AGENT,
  );
  assert.equal(code.agent, true);
  assert.equal(code.frames[0]?.function, 'ProtobufWriter.writeString');
  assert.equal(code.frames.length, 3);
  assert.equal(stallCode(probed('new SpanImpl (/srv/node_modules/@opentelemetry/sdk-trace-base/build/src/Span.js:80:9)', 'busy (/srv/app/routes.js:9:28)'), AGENT).agent, true);
  assert.equal(stallCode(probed(`JSON.stringify (<anonymous>)`, `RequestMetrics.collectNow (${AGENT}/http-server/request-metrics.js:10:3)`), AGENT).agent, true);
});

test("a stall in app code is the app's, whatever agent or OTel frames lie below it or the API it calls", () => {
  const app = stallCode(
    probed('busy (/srv/app/routes.js:9:28)', `wrapped (${AGENT}/http-server/method-hooks.js:30:12)`, 'AsyncLocalStorageContextManager.with (/srv/node_modules/@opentelemetry/context-async-hooks/build/src/AsyncLocalStorageContextManager.js:33:40)'),
    AGENT,
  );
  assert.equal(app.agent, false);
  assert.equal(app.frames[0]?.function, 'busy');
  assert.ok(app.frames.every((f) => !f.file.startsWith(AGENT)));
  // The OTel API an app calls, and the instrumentations' wrappers around app code, are not the agent's work.
  assert.equal(stallCode(probed('ContextAPI.with (/srv/node_modules/@opentelemetry/api/build/src/api/context.js:60:46)', 'busy (/srv/app/routes.js:9:28)'), AGENT).agent, false);
  assert.equal(stallCode(probed('outgoingRequest (/srv/node_modules/@opentelemetry/instrumentation-http/build/src/http.js:400:1)'), AGENT).agent, false);
  assert.equal(stallCode(probed('pbkdf2Sync (node:internal/crypto/pbkdf2:61:3)', 'hash (/srv/app/routes.js:20:3)'), AGENT).agent, false);
});

test("a stall caught under one of the agent's wrappers (res.end, listen, route layers) is in what the app called, not the agent's", () => {
  // QA (express 5 under load): a POST's res.json() caught inside Node's end(), below the agent's
  // res.end wrapper, read "156 ms in Headroom's agent (ServerResponse.end)", with no route.
  const end = stallCode(
    probed(
      'ServerResponse.end (node:_http_outgoing:1010:13)',
      `ServerResponse.end (${AGENT}/signals/slow-clients.js:31:25)`,
      'ServerResponse.send (/srv/node_modules/express/lib/response.js:218:10)',
      'ServerResponse.json (/srv/node_modules/express/lib/response.js:249:15)',
      'addToCart (/srv/app/cart.js:55:19)',
      `Layer.dispatch [as handleRequest] (${AGENT}/http-server/express-layers.js:123:29)`,
    ),
    AGENT,
  );
  assert.equal(end.agent, false);
  assert.equal(end.frames[0]?.function, 'ServerResponse.send');
  assert.ok(end.frames.every((f) => !f.file.startsWith(AGENT)));
  assert.equal(stallCode(probed('Server.listen (node:net:2000:5)', `Server.listen (${AGENT}/signals/lifecycle.js:133:56)`, 'main (/srv/app/server.js:3:8)'), AGENT).agent, false);
  // Below a wrapper, the agent's own work is still the agent's.
  assert.equal(stallCode(probed('new SpanImpl (/srv/node_modules/@opentelemetry/sdk-trace-base/build/src/Span.js:80:9)', `Server.emit (${AGENT}/http-server/server-hook.js:244:20)`), AGENT).agent, true);
});

test("the main module's top-level code is told from a callback, a dynamic import and code after a top-level await", () => {
  const esmMain = [
    'Error',
    '    at busy (file:///app/main.mjs:2:59)',
    '    at file:///app/main.mjs:3:1',
    '    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)',
    '    at async ModuleLoader.import (node:internal/modules/esm/loader:606:24)',
    '    at async asyncRunEntryPointWithESMLoader (node:internal/modules/run_main:117:5)',
  ].join('\n');
  assert.equal(isMainModuleRun(esmMain), true);
  const cjsMainUnderImport = [
    'Error',
    '    at Object.<anonymous> (/app/main.cjs:2:1)',
    '    at Module._compile (node:internal/modules/cjs/loader:1521:14)',
    '    at cjsLoader (node:internal/modules/esm/translators:298:15)',
    '    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)',
    '    at async ModuleLoader.import (node:internal/modules/esm/loader:606:24)',
    '    at async asyncRunEntryPointWithESMLoader (node:internal/modules/run_main:117:5)',
  ].join('\n');
  assert.equal(isMainModuleRun(cjsMainUnderImport), true);
  const callback = ['Error', '    at busy (file:///app/main.mjs:2:59)', '    at Immediate._onImmediate (file:///app/main.mjs:4:52)', '    at process.processImmediate (node:internal/timers:483:21)'].join('\n');
  assert.equal(isMainModuleRun(callback), false);
  const dynamicImport = [
    'Error',
    '    at file:///app/report.mjs:1:1',
    '    at ModuleJob.run (node:internal/modules/esm/module_job:325:25)',
    '    at async ModuleLoader.import (node:internal/modules/esm/loader:606:24)',
    '    at async handler (file:///app/routes.mjs:9:3)',
  ].join('\n');
  assert.equal(isMainModuleRun(dynamicImport), false);
  const afterTopLevelAwait = [
    'Error',
    '    at busy (file:///app/main.mjs:2:59)',
    '    at main (file:///app/main.mjs:3:41)',
    '    at async file:///app/main.mjs:4:1',
    '    at async ModuleJob.run (node:internal/modules/esm/module_job:325:25)',
    '    at async asyncRunEntryPointWithESMLoader (node:internal/modules/run_main:117:5)',
  ].join('\n');
  assert.equal(isMainModuleRun(afterTopLevelAwait), false);
});

test("the module loaders' hooks are passed over: a stall loading modules is at the app code that required or imported them", () => {
  const required = stallCode(
    probed(
      'Module._resolveFilename (node:internal/modules/cjs/loader:1140:15)',
      'Function.get [as enabled] (/srv/node_modules/debug/src/common.js:226:15)',
      'debug (/srv/node_modules/debug/src/common.js:74:10)',
      'ModuleNameTrie.search (/srv/node_modules/@opentelemetry/instrumentation/build/src/platform/node/ModuleNameTrie.js:60:9)',
      'RequireInTheMiddleSingleton._onRequire (/srv/node_modules/@opentelemetry/instrumentation/build/src/platform/node/RequireInTheMiddleSingleton.js:40:25)',
      'module.exports (/srv/node_modules/module-details-from-path/index.js:9:17)',
      'Module.patchedRequire (/srv/node_modules/require-in-the-middle/index.js:163:26)',
      'Hook._require.Module.require (/srv/node_modules/require-in-the-middle/index.js:134:27)',
      'require (node:internal/modules/helpers:177:18)',
      'loadPlugins (/srv/app/plugins.js:12:5)',
    ),
    AGENT,
  );
  assert.equal(required.agent, false);
  assert.deepEqual(required.frames.map((f) => f.function), ['loadPlugins']);
  // The code of the module being loaded is not the hook's: Node's loader runs it, under the hook.
  const body = stallCode(
    probed(
      'Object.<anonymous> (/srv/node_modules/heavy/index.js:3:1)',
      'Module._compile (node:internal/modules/cjs/loader:1364:14)',
      'Module.require (node:internal/modules/cjs/loader:1231:19)',
      'Module.patchedRequire (/srv/node_modules/require-in-the-middle/index.js:189:28)',
      'require (node:internal/modules/helpers:177:18)',
      'loadPlugins (/srv/app/plugins.js:12:5)',
    ),
    AGENT,
  );
  assert.deepEqual(body.frames.map((f) => f.file), ['/srv/node_modules/heavy/index.js', '/srv/app/plugins.js']);
  // import-in-the-middle's runtime and the wrapper module it generates for an import (`?iitm=`).
  const imported = stallCode(
    probed(
      'register (/srv/node_modules/import-in-the-middle/lib/register.js:40:7)',
      'file:///srv/node_modules/pg/esm/index.mjs?iitm=true:12:3',
      'async loadDriver (file:///srv/app/db.mjs:4:3)',
    ),
    AGENT,
  );
  assert.deepEqual(imported.frames.map((f) => f.file), ['/srv/app/db.mjs']);
  // Any other module URL keeps its query: it is part of the module's identity.
  assert.equal(parseStack('    at file:///srv/app/a.mjs?v=2:1:1')[0]?.file, '/srv/app/a.mjs?v=2');
});
