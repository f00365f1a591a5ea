// Koa route names, end to end: a koa 3 app with @koa/router, once with every request light
// (both trace budgets 0) and once with every request traced. OTel's koa instrumentation names
// the route only from middleware that has a span; light requests must get the same route.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TraceResponse, TracesResponse, TransactionsResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runApp, type RunningApp, startTestCollector, type TestCollector } from './support/harness';

const REQUESTS: { path: string; status: number; route: string }[] = [
  { path: '/api/users/3', status: 200, route: '/api/users/:id' },
  { path: '/api/users/4', status: 200, route: '/api/users/:id' },
  { path: '/authors/5/posts/9', status: 200, route: '/authors/:aid/posts/:pid' },
  { path: '/api/fail', status: 500, route: '/api/fail' },
  { path: '/health', status: 200, route: 'GET' },
  { path: '/nope', status: 404, route: 'GET' },
];

const SERVICES = { 'koa-light': { HEADROOM_TRACES_PER_SECOND: '0', HEADROOM_RECORDED_TRACES_PER_SECOND: '0' }, 'koa-traced': {} };

describe('koa routes, light and traced', () => {
  let collector: TestCollector;
  const apps: RunningApp[] = [];

  before(async () => {
    collector = await startTestCollector();
    await Promise.all(
      Object.entries(SERVICES).map(async ([service, env]) => {
        const app = await runApp(`${FIXTURES}/koa-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: service, ...env });
        apps.push(app);
        for (const r of REQUESTS) {
          const res = await fetch(`${app.base}${r.path}`);
          await res.text();
          assert.equal(res.status, r.status, `${service} ${r.path}`);
        }
      }),
    );
  });

  after(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await collector?.close();
  });

  for (const service of Object.keys(SERVICES)) {
    test(`${service}: every request counted under the route @koa/router matched`, async () => {
      const want: Record<string, number> = {};
      for (const r of REQUESTS) want[r.route] = (want[r.route] ?? 0) + 1;
      const res = await eventually(async () => {
        const r = await collector.api<TransactionsResponse>(`/api/services/${service}/transactions?${RANGE()}`);
        return r.transactions.reduce((n, t) => n + t.requests, 0) >= REQUESTS.length ? r : undefined;
      }, `${REQUESTS.length} requests of ${service}`);
      assert.deepEqual(Object.fromEntries(res.transactions.map((t) => [t.route, t.requests]).sort()), Object.fromEntries(Object.entries(want).sort()));
    });
  }

  test('the failing route keeps its trace, named by its route, light or traced', async () => {
    for (const service of Object.keys(SERVICES)) {
      const list = await eventually(async () => {
        const r = await collector.api<TracesResponse>(`/api/traces?service=${service}&route=${encodeURIComponent('/api/fail')}&${RANGE()}`);
        return r.traces.length > 0 ? r : undefined;
      }, `the /api/fail trace of ${service}`);
      const t = await collector.api<TraceResponse>(`/api/traces/${list.traces[0]?.traceId as string}`);
      const root = t.spans.find((s) => !s.parentSpanId);
      assert.equal(root?.name, 'GET /api/fail', service);
    }
  });
});
