// The shape of the per-framework route tests: one app per service (each framework once with
// every request light — both trace budgets 0 — and once with every request traced), the same
// requests sent to each, and the requests counted by transaction at the collector: method and
// route ("GET /api/users/:id"); a request no route matched under its method alone ("GET").
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LIGHT_BUDGETS, requestsByRoute, runServiceApps, startTestCollector, traceOfRoute, type RunningApp, type TestCollector } from './harness';

export interface RouteCase {
  path: string;
  status: number;
  /** The transaction the request must be counted under ("GET /api/users/:id", or "GET"). */
  route: string;
}

export interface RouteSuite {
  /** What the suite is named by (`koa routes, light and traced`). */
  name: string;
  /** The app, and env of its own, per service; each service is run light and traced. */
  apps: { service: string; script: string; env?: Record<string, string> }[];
  requests: RouteCase[];
  /** A route (a GET's path pattern) whose requests fail with a 5xx: its trace is kept, light or traced. */
  failingRoute: string;
}

export function describeRoutes(suite: RouteSuite): void {
  const services = suite.apps.flatMap(({ service, script, env }) => [
    { service: `${service}-light`, script, env: { ...env, ...LIGHT_BUDGETS } },
    { service: `${service}-traced`, script, env: { ...env } },
  ]);

  describe(suite.name, () => {
    let collector: TestCollector;
    const apps = new Map<string, RunningApp>();

    before(async () => {
      collector = await startTestCollector();
      await runServiceApps(collector, services, async (app, service) => {
        for (const r of suite.requests) {
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

    const want: Record<string, number> = {};
    for (const r of suite.requests) want[r.route] = (want[r.route] ?? 0) + 1;
    const wanted = Object.fromEntries(Object.entries(want).sort(([a], [b]) => (a < b ? -1 : 1)));
    for (const { service } of services) {
      test(`${service}: every request counted under the route the framework matched`, async () => {
        assert.deepEqual(await requestsByRoute(collector, service, suite.requests.length), wanted);
      });
    }

    test('the failing route keeps its trace, named by its route, light or traced', async () => {
      for (const { service } of services) {
        const t = await traceOfRoute(collector, service, `GET ${suite.failingRoute}`);
        assert.equal(t.spans.find((s) => !s.parentSpanId)?.name, `GET ${suite.failingRoute}`, service);
      }
    });
  });
}
