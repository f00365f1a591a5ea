// Why a request failed: the error a framework's handler threw (or rejected with, or passed to
// next) is on the request's server span — an `exception` event and the status message — for a
// traced request and for a light one (over the trace budget: its partial server span), so the
// trace list reads the reason, not "HTTP 500, no message recorded". NestJS and restify answer
// errors themselves (exception filters, restify's error response): the error is taken where
// they handle it, also when the app's own Nest filter answers the 500. Real apps under the
// agent, the real collector.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventsResponse, SpanView, TraceResponse, TracesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, LIGHT_BUDGETS, randomHex, RANGE, runServiceApps, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

/** The app each framework runs, and env of its own. */
const APPS: Record<string, { script: string; env?: Record<string, string> }> = {
  fastify: { script: 'fastify-app.js' },
  express: { script: 'express-app.js' },
  connect: { script: 'connect-app.js' },
  koa: { script: 'koa-app.js' },
  'koa-caught': { script: 'koa-app.js', env: { KOA_ERROR_MIDDLEWARE: 'true' } },
  'koa-esm': { script: 'koa-esm-app.mjs' },
  'koa-esm-caught': { script: 'koa-esm-app.mjs', env: { KOA_ERROR_MIDDLEWARE: 'true' } },
  hapi: { script: 'hapi-app.js' },
  'nest-express': { script: 'nest-app.mjs', env: { NEST_ADAPTER: 'express' } },
  'nest-fastify': { script: 'nest-app.mjs', env: { NEST_ADAPTER: 'fastify' } },
  restify: { script: 'restify-app.js' },
  'restify-uncaught': { script: 'restify-app.js', env: { RESTIFY_UNCAUGHT: 'true' } },
};

interface Case {
  framework: string;
  path: string;
  type: string;
  message: string;
}

const CASES: Case[] = [
  { framework: 'fastify', path: '/throw/a1', type: 'Error', message: 'bad input <img src=x> for a1' },
  { framework: 'fastify', path: '/reject/b2', type: 'TypeError', message: 'rejected for b2' },
  { framework: 'fastify', path: '/send-error/g7', type: 'RangeError', message: 'sent for g7' },
  { framework: 'express', path: '/fail', type: 'Error', message: 'route failed on purpose' },
  { framework: 'express', path: '/handled/next-error/c3', type: 'RangeError', message: 'passed to next for c3' },
  { framework: 'connect', path: '/api/fail', type: 'Error', message: 'connect route failed' },
  { framework: 'koa', path: '/api/fail', type: 'Error', message: 'koa route failed' },
  // Caught by the app's error middleware, answered 500 and reported with app.emit('error').
  { framework: 'koa-caught', path: '/api/fail', type: 'Error', message: 'koa route failed' },
  { framework: 'koa-esm', path: '/esm/fail/d4', type: 'SyntaxError', message: 'koa esm rejected d4' },
  { framework: 'koa-esm-caught', path: '/esm/fail/h8', type: 'SyntaxError', message: 'koa esm rejected h8' },
  { framework: 'hapi', path: '/api/fail', type: 'Error', message: 'hapi route failed' },
  // Nest's own filter answers 500 "Internal server error"; the app's global filter answers the
  // quota store's error with a 500 of its own: the error thrown is recorded either way.
  ...(['nest-express', 'nest-fastify'] as const).flatMap((framework) => [
    { framework, path: '/v1/api/users/fail', type: 'Error', message: 'nest route failed' },
    { framework, path: '/v1/api/users/quota', type: 'QuotaStoreError', message: 'quota store timed out after 2000 ms' },
  ]),
  { framework: 'restify', path: '/api/fail', type: 'Error', message: 'restify route failed' },
  { framework: 'restify', path: '/api/throw/e5', type: 'TypeError', message: 'restify handler threw for e5' },
  // A handler's synchronous throw, caught by restify's domain (handleUncaughtExceptions).
  { framework: 'restify-uncaught', path: '/api/sync-throw/f6', type: 'RangeError', message: 'restify handler threw synchronously for f6' },
];

/** Errors answered with a 4xx — by the framework, or by the app's own Nest filter: the client's, no error on the span. */
const CLIENT_ERRORS: { framework: string; path: string; status: number }[] = [
  { framework: 'fastify', path: '/bad-request', status: 400 },
  ...(['nest-express', 'nest-fastify'] as const).flatMap((framework) => [
    { framework, path: '/v1/api/users/missing', status: 404 },
    { framework, path: '/v1/api/users/over-quota', status: 422 },
  ]),
  { framework: 'restify', path: '/api/conflict', status: 409 },
];

const serviceOf = (framework: string): string => `agent-e2e-errors-${framework}`;

