// Why a request failed: the error a framework's handler threw (or rejected with, or passed to
// next) is on the request's server span — an `exception` event and the status message — for a
// traced request and for a light one (over the trace budget: its partial server span), so the
// trace list reads the reason, not "HTTP 500, no message recorded". Real apps under the agent,
// the real collector.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SpanView, TraceResponse, TracesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, LIGHT_BUDGETS, randomHex, RANGE, runServiceApps, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

interface Case {
  framework: string;
  script: string;
  path: string;
  type: string;
  message: string;
}

const CASES: Case[] = [
  { framework: 'fastify', script: 'fastify-app.js', path: '/throw/a1', type: 'Error', message: 'bad input <img src=x> for a1' },
  { framework: 'fastify', script: 'fastify-app.js', path: '/reject/b2', type: 'TypeError', message: 'rejected for b2' },
  { framework: 'express', script: 'express-app.js', path: '/fail', type: 'Error', message: 'route failed on purpose' },
  { framework: 'express', script: 'express-app.js', path: '/handled/next-error/c3', type: 'RangeError', message: 'passed to next for c3' },
  { framework: 'connect', script: 'connect-app.js', path: '/api/fail', type: 'Error', message: 'connect route failed' },
  { framework: 'koa', script: 'koa-app.js', path: '/api/fail', type: 'Error', message: 'koa route failed' },
  { framework: 'koa-esm', script: 'koa-esm-app.mjs', path: '/esm/fail/d4', type: 'SyntaxError', message: 'koa esm rejected d4' },
  { framework: 'hapi', script: 'hapi-app.js', path: '/api/fail', type: 'Error', message: 'hapi route failed' },
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
      frameworks.map((framework) => ({ service: serviceOf(framework), script: `${FIXTURES}/${CASES.find((c) => c.framework === framework)!.script}`, env: LIGHT_BUDGETS })),
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

  test('an error fastify answers with a 4xx is the client\'s: the span has no error', async () => {
    const app = apps.get(serviceOf('fastify'));
    assert.ok(app);
    const { traceId, header } = traceparent(true);
    const res = await fetch(`${app.base}/bad-request`, { headers: { traceparent: header } });
    assert.equal(res.status, 400);
    await res.text();
    const span = await serverSpan(traceId);
    assert.equal(span.status.code, 0);
    assert.deepEqual(span.events.filter((e) => e.name === 'exception'), []);
  });
});
