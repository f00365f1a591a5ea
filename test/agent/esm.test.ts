// An ES module app under `node --import @headroom/agent/register`: the import-in-the-middle
// loader hook is registered, so express (imported, not required) is instrumented and routes
// are recorded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import type { TransactionsResponse } from '../../collector/src/api-types';
import { esmHookInclude } from '../../agent/src/esm-hook';
import { KoaRoutesInstrumentation } from '../../agent/src/http-server/koa-routes';
import { eventually, FIXTURES, RANGE, REGISTER, startTestCollector, type TestCollector } from './support/harness';

let collector: TestCollector;
before(async () => {
  collector = await startTestCollector();
});
after(async () => {
  await collector?.close();
});

test('an ESM express app under --import reports its routes', async () => {
  const child = spawn(process.execPath, ['--import', REGISTER, `${FIXTURES}/esm-app.mjs`], {
    env: { PATH: process.env.PATH ?? '', OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: 'agent-esm', OTEL_METRIC_EXPORT_INTERVAL: '500' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        const m = /listening (\d+)/.exec(d.toString());
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error('app exited')));
    });
    for (let i = 0; i < 5; i++) assert.equal(await fetch(`http://127.0.0.1:${port}/esm/${i}`).then((r) => r.text()), `esm ${i}`);
    const res = await eventually(async () => {
      const r = await collector.api<TransactionsResponse>(`/api/services/agent-esm/transactions?${RANGE()}`);
      return r.transactions.find((t) => t.route === 'GET /esm/:id' && t.requests === 5);
    }, 'ESM route');
    assert.equal(res.requests, 5);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

test('the loader hook is told to wrap only the built-ins, package entries and package files the instrumentations patch', async () => {
  const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
  const include = esmHookInclude([new HttpInstrumentation({ enabled: false }), new NestInstrumentation({ enabled: false }), new KoaRoutesInstrumentation({ enabled: false })]);
  assert.ok(include);
  const matches = (url: string, specifier: string) => include.some((each) => (each instanceof RegExp ? each.test(url) : each === specifier));
  assert.ok(matches('node:http', 'http') && matches('node:https', 'https'));
  // A package's entry when its instrumentation patches it (koa's application class)…
  assert.ok(matches('file:///app/node_modules/koa/dist/koa.mjs', 'koa'));
  // …not when it patches files only: wrapping @nestjs/core's index read every module it re-exports.
  assert.ok(!matches('file:///app/node_modules/@nestjs/core/index.js', '@nestjs/core'), 'not an entry nothing patches');
  assert.ok(matches('file:///app/node_modules/@nestjs/core/router/router-execution-context.js', './router-execution-context.js'), 'the package files patched too');
  // The package's other files are not: wrapping every @nestjs/core module cost a Nest app ≈0.4 s of CPU at start.
  assert.ok(!matches('file:///app/node_modules/@nestjs/core/injector/injector.js', './injector.js'), 'not the files no instrumentation patches');
  assert.ok(!matches('file:///app/node_modules/@nestjs/core/router/router-execution-context.js.map', './router-execution-context.js.map'));
  assert.ok(!matches('file:///app/node_modules/lodash/index.js', 'lodash'));
  assert.ok(!matches('file:///app/src/main.js', './main.js'), "the app's own modules are not wrapped");
  // An instrumentation whose modules cannot be read: everything is wrapped, as without a list.
  assert.equal(esmHookInclude([{} as never]), null);
});
