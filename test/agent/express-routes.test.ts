// Express route names, end to end: the same app on express 5 and express 4, once with every
// request light (both trace budgets 0) and once with every request traced (the default
// budgets, far from exhausted here). The route of each request must be its pattern, the same
// in every mode: a path-mounted middleware that calls next() is no part of it, mounts at
// patterns keep their pattern, sub-apps and `app.route()` count. A request answered inside a
// mount without reaching a route (a middleware's 401, a mounted router's 404) is named by the
// newest mount it entered ("/admin/private/*"); one that entered none has no route. The
// collector counts each as "METHOD pattern" ("GET /users/:id"), one without a route by its
// method alone.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TraceResponse, TracesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, LIGHT_BUDGETS, RANGE, REPO, requestsByRoute, runServiceApps, startTestCollector, traceOfRoute, type RunningApp, type TestCollector } from './support/harness';

const REQUESTS: { method?: string; path: string; route: string; status?: number }[] = [
  { path: '/api/users/3', route: 'GET /api/users/:id' },
  { path: '/users', route: 'GET /users' },
  { path: '/users/7', route: 'GET /users/:id' },
  { path: '/authors/5/posts/9', route: 'GET /authors/:aid/posts/:pid' },
  { path: '/admin/stats', route: 'GET /admin/stats' },
  { path: '/things/4', route: 'GET /things/:id' },
  { method: 'POST', path: '/things/4', route: 'POST /things/:id' },
  { path: '/re/42', route: `GET ${String(/^\/re\/\d+$/)}` },
  { path: '/nope', route: 'GET', status: 404 },
  { path: '/admin/private/keys', route: 'GET /admin/private/*', status: 401 },
  { path: '/users/7/extra', route: 'GET /users/*', status: 404 },
];

function expectedCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of REQUESTS) counts.set(r.route, (counts.get(r.route) ?? 0) + 1);
  return counts;
}


