// Koa route names, end to end: a koa 3 app with @koa/router, once with every request light
// (both trace budgets 0) and once with every request traced. OTel's koa instrumentation names
// the route only from middleware that has a span; light requests must get the same route.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FIXTURES, LIGHT_BUDGETS, requestsByRoute, runServiceApps, startTestCollector, traceOfRoute, type RunningApp, type TestCollector } from './support/harness';

const REQUESTS: { path: string; status: number; route: string }[] = [
  { path: '/api/users/3', status: 200, route: '/api/users/:id' },
  { path: '/api/users/4', status: 200, route: '/api/users/:id' },
  { path: '/authors/5/posts/9', status: 200, route: '/authors/:aid/posts/:pid' },
  { path: '/api/fail', status: 500, route: '/api/fail' },
  { path: '/health', status: 200, route: 'GET' },
  { path: '/nope', status: 404, route: 'GET' },
];

const SERVICES: Record<string, Record<string, string>> = { 'koa-light': LIGHT_BUDGETS, 'koa-traced': {} };

describe('koa routes, light and traced', () => {
  let collector: TestCollector;
  const apps = new Map<string, RunningApp>();

  before(async () => {
    collector = await startTestCollector();
    const services = Object.entries(SERVICES).map(([service, env]) => ({ service, script: `${FIXTURES}/koa-app.js`, env }));
    await runServiceApps(collector, services, async (app, service) => {
      for (const r of REQUESTS) {
        const res = await fetch(`${app.base}${r.path}`);
        await res.text();
        assert.equal(res.status, r.status, `${service} ${r.path}`);
      }
    }, apps);
  });

  after(async () => {
    await Promise.all([...apps.values()].map((app) => app.stop()));
    await collector?.close();
  });

  for (const service of Object.keys(SERVICES)) {
    test(`${service}: every request counted under the route @koa/router matched`, async () => {
      const want: Record<string, number> = {};
      for (const r of REQUESTS) want[r.route] = (want[r.route] ?? 0) + 1;
      assert.deepEqual(await requestsByRoute(collector, service, REQUESTS.length), Object.fromEntries(Object.entries(want).sort()));
    });
  }

  test('the failing route keeps its trace, named by its route, light or traced', async () => {
    for (const service of Object.keys(SERVICES)) {
      const t = await traceOfRoute(collector, service, '/api/fail');
      assert.equal(t.spans.find((s) => !s.parentSpanId)?.name, 'GET /api/fail', service);
    }
  });
});
