// A service the collector has never seen is said so, not answered with a quiet range: its own
// API endpoints, and the service filter of the others, answer 404 (a seen service with nothing in the range still gets its nulls),
// and an alert rule for it is accepted with a notice, in the answer and in the rule list.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AlertRuleWithState, AlertRulesResponse, ApiError, ServiceSeriesResponse } from '../../collector/src/api-types';
import { getJson, sendMetrics, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';
import { postJson } from './support/webhook-receiver';

let collector: TestCollector;

before(async () => {
  collector = await startTestCollector();
  await sendMetrics(collector.otlpUrl, serviceResource('shop', 'shop-1'), (m) => {
    m.histogram('http.server.request.duration', 's', [0.05], { 'http.request.method': 'GET', 'http.route': '/', 'http.response.status_code': 200 });
  });
  await collector.storage.flush();
});

after(async () => {
  await collector?.dispose();
});

test('every per-service endpoint answers 404 HR_API_NOT_FOUND for a service never seen', async () => {
  for (const endpoint of ['series', 'instances/series', 'transactions', 'instances', 'stalls']) {
    const res = await getJson<ApiError>(`${collector.httpUrl}/api/services/nope/${endpoint}?range=15m`);
    assert.equal(res.status, 404, endpoint);
    assert.equal(res.body.error.code, 'HR_API_NOT_FOUND', endpoint);
    assert.match(res.body.error.message, /no data from service "nope" has been seen/, endpoint);
  }
});

test('the service filter of traces, events and the advisor answers 404 for a service never seen, and filters for a seen one', async () => {
  for (const endpoint of ['traces', 'events', 'advisor']) {
    const res = await getJson<ApiError>(`${collector.httpUrl}/api/${endpoint}?service=nope&range=15m`);
    assert.equal(res.status, 404, endpoint);
    assert.equal(res.body.error.code, 'HR_API_NOT_FOUND', endpoint);
    assert.match(res.body.error.message, /no data from service "nope" has been seen/, endpoint);
    assert.equal((await getJson(`${collector.httpUrl}/api/${endpoint}?service=shop&range=15m`)).status, 200, endpoint);
    assert.equal((await getJson(`${collector.httpUrl}/api/${endpoint}?range=15m`)).status, 200, endpoint);
  }
});

test('a seen service answers 200, with nulls for a range before its data', async () => {
  const now = (await getJson<ServiceSeriesResponse>(`${collector.httpUrl}/api/services/shop/series?range=15m`));
  assert.equal(now.status, 200);
  assert.equal(now.body.requests.reduce((a, b) => a + b, 0), 1);
  const to = Date.now() - 2 * 3_600_000;
  const earlier = await getJson<ServiceSeriesResponse>(`${collector.httpUrl}/api/services/shop/series?from=${to - 3_600_000}&to=${to}`);
  assert.equal(earlier.status, 200);
  assert.ok(earlier.body.p95Ms.every((v) => v === null));
  for (const endpoint of ['instances/series', 'transactions', 'instances', 'stalls']) {
    assert.equal((await getJson(`${collector.httpUrl}/api/services/shop/${endpoint}?range=15m`)).status, 200, endpoint);
  }
});

test('an alert rule for a service never seen is accepted, and its answer and the rule list say no data has been seen', async () => {
  const rule = { series: 'latency.p95', windowMs: '5m', comparison: '>', threshold: 500 };
  const unseen = await postJson(`${collector.httpUrl}/api/alerts/rules`, { ...rule, id: 'typo', name: 'Typo', service: 'shpo' });
  assert.equal(unseen.status, 201);
  const created = unseen.json as AlertRuleWithState;
  assert.match(created.notice ?? '', /^no data from service "shpo" has been seen yet: the rule is kept and evaluated as for a service with no traffic until it reports/);
  assert.match(created.notice ?? '', /noData "keep"/);

  const seen = await postJson(`${collector.httpUrl}/api/alerts/rules`, { ...rule, id: 'real', name: 'Real', service: 'shop' });
  assert.equal(seen.status, 201);
  assert.equal((seen.json as AlertRuleWithState).notice, undefined);

  const { body } = await getJson<AlertRulesResponse>(`${collector.httpUrl}/api/alerts/rules`);
  assert.deepEqual(body.rules.map((r) => [r.rule.id, r.notice !== undefined]).sort(), [['real', false], ['typo', true]]);
});