describe('express routes, light and traced, express 5 and 4', () => {
  let collector: TestCollector;
  let express4Dir: string;
  const apps = new Map<string, RunningApp>();
  const variants = (): { service: string; script: string; env: Record<string, string> }[] => {
    const on4 = join(express4Dir, 'express-routes-app.js');
    const on5 = join(FIXTURES, 'express-routes-app.js');
    const node4 = { NODE_PATH: join(REPO, 'node_modules') };
    return [
      { service: 'routes-e5-light', script: on5, env: LIGHT_BUDGETS },
      { service: 'routes-e5-traced', script: on5, env: {} },
      { service: 'routes-e4-light', script: on4, env: { ...node4, ...LIGHT_BUDGETS } },
      { service: 'routes-e4-traced', script: on4, env: node4 },
      { service: 'routes-e5-no-layer-spans', script: on5, env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express' } },
    ];
  };

  before(async () => {
    collector = await startTestCollector();
    // express 4 under its own name, next to a copy of the app: instrumentations know a
    // package by the folder it is loaded from. Its dependencies are found through NODE_PATH.
    express4Dir = mkdtempSync(join(tmpdir(), 'headroom-express4-'));
    cpSync(join(REPO, 'node_modules/express4'), join(express4Dir, 'node_modules/express'), { recursive: true, dereference: true });
    cpSync(join(FIXTURES, 'express-routes-app.js'), join(express4Dir, 'express-routes-app.js'));
    await runServiceApps(collector, variants(), async (app, service) => {
      for (const r of REQUESTS) {
        const res = await fetch(`${app.base}${r.path}`, { method: r.method ?? 'GET' });
        await res.text();
        assert.equal(res.status, r.status ?? 200, `${service} ${r.path}`);
      }
    }, apps);
  });

  after(async () => {
    await Promise.all([...apps.values()].map((app) => app.stop()));
    await collector?.close();
    if (express4Dir) rmSync(express4Dir, { recursive: true, force: true });
  });

  for (const service of ['routes-e5-light', 'routes-e5-traced', 'routes-e4-light', 'routes-e4-traced', 'routes-e5-no-layer-spans']) {
    test(`${service}: every request counted under its route pattern`, async () => {
      assert.deepEqual(await requestsByRoute(collector, service, REQUESTS.length), Object.fromEntries([...expectedCounts()].sort()));
    });
  }

  test('a traced request has a span per middleware and route handler, siblings under its server span', async () => {
    for (const service of ['routes-e5-traced', 'routes-e4-traced']) {
      const traceId = (await traceOfRoute(collector, service, 'GET /api/users/:id')).traceId;
      // A trace's spans can reach the collector in two export batches (the agent's queue cuts
      // batches by size): wait for the server span and the handler's, not for a count.
      const t = await eventually(async () => {
        const r = await collector.api<TraceResponse>(`/api/traces/${traceId}`);
        return r.spans.some((s) => !s.parentSpanId) && r.spans.some((s) => s.name.startsWith('request handler')) ? r : undefined;
      }, `the server and handler spans of ${traceId}`);
      const root = t.spans.find((s) => !s.parentSpanId);
      assert.equal(root?.name, 'GET /api/users/:id', service);
      // A busy test machine can stall the app inside a layer: that stall's span is the layer's
      // child, rightly, and not one of the layers.
      const layers = t.spans.filter((s) => s !== root && s.attributes['headroom.stall'] !== true);
      const names = layers.map((s) => s.name);
      assert.ok(names.includes('middleware - <anonymous>'), `${service}: ${names.join(', ')}`);
      assert.ok(names.includes('request handler - /api/users/:id'), `${service}: ${names.join(', ')}`);
      const handler = layers.find((s) => s.name === 'request handler - /api/users/:id');
      assert.equal(handler?.attributes['http.route'], '/api/users/:id');
      assert.equal(handler?.attributes['express.type'], 'request_handler');
      for (const s of layers) assert.equal(s.parentSpanId, root?.spanId, `${service}: ${s.name} is a child of the server span`);
      for (const s of layers) assert.ok(s.durationMs <= (root?.durationMs ?? 0) + 1, `${service}: ${s.name} ends within the request`);
    }
  });

  test('an error passed to next() marks the layer span that raised it (sent after the counts above)', async () => {
    const app = apps.get('routes-e5-traced') as RunningApp;
    const res = await fetch(`${app.base}/boom`);
    await res.text();
    assert.equal(res.status, 500);
    const t = await traceOfRoute(collector, 'routes-e5-traced', 'GET /boom');
    const handler = t.spans.find((s) => s.name === 'request handler - /boom');
    assert.equal(handler?.status.code, 2, JSON.stringify(t.spans.map((s) => [s.name, s.status.code])));
    assert.ok(handler?.events.some((e) => e.name === 'exception'));
  });

  test('with the express instrumentation switched off, a traced request has its route but no layer spans', async () => {
    const t = await traceOfRoute(collector, 'routes-e5-no-layer-spans', 'GET /api/users/:id');
    // (A crowded machine can stretch a callback into a stall: its span is no layer span.)
    assert.deepEqual(t.spans.filter((s) => s.attributes['headroom.stall'] !== true).map((s) => s.name), ['GET /api/users/:id']);
  });

  test('a light request leaves no trace', async () => {
    for (const service of ['routes-e5-light', 'routes-e4-light']) {
      const r = await collector.api<TracesResponse>(`/api/traces?service=${service}&${RANGE()}`);
      // What a light request keeps when it matters: its server span when slow, failed or
      // stalled (a loaded machine stretches a callback into a stall now and then).
      const unexplained = r.traces.filter((t) => t.durationMs < 2000 && !t.error && t.stallMs === 0);
      assert.deepEqual(unexplained, [], `${service}: only slow, failed or stalled requests leave a trace`);
    }
  });
});
