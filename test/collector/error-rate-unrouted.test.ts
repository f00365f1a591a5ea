// The error rate a scanner does not dilute (collector/src/store/error-rate.ts): every failed
// request over every request but those no route matched that did not fail. 3,000 unrouted 404s
// beside 100 checkouts of which 30 failed read 1 % over every request and 30 % so; a root
// middleware's unrouted 500s still count; a service that names no routes counts all its requests.
// The error-rate alert rule, the service page's ?routes=matched series its link opens, and the
// deployments with the advisor's deploy rule agree. Real collector and SQLite file, OTLP metrics
// through the SDK's exporter; the advisor over a real store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertRuleWithState, ServiceSeriesResponse } from '../../collector/src/api-types';
import { createAdvisor } from '../../collector/src/advisor';
import type { InstanceSeen, RequestPoint } from '../../collector/src/model';
import { eventually } from '../agent/support/harness';
import { startAlertCollector, tempDir } from './support/alerts-harness';
import { sendMetrics, serviceResource } from './support/collector-harness';
import { postJson } from './support/webhook-receiver';
import { batchWith, msToNs, openTestStore, requestPoint, sdkHistogram } from './store-helpers';

const MINUTE = 60_000;
const request = (route: string | null, status: number) => ({ 'http.request.method': 'GET', 'http.response.status_code': status, ...(route !== null && { 'http.route': route }) });
const fast = (n: number) => Array.from({ length: n }, () => 0.002);

async function ruleState(base: string, id: string): Promise<AlertRuleWithState> {
  return (await (await fetch(`${base}/api/alerts/rules/${id}`)).json()) as AlertRuleWithState;
}

const sum = (xs: (number | null)[]): number => xs.reduce<number>((a, b) => a + (b ?? 0), 0);

test('error rate over the requests that count: a scanner\'s 404s left out, a root middleware\'s 500s kept, a service without routes whole; the rule, its link and the page agree', async (t) => {
  const dir = tempDir();
  const collector = await startAlertCollector(dir);
  t.after(async () => {
    await collector.close();
    dir.remove();
  });
  await sendMetrics(collector.otlpUrl, serviceResource('shop', 'shop-1'), (m) => {
    m.histogram('http.server.request.duration', 's', fast(70), request('/checkout', 200));
    m.histogram('http.server.request.duration', 's', fast(30), request('/checkout', 500));
    m.histogram('http.server.request.duration', 's', fast(3000), request(null, 404));
  });
  // Every failure before any route: a broken middleware at the app's root.
  await sendMetrics(collector.otlpUrl, serviceResource('gate', 'gate-1'), (m) => {
    m.histogram('http.server.request.duration', 's', fast(80), request('/a', 200));
    m.histogram('http.server.request.duration', 's', fast(20), request(null, 500));
    m.histogram('http.server.request.duration', 's', fast(3000), request(null, 404));
  });
  await sendMetrics(collector.otlpUrl, serviceResource('plain', 'plain-1'), (m) => {
    m.histogram('http.server.request.duration', 's', fast(90), request(null, 200));
    m.histogram('http.server.request.duration', 's', fast(10), request(null, 500));
  });
  await collector.storage.flush();
  for (const service of ['shop', 'gate', 'plain']) {
    const rule = { id: `${service}-errors`, name: `${service}-errors`, series: 'error_rate', service, windowMs: '5m', comparison: '>=', threshold: 0.1, destinations: [] };
    assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, rule)).status, 201);
  }
  const firing = (id: string) =>
    eventually(async () => {
      const r = await ruleState(collector.httpUrl, id);
      return r.state.state === 'firing' ? r : undefined;
    }, `${id} firing`);
  const shop = await firing('shop-errors');
  assert.equal(shop.state.value, 0.3, '30 failed of the 100 checkouts, the 3,000 404s left out');
  assert.equal(new URL(shop.link, collector.httpUrl).searchParams.get('routes'), 'matched');
  assert.equal((await firing('gate-errors')).state.value, 0.2, '20 unrouted 500s over the 80 routed requests and themselves');
  assert.equal((await firing('plain-errors')).state.value, 0.1, 'no routes named: every request counts');

  // The page the link opens: its error rate is the rule's; over every request it is diluted.
  const series = async (service: string, query: string) =>
    (await (await fetch(`${collector.httpUrl}/api/services/${service}/series?range=15m${query}`)).json()) as ServiceSeriesResponse;
  const rateOf = (s: ServiceSeriesResponse) => s.errorRate.find((x) => x !== null);
  assert.equal(rateOf(await series('shop', '&routes=matched')), 0.3);
  assert.equal(rateOf(await series('gate', '&routes=matched')), 0.2);
  assert.equal(rateOf(await series('plain', '&routes=matched')), 0.1);
  const all = await series('shop', '');
  assert.ok(Math.abs((rateOf(all) ?? 0) - 30 / 3100) < 1e-9, `every request: ${rateOf(all)}`);
  assert.equal(sum((await series('shop', '&routes=matched')).requests), 100, 'the throughput over the matched route stays the matched requests');
});

