// A percentile rule does not act on a window with too few requests for its percentile — the
// dashboard's rule: p50 from 2 requests, p95 from 20, p99 from 100. It keeps its state and its
// evaluation says why; with enough requests the same rule fires, and a p50 rule over the few
// requests fires at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tooFewRequests } from '../../collector/src/alerts/percentile-sample';
import type { AlertHistoryResponse, AlertRuleWithState } from '../../collector/src/api-types';
import { eventually } from '../agent/support/harness';
import { sendMetrics, serviceResource } from './support/collector-harness';
import { startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson } from './support/webhook-receiver';

const ROUTE = { 'http.request.method': 'GET', 'http.route': '/reports/slow', 'http.response.status_code': 200 };

async function rule(base: string, id: string): Promise<AlertRuleWithState> {
  const res = await fetch(`${base}/api/alerts/rules/${id}`);
  assert.equal(res.status, 200);
  return (await res.json()) as AlertRuleWithState;
}

function slowRule(id: string, series: string): Record<string, unknown> {
  return { id, name: id, series, service: 'orders', route: 'GET /reports/slow', windowMs: '1m', comparison: '>', threshold: 250, destinations: [] };
}

test('a p95 rule over 3 slow requests keeps its state and says why; over 25 it fires; a p50 rule fires over the 3', async (t) => {
  const dir = tempDir();
  const collector = await startAlertCollector(dir);
  t.after(async () => {
    await collector.close();
    dir.remove();
  });
  const resource = serviceResource('orders', 'orders-1');
  const send = (n: number): Promise<void> =>
    sendMetrics(collector.otlpUrl, resource, (m) => m.histogram('http.server.request.duration', 's', Array.from({ length: n }, () => 0.304), ROUTE));
  await send(3);
  await collector.storage.flush();
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, slowRule('p95', 'latency.p95'))).status, 201);
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, slowRule('p50', 'latency.p50'))).status, 201);

  // p50 needs 2 requests: the same 3 requests are enough for it.
  await eventually(async () => ((await rule(collector.httpUrl, 'p50')).state.state === 'firing' ? true : undefined), 'the p50 rule firing');
  const few = await eventually(async () => {
    const r = await rule(collector.httpUrl, 'p95');
    return r.state.value !== null ? r : undefined;
  }, 'the p95 rule evaluated over the 3 requests');
  assert.equal(few.state.state, 'ok');
  assert.ok(few.state.value !== null && few.state.value > 250, `the value is still shown: ${few.state.value}`);
  assert.equal(few.state.keptReason, 'p95 from 3 requests; it needs 20: state kept');
  const history = (await (await fetch(`${collector.httpUrl}/api/alerts/history?ruleId=p95`)).json()) as AlertHistoryResponse;
  assert.deepEqual(history.transitions, [], 'no transition on too few requests');

  await send(22);
  await collector.storage.flush();
  const fired = await eventually(async () => {
    const r = await rule(collector.httpUrl, 'p95');
    return r.state.state === 'firing' ? r : undefined;
  }, 'the p95 rule firing over 25 requests');
  assert.equal(fired.state.keptReason, undefined, 'a judged evaluation carries no kept reason');
});

test('the percentile sample rule: 2, 20 and 100 requests; other series and empty windows are not held', () => {
  assert.equal(tooFewRequests('latency.p50', 1), 'p50 from 1 request; it needs 2');
  assert.equal(tooFewRequests('latency.p50', 2), null);
  assert.equal(tooFewRequests('latency.p95', 19), 'p95 from 19 requests; it needs 20');
  assert.equal(tooFewRequests('latency.p95', 20), null);
  assert.equal(tooFewRequests('latency.p99', 99), 'p99 from 99 requests; it needs 100');
  assert.equal(tooFewRequests('latency.p99', 100), null);
  assert.equal(tooFewRequests('latency.p95', 0), null, 'no requests is no data: noData decides');
  assert.equal(tooFewRequests('error_rate', 1), null);
});
