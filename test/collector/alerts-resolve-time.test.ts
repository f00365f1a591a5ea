// A resolve's endsAt is when the alert resolved, also when the group interval holds the resolve
// back until after the rule is ok again (a receiver shows endsAt as the end of the incident).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAlertEngine, DEFAULT_ENGINE } from '../../collector/src/alerts/engine';
import type { AlertmanagerPayload } from '../../collector/src/alerts/notify/alertmanager-payload';
import { createDeliveryQueue, DEFAULT_DELIVERY } from '../../collector/src/alerts/notify/delivery-queue';
import { parseRule } from '../../collector/src/alerts/rule-schema';
import { openSqliteAlertStore } from '../../collector/src/alerts/sqlite-alert-store';
import { openSqliteStorage } from '../../collector/src/store/sqlite';
import { quietRule, tempDir } from './support/alerts-harness';
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
