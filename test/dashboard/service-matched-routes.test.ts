// A latency alert rule over a whole service counts the requests that matched a route, and its
// link opens the service page on those requests (?routes=matched): the page reads the same p95 as
// the rule, says what it leaves out, and "show all requests" goes back to every request. Metrics
// through the SDK's OTLP exporter to a real collector, the rule through its API, Chromium reads the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertRulesResponse, ServiceSeriesResponse } from '@headroom/collector/api-types';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { postJson } from '../collector/support/webhook-receiver';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser({ alerts: { intervalMs: 200 } });

test("a p95 rule's link opens the service on the requests that matched a route, with the rule's p95; 'show all requests' shows every one", async () => {
  await sendMetrics(rig.collector.otlpUrl, serviceResource('scanned', 'scanned-1'), (m) => {
    m.histogram('http.server.request.duration', 's', Array.from({ length: 100 }, () => 0.9), { 'http.request.method': 'GET', 'http.route': '/orders', 'http.response.status_code': 200 });
    m.histogram('http.server.request.duration', 's', Array.from({ length: 3000 }, () => 0.002), { 'http.request.method': 'GET', 'http.response.status_code': 404 });
  });
  await rig.collector.storage.flush();
  const created = await postJson(`${rig.collector.httpUrl}/api/alerts/rules`, { id: 'scanned-p95', name: 'Scanned p95', series: 'latency.p95', service: 'scanned', windowMs: '5m', comparison: '>', threshold: 800 });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const rule = await eventually('the rule evaluated', () => api<AlertRulesResponse>(rig.collector.httpUrl, '/api/alerts/rules'), (r) => r.rules.some((x) => x.rule.id === 'scanned-p95' && x.state.state === 'firing'));
  const { link, state } = rule.rules.find((x) => x.rule.id === 'scanned-p95')!;

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    const seriesRead = page.waitForResponse((r) => r.url().includes('/api/services/scanned/series?'));
    await page.goto(`${rig.collector.httpUrl}${link}`);
    const read = (await (await seriesRead).json()) as ServiceSeriesResponse;
    assert.equal(read.matchedRoutes, true);
    const p95 = Math.max(...read.p95Ms.map((v) => v ?? 0));
    assert.ok(state.value !== null && Math.abs(p95 - state.value) < 20, `page p95 ${p95}, rule ${state.value}`);
    const chip = page.getByTestId('matched-routes-filter');
    await chip.waitFor();
    assert.match((await chip.textContent()) ?? '', /^Requests that matched a route: the unrouted ones \(a method alone: 404s, catch-all middleware\) are left out, as latency, Apdex and error-rate alert rules count them\./);
    assert.equal(await page.getByTestId('service-stats').count(), 0, 'the whole-service cards count every request: not shown beside them');

    await page.getByRole('button', { name: 'show all requests' }).click();
    await page.getByTestId('service-stats').waitFor();
    assert.equal(await chip.count(), 0);
    assert.equal(new URL(page.url()).searchParams.get('routes'), null);
  } finally {
    await page.close();
  }
});

test("an error-rate rule's link opens the service on the requests that matched a route: the page's error rate is the rule's, not the one the scanner's 404s dilute, and says the unrouted failures still count", async () => {
  await sendMetrics(rig.collector.otlpUrl, serviceResource('probed', 'probed-1'), (m) => {
    m.histogram('http.server.request.duration', 's', Array.from({ length: 70 }, () => 0.01), { 'http.request.method': 'GET', 'http.route': '/checkout', 'http.response.status_code': 200 });
    m.histogram('http.server.request.duration', 's', Array.from({ length: 30 }, () => 0.01), { 'http.request.method': 'GET', 'http.route': '/checkout', 'http.response.status_code': 500 });
    m.histogram('http.server.request.duration', 's', Array.from({ length: 3000 }, () => 0.002), { 'http.request.method': 'GET', 'http.response.status_code': 404 });
  });
  await rig.collector.storage.flush();
  const created = await postJson(`${rig.collector.httpUrl}/api/alerts/rules`, { id: 'probed-errors', name: 'Probed errors', series: 'error_rate', service: 'probed', windowMs: '5m', comparison: '>', threshold: 0.1 });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const rule = await eventually('the rule firing', () => api<AlertRulesResponse>(rig.collector.httpUrl, '/api/alerts/rules'), (r) => r.rules.some((x) => x.rule.id === 'probed-errors' && x.state.state === 'firing'));
  const { link, state } = rule.rules.find((x) => x.rule.id === 'probed-errors')!;
  assert.equal(state.value, 0.3);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    const seriesRead = page.waitForResponse((r) => r.url().includes('/api/services/probed/series?'));
    await page.goto(`${rig.collector.httpUrl}${link}`);
    const read = (await (await seriesRead).json()) as ServiceSeriesResponse;
    assert.equal(Math.max(...read.errorRate.map((v) => v ?? 0)), 0.3, "the error-rate chart's figure is the rule's");
    const chip = page.getByTestId('matched-routes-filter');
    await chip.waitFor();
    assert.match((await chip.textContent()) ?? '', /Error rate: every failed request, over these and the unrouted ones that failed \(a root middleware's 500s\)\./);
  } finally {
    await page.close();
  }
});
