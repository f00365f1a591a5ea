// The alert store's tables damaged in the database file: the alert API's reads (rules, history,
// deliveries, destinations) answer 503 HR_STORE_DAMAGED naming the file and what to do, as the
// store's own reads do, /healthz says so, and the alert engine, evaluating every 100 ms,
// neither crashes nor repeats itself: the log says it once. They used to answer 500
// HR_API_INTERNAL, and the collector did not start at all (a read of the rules at start threw).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ServicesResponse } from '../../collector/src/api-types';
import type { HealthResponse } from '../../collector/src/health/healthz';
import type { RunningCollector } from '../../collector/src/server';
import { eventually } from '../agent/support/harness';
import { deliveries, quietRule, sleep, startAlertCollector, tempDir } from './support/alerts-harness';
import { getJson } from './support/collector-harness';
import { captureConsoleErrors } from './support/console-errors';
import { damageTablePage } from './support/damaged-database';
import { postJson, startWebhookReceiver, TEST_SECRET } from './support/webhook-receiver';

const DAMAGED_TABLES = ['alert_rules', 'alert_transitions', 'alert_deliveries', 'alert_destinations'];

test('reads of damaged alert tables answer 503 HR_STORE_DAMAGED; the engine says it once and goes on', async (t) => {
  const dir = tempDir();
  const hook = await startWebhookReceiver(TEST_SECRET);
  const dbPath = join(dir.path, 'headroom.db');
  let collector: RunningCollector | null = await startAlertCollector(dir);
  t.after(async () => {
    await collector?.close();
    await hook.close();
    dir.remove();
  });
  // A rule that fires at once, so every alert table has rows: a destination, a rule, its
  // transition and its delivery.
  const created = await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'hook', type: 'webhook', url: hook.url, secret: TEST_SECRET });
  assert.equal(created.status, 201);
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule(['hook']))).status, 201);
  const running = collector;
  await eventually(async () => ((await deliveries(running)).some((d) => d.status === 'delivered') ? true : undefined), 'the firing delivered');
  await collector.close();
  collector = null;
  for (const table of DAMAGED_TABLES) damageTablePage(dbPath, table);

  const captured = captureConsoleErrors();
  t.after(() => captured.restore());
  collector = await startAlertCollector(dir);
  const api = collector.httpUrl;
  for (const path of ['rules', 'history?range=1h', 'deliveries', 'destinations', 'rules/quiet']) {
    const res = await getJson<{ error: { code: string; message: string } }>(`${api}/api/alerts/${path}`);
    assert.equal(res.status, 503, `${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error.code, 'HR_STORE_DAMAGED', path);
    const message = res.body.error.message;
    assert.ok(message.includes(dbPath), message);
    assert.match(message, /database disk image is malformed \(SQLITE_CORRUPT[A-Z_]*\), reading the alert /);
    assert.ok(message.includes(`sqlite3 ${dbPath} .dump`), message);
  }

  // The store's own reads do not reach the damage; /healthz says the file is damaged, with the same message.
  const services = await getJson<ServicesResponse>(`${api}/api/services?range=1h`);
  assert.equal(services.status, 200);
  const health = await getJson<HealthResponse>(`${api}/healthz`);
  assert.equal(health.status, 503);
  assert.equal(health.body.error?.code, 'HR_STORE_DAMAGED');
  assert.match(health.body.error?.message ?? '', /reading the alert /);

  // Ten evaluation passes later: still serving, one log line for the damage, nothing else.
  await sleep(1_000);
  assert.equal((await getJson(`${api}/api/alerts/rules`)).status, 503);
  const lines = captured.lines.filter((l) => l.includes('HR_STORE_DAMAGED'));
  assert.equal(lines.length, 1, captured.lines.join('\n'));
  assert.ok(lines[0]!.includes(dbPath), lines[0]);
  assert.ok(!captured.lines.some((l) => l.includes('HR_API_INTERNAL') || l.includes('HR_ALERT_EVALUATION')), captured.lines.join('\n'));
});
