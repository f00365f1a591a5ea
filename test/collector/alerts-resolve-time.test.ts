// A resolve's endsAt is when the alert resolved, also when the group interval holds the resolve
// back until after the rule is ok again (a receiver shows endsAt as the end of the incident);
// and what it says is what it resolved on, not what a later evaluation read.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAlertEngine, DEFAULT_ENGINE } from '../../collector/src/alerts/engine';
import type { AlertmanagerPayload } from '../../collector/src/alerts/notify/alertmanager-payload';
import { createDeliveryQueue, DEFAULT_DELIVERY } from '../../collector/src/alerts/notify/delivery-queue';
import { parseRule } from '../../collector/src/alerts/rule-schema';
import { openSqliteAlertStore } from '../../collector/src/alerts/sqlite-alert-store';
import { openSqliteStorage } from '../../collector/src/store/sqlite';
import { quietRule, startAlertCollector, tempDir } from './support/alerts-harness';
import { sendMetrics, serviceResource } from './support/collector-harness';
import { startWebhookReceiver, TEST_SECRET } from './support/webhook-receiver';

test('a resolve held back by the group interval carries the time the alert resolved, not the time it was sent', async () => {
  const dir = tempDir();
  const hook = await startWebhookReceiver(TEST_SECRET);
  const dbPath = join(dir.path, 'headroom.db');
  const storage = openSqliteStorage({ path: dbPath, retention: { rawMs: 86_400_000, rollupMs: 86_400_000 } });
  const store = openSqliteAlertStore(dbPath);
  const queue = createDeliveryQueue(store, DEFAULT_DELIVERY);
  const t0 = Date.now();
  let clock = t0;
  const engine = createAlertEngine({
    storage,
    store,
    queue,
    findings: null,
    settings: { ...DEFAULT_ENGINE, intervalMs: 3_600_000, groupIntervalMs: 60_000 },
    now: () => clock,
  });
  try {
    store.putDestination({ id: 'hook', type: 'webhook', url: hook.url, secret: TEST_SECRET }, 'api');
    engine.start('http://127.0.0.1:8080');
    store.putRule(parseRule(quietRule(['hook'])), 'api', clock);
    engine.evaluateAll(); // firing, sent at once
    clock = t0 + 10_000;
    store.putRule(parseRule(quietRule(['hook'], { comparison: '>' })), 'api', clock);
    engine.evaluateAll(); // resolved; the resolve waits for the group interval
    assert.equal(engine.state('quiet').state, 'resolved');
    clock = t0 + 20_000;
    engine.evaluateAll();
    assert.equal(engine.state('quiet').state, 'ok');
    clock = t0 + 70_000;
    engine.evaluateAll(); // the group interval is over: the resolve goes out now
    await queue.idle();
    const payloads = hook.requests.map((r) => r.json as AlertmanagerPayload);
    assert.deepEqual(payloads.map((p) => p.status), ['firing', 'resolved']);
    assert.equal(payloads[1]!.alerts[0]!.endsAt, new Date(t0 + 10_000).toISOString());
  } finally {
    await engine.close();
    store.close();
    await storage.close();
    await hook.close();
    dir.remove();
  }
});

test('a resolve held back by the group interval says the value it resolved on, not a later evaluation\'s', async () => {
  // Requests reach the store through a real receiver; the engine under test reads that store on its own clock.
  const dir = tempDir();
  const hook = await startWebhookReceiver(TEST_SECRET);
  const collector = await startAlertCollector(dir, { intervalMs: 3_600_000 });
  const store = openSqliteAlertStore(join(dir.path, 'alerts.db'));
  const queue = createDeliveryQueue(store, DEFAULT_DELIVERY);
  const t0 = Date.now();
  let clock = t0;
  const engine = createAlertEngine({
    storage: collector.storage,
    store,
    queue,
    findings: null,
    settings: { ...DEFAULT_ENGINE, intervalMs: 3_600_000, groupIntervalMs: 60_000 },
    now: () => clock,
  });
  const resource = serviceResource('orders', 'orders-1');
  const send = async (n: number, status: number): Promise<void> => {
    await sendMetrics(collector.otlpUrl, resource, (m) => m.histogram('http.server.request.duration', 's', Array.from({ length: n }, () => 0.01), { 'http.request.method': 'GET', 'http.route': '/orders', 'http.response.status_code': status }));
    await collector.storage.flush();
  };
  try {
    store.putDestination({ id: 'hook', type: 'webhook', url: hook.url, secret: TEST_SECRET }, 'api');
    engine.start('http://127.0.0.1:8080');
    store.putRule(parseRule({ id: 'errors', name: 'Orders failing', series: 'error_rate', service: 'orders', windowMs: '1m', comparison: '>', threshold: 0.5, noData: 'ok', destinations: ['hook'] }), 'api', clock);
    await send(10, 500);
    engine.evaluateAll(); // firing on 100 %, sent at once
    await send(30, 200);
    clock = t0 + 10_000;
    engine.evaluateAll(); // resolved on 25 %; the resolve waits for the group interval
    assert.equal(engine.state('errors').state, 'resolved');
    clock = t0 + 130_000;
    engine.evaluateAll(); // the window holds no requests now (noData ok): ok; the resolve goes out
    assert.equal(engine.state('errors').value, null);
    await queue.idle();
    const payloads = hook.requests.map((r) => r.json as AlertmanagerPayload);
    assert.deepEqual(payloads.map((p) => p.status), ['firing', 'resolved']);
    const resolved = payloads[1]!.alerts[0]!;
    assert.equal(resolved.annotations.value, '0.25');
    assert.equal(resolved.annotations.summary, 'Orders failing resolved: error rate 25 % over 1m (threshold > 50 %)');
  } finally {
    await engine.close();
    store.close();
    await collector.close();
    await hook.close();
    dir.remove();
  }
});
