// A latency (or Apdex) rule over a whole service counts the requests that matched a route: a
// scanner's 3,000 fast 404s on unknown paths (no route matched: the method alone, "GET") neither
// hide a slow app's p95 nor resolve its alert, and the rule's link opens the service page on the same
// requests (?routes=matched), whose series answers the same p95. A service that never named a
// route has nothing to tell apart: all its requests count. Real collector, SQLite file, OTLP
// metrics through the SDK's exporter, a webhook receiver on 127.0.0.1.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AlertRuleWithState, ServiceSeriesResponse } from '../../collector/src/api-types';
import { startCollector } from '../../collector/src/server';
import { eventually } from '../agent/support/harness';
import { sendMetrics, serviceResource } from './support/collector-harness';
import { payloads, startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson, startWebhookReceiver, TEST_SECRET } from './support/webhook-receiver';

const ROUTED = { 'http.request.method': 'GET', 'http.route': '/orders', 'http.response.status_code': 200 };
const UNROUTED_404 = { 'http.request.method': 'GET', 'http.response.status_code': 404 };

function p95Rule(id: string, service: string): Record<string, unknown> {
  return { id, name: id, series: 'latency.p95', service, windowMs: '5m', comparison: '>', threshold: 800, destinations: ['hook'] };
}

async function ruleState(base: string, id: string): Promise<AlertRuleWithState> {
  return (await (await fetch(`${base}/api/alerts/rules/${id}`)).json()) as AlertRuleWithState;
}

const maxOf = (xs: (number | null)[]): number => Math.max(...xs.map((x) => x ?? 0));

test('a slow route under 3,000 fast unrouted 404s: the p95 rule fires on the route (≈ 900 ms) and links to the matched routes; a service without routes counts all', async (t) => {
  const dir = tempDir();
  const hook = await startWebhookReceiver(TEST_SECRET);
  const collector = await startAlertCollector(dir);
  t.after(async () => {
    await collector.close();
    await hook.close();
    dir.remove();
  });
  await sendMetrics(collector.otlpUrl, serviceResource('shop', 'shop-1'), (m) => {
    m.histogram('http.server.request.duration', 's', Array.from({ length: 100 }, () => 0.9), ROUTED);
    m.histogram('http.server.request.duration', 's', Array.from({ length: 3000 }, () => 0.002), UNROUTED_404);
  });
  await sendMetrics(collector.otlpUrl, serviceResource('plain', 'plain-1'), (m) =>
    m.histogram('http.server.request.duration', 's', Array.from({ length: 30 }, () => 0.9), { 'http.request.method': 'GET', 'http.response.status_code': 200 }),
  );
  await collector.storage.flush();
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'hook', type: 'webhook', url: hook.url, secret: TEST_SECRET })).status, 201);
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, p95Rule('shop-p95', 'shop'))).status, 201);
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, p95Rule('plain-p95', 'plain'))).status, 201);
  // Apdex (T 500 ms): the route's 900 ms requests tolerating, 0.5; with the 404s satisfied, 0.98.
  const apdexRule = { id: 'shop-apdex', name: 'shop-apdex', series: 'apdex', service: 'shop', windowMs: '5m', comparison: '<', threshold: 0.7, destinations: [] };
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, apdexRule)).status, 201);

  // Over every request the p95 is one of the 404s' 2 ms; over the matched route it is ≈ 900 ms.
  const fired = await eventually(async () => {
    const r = await ruleState(collector.httpUrl, 'shop-p95');
    return r.state.state === 'firing' ? r : undefined;
  }, 'the shop p95 rule firing');
  assert.ok(fired.state.value !== null && Math.abs(fired.state.value - 900) < 20, `p95 ${fired.state.value}`);
  const link = new URL(fired.link, collector.httpUrl);
  assert.equal(link.pathname, '/services/shop');
  assert.equal(link.searchParams.get('routes'), 'matched');
  const apdex = await eventually(async () => {
    const r = await ruleState(collector.httpUrl, 'shop-apdex');
    return r.state.state === 'firing' ? r : undefined;
  }, 'the shop Apdex rule firing');
  assert.equal(apdex.state.value, 0.5);
  assert.equal(new URL(apdex.link, collector.httpUrl).searchParams.get('routes'), 'matched');
  const notified = await eventually(async () => payloads(hook).find((p) => p.commonLabels.rule_id === 'shop-p95'), 'the firing');
  assert.equal(new URL(notified.alerts[0]!.generatorURL).searchParams.get('routes'), 'matched');

  // The page the link opens reads the same requests: its series' p95 is the rule's.
  const series = async (query: string): Promise<ServiceSeriesResponse> => (await (await fetch(`${collector.httpUrl}/api/services/shop/series?range=15m${query}`)).json()) as ServiceSeriesResponse;
  const matched = await series('&routes=matched');
  assert.equal(matched.matchedRoutes, true);
  assert.ok(Math.abs(maxOf(matched.p95Ms) - 900) < 20, `matched p95 ${maxOf(matched.p95Ms)}`);
  assert.equal(matched.requests.reduce((a, b) => a + b, 0), 100);
  const all = await series('');
  assert.equal(all.matchedRoutes, false);
  assert.ok(maxOf(all.p95Ms) < 10, `every request's p95 ${maxOf(all.p95Ms)}`);
  assert.equal((await fetch(`${collector.httpUrl}/api/services/shop/series?range=15m&routes=all`)).status, 400);

  // A service that never named a route: its requests are all it has.
  const plain = await eventually(async () => {
    const r = await ruleState(collector.httpUrl, 'plain-p95');
    return r.state.state === 'firing' ? r : undefined;
  }, 'the plain p95 rule firing');
  assert.ok(plain.state.value !== null && plain.state.value > 800);
  const plainSeries = (await (await fetch(`${collector.httpUrl}/api/services/plain/series?range=15m&routes=matched`)).json()) as ServiceSeriesResponse;
  assert.equal(plainSeries.matchedRoutes, false);
  assert.ok(maxOf(plainSeries.p95Ms) > 800);
});

test("routes past the service's budget (GET (other routes)) are matched routes too: the series counts them, the unrouted 404s not", async (t) => {
  const dir = tempDir();
  const collector = await startCollector({ dbPath: join(dir.path, 'headroom.db'), otlpPort: 0, httpPort: 0, maxNewRoutesPerDay: 1 });
  t.after(async () => {
    await collector.close();
    dir.remove();
  });
  await sendMetrics(collector.otlpUrl, serviceResource('folded', 'folded-1'), (m) => {
    m.histogram('http.server.request.duration', 's', Array.from({ length: 40 }, () => 0.9), ROUTED);
    m.histogram('http.server.request.duration', 's', Array.from({ length: 60 }, () => 0.9), { ...ROUTED, 'http.route': '/wp-admin/1' });
    m.histogram('http.server.request.duration', 's', Array.from({ length: 3000 }, () => 0.002), UNROUTED_404);
  });
  await collector.storage.flush();
  const res = (await (await fetch(`${collector.httpUrl}/api/services/folded/series?range=15m&routes=matched`)).json()) as ServiceSeriesResponse;
  assert.equal(res.matchedRoutes, true);
  assert.equal(res.requests.reduce((a, b) => a + b, 0), 100, 'GET /orders and the folded GET (other routes)');
  const tx = (await (await fetch(`${collector.httpUrl}/api/services/folded/transactions?range=15m`)).json()) as { transactions: { route: string; requests: number }[] };
  assert.deepEqual(Object.fromEntries(tx.transactions.map((x) => [x.route, x.requests])), { GET: 3000, 'GET (other routes)': 60, 'GET /orders': 40 });
});
