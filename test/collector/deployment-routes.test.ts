// Which routes a deploy changed, through a real collector and real OTLP: the old version's process
// and then the new one's send the same three routes, one of them three times slower after; the
// deployments API names that route first, with its figures on both sides, and leaves out a route
// with too few requests to judge.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeploymentsResponse } from '../../collector/src/api-types';
import { getJson, sendMetrics, serviceResource, startTestCollector } from './support/collector-harness';

const SERVICE = 'routes-deploy';
const route = (path: string) => ({ 'http.route': path, 'http.request.method': 'GET', 'http.response.status_code': 200 });

test('a deploy lists the routes it changed most, the slower one first, each with enough requests on both sides', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const side = async (instance: string, version: string, searchS: number, failedHome: number) => {
    await sendMetrics(collector.otlpUrl, serviceResource(SERVICE, instance, { 'service.version': version }), (m) => {
      m.histogram('http.server.request.duration', 's', Array(100).fill(searchS), route('/api/search'));
      m.histogram('http.server.request.duration', 's', Array(80).fill(0.01), route('/'));
      m.histogram('http.server.request.duration', 's', Array(failedHome).fill(0.01), { ...route('/'), 'http.response.status_code': 500 });
      // Too few to judge on either side (under 50), however much slower.
      m.histogram('http.server.request.duration', 's', Array(10).fill(searchS * 10), route('/rare'));
    });
  };
  await side('old', '1.0.0', 0.04, 0);
  await new Promise((r) => setTimeout(r, 20));
  await side('new', '2.0.0', 0.12, 3);
  const { status, body } = await getJson<DeploymentsResponse>(`${collector.httpUrl}/api/services/${SERVICE}/deployments?range=15m`);
  assert.equal(status, 200);
  assert.equal(body.routeMinRequests, 50);
  const [deploy] = body.deployments;
  assert.equal(deploy?.version, '2.0.0');
  assert.equal(deploy.routesCompared, 2, 'GET /rare has 10 requests a side');
  assert.deepEqual(deploy.routes.map((r) => r.route), ['GET /api/search', 'GET /']);
  const [search, home] = deploy.routes;
  assert.deepEqual([search!.before.requests, search!.after.requests], [100, 100]);
  assert.ok(Math.abs(search!.before.p95Ms! - 40) < 1 && Math.abs(search!.after.p95Ms! - 120) < 2, `p95 ${search!.before.p95Ms} → ${search!.after.p95Ms}`);
  assert.ok(Math.abs(search!.after.meanMs - 120) < 1e-6);
  assert.equal(search!.afterAboveBeforeP95, 1);
  // GET /: as fast, but 3 of its 83 requests failed after (+3.6 points: a smaller change than ×3).
  assert.deepEqual([home!.before.errorRate, home!.after.errorRate, home!.after.requests], [0, 3 / 83, 83]);
  assert.equal(home!.afterAboveBeforeP95, 0);
});

test("only the newest deploys' routes are compared (a route's rows are many times a process's): older ones say null", async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const service = 'many-deploys';
  const read = () => getJson<DeploymentsResponse>(`${collector.httpUrl}/api/services/${service}/deployments?range=15m`);
  for (let v = 1; v <= 7; v++) {
    await sendMetrics(collector.otlpUrl, serviceResource(service, `p${v}`, { 'service.version': `${v}.0.0` }), (m) => {
      m.histogram('http.server.request.duration', 's', Array(60).fill(0.01 * v), route('/a'));
    });
    // Each version first seen after the one before it.
    for (let i = 0; i < 100 && (await read()).body.deployments.length < v; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 20));
  }
  const { body } = await read();
  assert.equal(body.routeDeploys, 5);
  assert.deepEqual(body.deployments.map((d) => d.version), ['7.0.0', '6.0.0', '5.0.0', '4.0.0', '3.0.0', '2.0.0', '1.0.0']);
  assert.deepEqual(body.deployments.map((d) => d.routes?.map((r) => r.route) ?? null), [['GET /a'], ['GET /a'], ['GET /a'], ['GET /a'], ['GET /a'], null, null]);
  assert.deepEqual(body.deployments.map((d) => d.routesCompared), [1, 1, 1, 1, 1, null, null]);
});