test("a deploy that fails 20 % of its checkouts under a scanner's 404s: the deployments' error rate and the advisor's deploy rule count it", async (t) => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 30);
  const { storage } = openTestStore(t, { now });
  const service = 'store';
  const points: RequestPoint[] = [];
  const instances: InstanceSeen[] = [];
  const side = async (version: string, firstAgo: number, minutes: number[], failedPerMinute: number) => {
    const instanceId = `${service}-${version}`;
    const resource = { 'service.name': service, 'service.version': version };
    for (const m of minutes) {
      const timeMs = now - m * MINUTE + 1_000;
      points.push(requestPoint(await sdkHistogram(fast(20 - failedPerMinute)), { service, instanceId, route: 'GET /checkout', timeMs }));
      if (failedPerMinute > 0) points.push(requestPoint(await sdkHistogram(fast(failedPerMinute)), { service, instanceId, route: 'GET /checkout', timeMs, error: true }));
      // The scanner's 404s: no route matched (the method alone), no failure.
      points.push({ ...requestPoint(await sdkHistogram(fast(600)), { service, instanceId, route: 'GET', timeMs }), statusCode: 404 });
    }
    const seen = (ago: number): InstanceSeen => ({ service, instanceId, host: 'h', pid: 1, timeNs: msToNs(now - ago * MINUTE), resource });
    instances.push(seen(firstAgo), seen(Math.min(...minutes)));
  };
  await side('1.0.0', 40, Array.from({ length: 25 }, (_, i) => i + 11), 0);
  await side('1.1.0', 10, Array.from({ length: 10 }, (_, i) => i + 1), 4);
  assert.ok(storage.enqueue(batchWith({ instances, requests: points })));
  await storage.flush();

  const deploy = storage.deployments({ service, from: now - 60 * MINUTE, to: now, now, windowMs: 30 * MINUTE }).deployments.find((d) => d.version === '1.1.0');
  assert.equal(deploy?.after.errorRate, 0.2, '4 failed of 20 checkouts a minute');
  assert.equal(deploy?.after.errorRateRequests, 200);
  assert.equal(deploy?.after.requests, 6200, 'its throughput still counts every request');
  assert.equal(deploy?.before.errorRate, 0);
  const findings = createAdvisor(storage).findings({ service, from: now - 60 * MINUTE, to: now }).findings.filter((f) => f.kind === 'deploy.regression');
  assert.equal(findings.length, 1, JSON.stringify(findings.map((f) => f.title)));
  assert.equal(findings[0]?.title, 'After the deploy of 1.1.0: error rate 0 % → 20 %; worse on GET /checkout');
  assert.equal(findings[0]?.severity, 'critical');
});