/** A traceparent continuing a caller's trace, sampled (the request is traced) or not (light, with both budgets at 0). */
function traceparent(sampled: boolean): { traceId: string; header: string } {
  const traceId = randomHex(16);
  return { traceId, header: `00-${traceId}-${randomHex(8)}-${sampled ? '01' : '00'}` };
}

describe('a failed request records why', () => {
  let collector: TestCollector;
  const apps = new Map<string, RunningApp>();
  /** Trace ids by `<framework> <path> <traced|light>`. */
  const sent = new Map<string, string>();

  before(async () => {
    collector = await startTestCollector();
    const frameworks = [...new Set(CASES.map((c) => c.framework))];
    await runServiceApps(
      collector,
      frameworks.map((framework) => ({ service: serviceOf(framework), script: `${FIXTURES}/${APPS[framework]!.script}`, env: { ...APPS[framework]!.env, ...LIGHT_BUDGETS } })),
      async (app, service) => {
        for (const c of CASES.filter((x) => serviceOf(x.framework) === service)) {
          for (const mode of ['traced', 'light'] as const) {
            const { traceId, header } = traceparent(mode === 'traced');
            const res = await fetch(`${app.base}${c.path}`, { headers: { traceparent: header } });
            assert.equal(res.status, 500, `${c.framework} ${c.path}`);
            await res.text();
            sent.set(`${c.framework} ${c.path} ${mode}`, traceId);
          }
        }
      },
      apps,
    );
  });

  after(async () => {
    await Promise.all([...apps.values()].map((app) => app.stop()));
    await collector?.close();
  });

  const serverSpan = (traceId: string): Promise<SpanView> =>
    eventually(async () => {
      await collector.collector.storage.flush();
      const r = await fetch(`${collector.collector.httpUrl}/api/traces/${traceId}`);
      if (!r.ok) return undefined;
      return ((await r.json()) as TraceResponse).spans.find((s) => s.kind === 2);
    }, `the server span of trace ${traceId}`);

  for (const c of CASES) {
    for (const mode of ['traced', 'light'] as const) {
      test(`${c.framework} ${c.path}, ${mode}: the exception and the status message are on the server span`, async () => {
        const traceId = sent.get(`${c.framework} ${c.path} ${mode}`);
        assert.ok(traceId, 'the request was sent');
        const span = await serverSpan(traceId);
        assert.equal(span.attributes['http.response.status_code'], 500);
        assert.equal(span.attributes['headroom.trace.partial'], mode === 'light' ? true : undefined);
        assert.equal(span.status.code, 2);
        assert.equal(span.status.message, c.message);
        const exception = span.events.find((e) => e.name === 'exception');
        assert.ok(exception, `an exception event; events: ${JSON.stringify(span.events)}`);
        assert.equal(exception.attributes['exception.type'], c.type);
        assert.equal(exception.attributes['exception.message'], c.message);
        assert.match(String(exception.attributes['exception.stacktrace']), new RegExp(`^${c.type}: `));
        const listed = await eventually(async () => {
          const r = await collector.api<TracesResponse>(`/api/traces?service=${serviceOf(c.framework)}&error=true&limit=100&${RANGE()}`);
          return r.traces.find((t) => t.traceId === traceId);
        }, 'the trace in the list of failed traces');
        assert.equal(listed.errorMessage, `${c.type}: ${c.message}`);
      });
    }
  }

  test("restify's domain answered a handler's throw: the uncaught exception is recorded as not fatal, and the agent goes on", async () => {
    const service = serviceOf('restify-uncaught');
    const event = await eventually(async () => {
      const r = await collector.api<EventsResponse>(`/api/events?service=${service}&type=uncaught_exception&${RANGE()}`);
      return r.events[0];
    }, 'the uncaught_exception event');
    assert.match(event.message ?? '', /threw synchronously for f6/);
    assert.equal(event.attributes['headroom.fatal'], false);
    // A request after it is still seen (the agent stopped itself when it took the throw for fatal).
    const app = apps.get(service);
    assert.ok(app);
    const { traceId, header } = traceparent(true);
    const res = await fetch(`${app.base}/api/users/7`, { headers: { traceparent: header } });
    assert.equal(res.status, 200);
    await res.text();
    assert.equal((await serverSpan(traceId)).name, 'GET /api/users/:id');
  });

  for (const c of CLIENT_ERRORS) {
    test(`${c.framework} ${c.path}: an error answered with a ${c.status} is the client's, the span has no error`, async () => {
      const app = apps.get(serviceOf(c.framework));
      assert.ok(app);
      const { traceId, header } = traceparent(true);
      const res = await fetch(`${app.base}${c.path}`, { headers: { traceparent: header } });
      assert.equal(res.status, c.status);
      await res.text();
      const span = await serverSpan(traceId);
      assert.equal(span.attributes['http.response.status_code'], c.status);
      assert.equal(span.status.code, 0);
      assert.deepEqual(span.events.filter((e) => e.name === 'exception'), []);
    });
  }
});
