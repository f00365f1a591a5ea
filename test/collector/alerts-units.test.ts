// Alert conditions and values read in their series' unit — MiB for memory, ms for durations,
// % for shares — in the rule's evaluation, its history and the notification, and a process
// rule over every instance names the process that fired ("worker 2 · pid 4243"), not a UUID.
// Gauges through the real OTLP exporter, a real collector and a real webhook receiver.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertHistoryResponse, AlertRuleWithState } from '../../collector/src/api-types';
import { formatAlertDuration, formatAlertValue } from '../../collector/src/alerts/alert-units';
import { eventually } from '../agent/support/harness';
import { sendGauges } from './support/advisor-harness';
import { startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson, startWebhookReceiver, TEST_SECRET } from './support/webhook-receiver';

const MIB = 1024 * 1024;

test('an RSS rule over every instance: MiB in the history and the notification, which names the worker that fired', async (t) => {
  const dir = tempDir();
  const collector = await startAlertCollector(dir);
  const receiver = await startWebhookReceiver(TEST_SECRET);
  t.after(async () => {
    await collector.close();
    await receiver.close();
    dir.remove();
  });
  const now = Date.now();
  const points = (mib: number) => [0, 1, 2].map((i) => ({ t: now - 20_000 + i * 5_000, v: mib * MIB }));
  for (const [worker, mib] of [[1, 100], [2, 272.5]] as const) {
    await sendGauges(
      collector.otlpUrl,
      { 'service.name': 'shop', 'service.instance.id': `0f1e2d3c-4b5a-4968-8776-65544332211${worker}`, 'host.name': 'h1', 'process.pid': 4241 + worker, 'headroom.cluster.role': 'worker', 'headroom.cluster.worker_id': worker },
      [{ name: 'process.memory.usage', unit: 'By', points: points(mib) }],
    );
  }
  await collector.storage.flush();
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'ops', type: 'webhook', url: receiver.url, secret: TEST_SECRET })).status, 201);
  const rule = { id: 'rss', name: 'shop-rss', series: 'memory.rss', service: 'shop', windowMs: '1m', comparison: '>', threshold: 250 * MIB, forMs: 0, destinations: ['ops'] };
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, rule)).status, 201);

  const firing = await eventually(async () => {
    const r = (await (await fetch(`${collector.httpUrl}/api/alerts/rules/rss`)).json()) as AlertRuleWithState;
    return r.state.state === 'firing' ? r : undefined;
  }, 'the RSS rule firing');
  assert.equal(firing.state.value, 272.5 * MIB, 'the API keeps the raw value');
  assert.equal(firing.state.instance, 'worker 2 · pid 4243');

  const history = (await (await fetch(`${collector.httpUrl}/api/alerts/history?ruleId=rss`)).json()) as AlertHistoryResponse;
  assert.equal(history.transitions[0]?.reason, 'RSS 272.5 MiB in worker 2 · pid 4243 over 1m (threshold > 250 MiB)');

  const sent = await eventually(async () => receiver.requests.find((r) => JSON.stringify(r.json).includes('firing')), 'the firing notification');
  const alert = (sent.json as { alerts: { annotations: Record<string, string> }[] }).alerts[0];
  assert.equal(alert?.annotations.summary, 'shop-rss: RSS 272.5 MiB in worker 2 · pid 4243 over 1m (threshold > 250 MiB)');
});

test('alert values by series: durations in ms or s, shares in %, Apdex to 2 places, counts bare', () => {
  assert.equal(formatAlertValue('latency.p95', 2.123), '2.12 ms');
  assert.equal(formatAlertValue('latency.p95', 387.4), '387 ms');
  assert.equal(formatAlertValue('queue_wait', 16_600), '16.6 s');
  assert.equal(formatAlertValue('error_rate', 0.475), '47.5 %');
  assert.equal(formatAlertValue('error_rate', 0.05), '5 %');
  assert.equal(formatAlertValue('eventloop.utilization', 0.004), '0.4 %');
  assert.equal(formatAlertValue('heap.used_ratio', 0.9), '90 %');
  assert.equal(formatAlertValue('memory.rss', 262_144_000), '250 MiB');
  assert.equal(formatAlertValue('memory.rss', 1.5 * 1024 * MIB), '1.5 GiB');
  assert.equal(formatAlertValue('apdex', 0.5), '0.50');
  assert.equal(formatAlertValue('throughput', 1234.4), '1234 rpm');
  assert.equal(formatAlertValue('stall.count', 3), '3');
});

test('windows and for-durations read in their largest whole unit (a 24-hour window read "1440 min")', () => {
  assert.deepEqual(
    [86_400_000, 2 * 86_400_000, 36 * 3_600_000, 3_600_000, 90 * 60_000, 60_000, 45_000, 1_500, 0].map(formatAlertDuration),
    ['1d', '2d', '36h', '1h', '90m', '1m', '45s', '1.5s', '0s'],
  );
});
