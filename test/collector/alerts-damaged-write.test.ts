// A write of the alert store that reaches a damaged page of the database file, inside the
// delivery queue's callbacks (the attempt it records after a send): the collector goes on. The
// damage is said once in the log (as for a read), the failed write is counted in /metrics, and
// the queue's own bookkeeping goes on, so a resolve queued behind the firing still goes out.
// The write used to throw out of the queue's promise chain, an unhandled rejection that ends
// a collector.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RunningCollector } from '../../collector/src/server';
import { eventually } from '../agent/support/harness';
import { payloads, quietRule, startAlertCollector, tempDir } from './support/alerts-harness';
import { getJson } from './support/collector-harness';
import { captureConsoleErrors } from './support/console-errors';
import { damageTablePage } from './support/damaged-database';
import { postJson, startWebhookReceiver, TEST_SECRET } from './support/webhook-receiver';

test('a delivery attempt written to a damaged page is counted and said once; the queue goes on', async (t) => {
  const dir = tempDir();
  const hook = await startWebhookReceiver(TEST_SECRET);
  const dbPath = join(dir.path, 'headroom.db');
  let collector: RunningCollector | null = await startAlertCollector(dir);
  t.after(async () => {
    await collector?.close();
    await hook.close();
    dir.remove();
  });
  // A delivered test notification, so the attempts table has a page to damage.
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'hook', type: 'webhook', url: hook.url, secret: TEST_SECRET })).status, 201);
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations/hook/test`, {})).status, 202);
  await eventually(async () => (hook.requests.length === 1 ? true : undefined), 'the test notification');
  await collector.close();
  collector = null;
  damageTablePage(dbPath, 'alert_delivery_attempts');

  const captured = captureConsoleErrors();
  t.after(() => captured.restore());
  collector = await startAlertCollector(dir);
  const api = collector.httpUrl;
  // Fires at once (0 rpm < 1 000 000); the attempt that delivers it cannot be recorded.
  assert.equal((await postJson(`${api}/api/alerts/rules`, quietRule(['hook']))).status, 201);
  await eventually(async () => (payloads(hook).some((p) => p.status === 'firing' && p.groupLabels['alertname'] === 'Quiet service') ? true : undefined), 'the firing');
  // A threshold the value no longer meets ends it: the resolve, same rule and destination, goes out after it.
  assert.equal((await postJson(`${api}/api/alerts/rules/quiet`, quietRule(['hook'], { threshold: 0 }), 'PUT')).status, 200);
  await eventually(async () => (payloads(hook).some((p) => p.status === 'resolved') ? true : undefined), 'the resolve');

  const metrics = await fetch(`${api}/metrics`).then((r) => r.text());
  const failed = /^headroom_alert_store_writes_failed_total (\d+)$/m.exec(metrics);
  assert.ok(failed !== null, metrics);
  assert.ok(Number(failed[1]) >= 2, failed[0]);
  const health = await getJson<{ error?: { code: string; message: string } }>(`${api}/healthz`);
  assert.equal(health.status, 503);
  assert.match(health.body.error?.message ?? '', /writing an alert delivery attempt/);
  const lines = captured.lines.filter((l) => l.includes('HR_STORE_DAMAGED'));
  assert.equal(lines.length, 1, captured.lines.join('\n'));
  assert.ok(!captured.lines.some((l) => l.includes('HR_ALERT_EVALUATION')), captured.lines.join('\n'));
});
