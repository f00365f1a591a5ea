// Notifications that find the delivery queue full: the receiver's view still converges to the
// rule's current state once there is room. A tiny queue (capacity 1 or 2) is filled by test
// notifications that a real receiver on 127.0.0.1 holds unanswered until the test opens it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAlertEngine, DEFAULT_ENGINE } from '../../collector/src/alerts/engine';
import type { AlertmanagerPayload } from '../../collector/src/alerts/notify/alertmanager-payload';
import { createDeliveryQueue, DEFAULT_DELIVERY } from '../../collector/src/alerts/notify/delivery-queue';
import { parseRule } from '../../collector/src/alerts/rule-schema';
import { openSqliteAlertStore } from '../../collector/src/alerts/sqlite-alert-store';
import type { RunningCollector } from '../../collector/src/server';
import { openSqliteStorage } from '../../collector/src/store/sqlite';
import { eventually } from '../agent/support/harness';
import { deliveries, quietRule, sleep, startAlertCollector, tempDir, type TempDir } from './support/alerts-harness';
import { sendMetrics, serviceResource } from './support/collector-harness';
import { postJson, startWebhookReceiver, TEST_SECRET, type WebhookReceiver } from './support/webhook-receiver';

interface Gated {
  receiver: WebhookReceiver;
  /** Answers what was held and everything after it. */
  open(): void;
}

/** A receiver that holds every request until opened. */
async function gatedReceiver(): Promise<Gated> {
  let opened = false;
  const receiver = await startWebhookReceiver(TEST_SECRET, () => (opened ? { status: 200 } : 'hold'));
  return {
    receiver,
    open() {
      opened = true;
      receiver.release();
    },
  };
}

interface Setup {
  dir: TempDir;
  collector: RunningCollector;
  /** Holds the test notifications that fill the queue. */
  filler: Gated;
  hook: Gated;
  close(): Promise<void>;
}

async function setup(capacity: number, hookOpen: boolean): Promise<Setup> {
  const dir = tempDir();
  const filler = await gatedReceiver();
  const hook = await gatedReceiver();
  if (hookOpen) hook.open();
  // A long timeout, so a held request is not cut and retried while the test looks.
  const collector = await startAlertCollector(dir, { delivery: { capacity, timeoutMs: 30_000 } });
  for (const [id, r] of [['filler', filler], ['hook', hook]] as const) {
    assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id, type: 'webhook', url: r.receiver.url, secret: TEST_SECRET })).status, 201);
  }
  return {
    dir,
    collector,
    filler,
    hook,
    async close() {
      await collector.close();
      await filler.receiver.close();
      await hook.receiver.close();
      dir.remove();
    },
  };
}

/** One more delivery the filler holds: with `n` held in all, a queue of capacity `n` is full. */
async function fillQueue(s: Setup, n: number): Promise<void> {
  assert.equal((await postJson(`${s.collector.httpUrl}/api/alerts/destinations/filler/test`, {})).status, 202);
  await eventually(async () => (s.filler.receiver.requests.length === n ? true : undefined), 'the filler to hold the test notification');
}

function statuses(r: WebhookReceiver): string[] {
  return r.requests.map((q) => (q.json as AlertmanagerPayload).status);
}

// A rule that fires without traffic (0 rpm < 1) and that traffic resolves, at the evaluation that
// reads it: a resolve planned by an evaluation, not one a person caused by changing the rule
// (that one is taken past the queue's capacity: alerts-rule-ended.test.ts).
const FIRES_UNTIL_TRAFFIC = { threshold: 1 };

async function sendTraffic(s: Setup): Promise<void> {
  await sendMetrics(s.collector.otlpUrl, serviceResource('quiet-service', 'quiet-1'), (m) =>
    m.histogram('http.server.request.duration', 's', Array.from({ length: 20 }, () => 0.01), { 'http.request.method': 'GET', 'http.route': '/', 'http.response.status_code': 200 }),
  );
  await s.collector.storage.flush();
}

test('a firing dropped by a full queue is sent once there is room, and once only', async () => {
  const s = await setup(1, true);
  try {
    await fillQueue(s, 1);
    assert.equal((await postJson(`${s.collector.httpUrl}/api/alerts/rules`, quietRule(['hook']))).status, 201);
    await eventually(async () => ((await deliveries(s.collector, '?ruleId=quiet')).some((d) => d.status === 'dropped') ? true : undefined), 'the dropped firing');
    await sleep(500); // five more evaluations while the queue is still full
    assert.deepEqual((await deliveries(s.collector, '?ruleId=quiet')).map((d) => [d.kind, d.status]), [['firing', 'dropped']], 'one dropped record, not one per evaluation');

    s.filler.open();
    await eventually(async () => (s.hook.receiver.requests.length > 0 ? true : undefined), 'the firing, once there is room');
    await sleep(400);
    assert.deepEqual(statuses(s.hook.receiver), ['firing']);
    assert.ok(s.hook.receiver.requests[0]!.signatureValid);
    assert.deepEqual((await deliveries(s.collector, '?ruleId=quiet')).map((d) => [d.kind, d.status]), [['firing', 'delivered'], ['firing', 'dropped']]);
  } finally {
    await s.close();
  }
});

test('a rule that fires while the queue is full and resolves once there is room sends nothing: the receiver never heard it fire', async () => {
  // The engine itself, evaluations by hand: the resolve must be planned in the one pass that
  // has room but comes after the firing was dropped.
  const dir = tempDir();
  const filler = await gatedReceiver();
  const hook = await startWebhookReceiver(TEST_SECRET);
  const dbPath = join(dir.path, 'headroom.db');
  const storage = openSqliteStorage({ path: dbPath, retention: { rawMs: 86_400_000, rollupMs: 86_400_000 } });
  const store = openSqliteAlertStore(dbPath);
  const queue = createDeliveryQueue(store, { ...DEFAULT_DELIVERY, capacity: 1, timeoutMs: 30_000 });
  const engine = createAlertEngine({ storage, store, queue, findings: null, settings: { ...DEFAULT_ENGINE, intervalMs: 3_600_000, groupIntervalMs: 0 } });
  try {
    store.putDestination({ id: 'filler', type: 'webhook', url: filler.receiver.url, secret: TEST_SECRET }, 'api');
    store.putDestination({ id: 'hook', type: 'webhook', url: hook.url, secret: TEST_SECRET }, 'api');
    engine.start('http://127.0.0.1:8080');
    engine.sendTest('filler');
    await eventually(async () => (filler.receiver.requests.length === 1 ? true : undefined), 'the held test notification');
    store.putRule(parseRule(quietRule(['hook'])), 'api', Date.now());
    engine.evaluateAll();
    assert.deepEqual(store.deliveries({ ruleId: 'quiet', limit: 10 }).map((d) => [d.kind, d.status]), [['firing', 'dropped']]);

    filler.open();
    await queue.idle();
    store.putRule(parseRule(quietRule(['hook'], { comparison: '>' })), 'api', Date.now());
    engine.evaluateAll(); // resolved, with room in the queue
    assert.equal(engine.state('quiet').state, 'resolved');
    assert.deepEqual(store.deliveries({ ruleId: 'quiet', limit: 10 }).map((d) => [d.kind, d.status]), [['firing', 'dropped']], 'no resolve planned');
    // Firing again: the first thing the receiver hears about the rule is this firing.
    store.putRule(parseRule(quietRule(['hook'])), 'api', Date.now());
    engine.evaluateAll();
    await queue.idle();
    assert.deepEqual(hook.requests.map((r) => (r.json as AlertmanagerPayload).status), ['firing']);
  } finally {
    await engine.close();
    store.close();
    await storage.close();
    await filler.receiver.close();
    await hook.close();
    dir.remove();
  }
});

test('a resolve dropped by a full queue is sent once there is room, after the firing it resolves', async () => {
  const s = await setup(2, false);
  try {
    assert.equal((await postJson(`${s.collector.httpUrl}/api/alerts/rules`, quietRule(['hook'], FIRES_UNTIL_TRAFFIC))).status, 201);
    await eventually(async () => (s.hook.receiver.requests.length === 1 ? true : undefined), 'the firing, held by the receiver');
    await fillQueue(s, 1); // the held firing and this: a queue of 2 is full
    await sendTraffic(s);
    await eventually(async () => ((await deliveries(s.collector, '?ruleId=quiet')).some((d) => d.kind === 'resolved' && d.status === 'dropped') ? true : undefined), 'the dropped resolve');

    s.filler.open();
    await eventually(async () => ((await deliveries(s.collector, '?ruleId=quiet')).some((d) => d.kind === 'resolved' && d.status === 'pending') ? true : undefined), 'the resolve planned again');
    await sleep(300);
    assert.equal(s.hook.receiver.requests.length, 1, 'the resolve waits while its firing is unanswered');
    const openedAt = Date.now();
    s.hook.open();
    await eventually(async () => (s.hook.receiver.requests.length === 2 ? true : undefined), 'the resolve');
    await sleep(300);
    assert.deepEqual(statuses(s.hook.receiver), ['firing', 'resolved']);
    const [firing, resolved] = s.hook.receiver.requests.map((r) => r.json as AlertmanagerPayload);
    assert.equal(resolved!.alerts[0]!.fingerprint, firing!.alerts[0]!.fingerprint);
    assert.ok(s.hook.receiver.requests[1]!.at >= openedAt, 'the resolve is sent only after the firing is answered');
  } finally {
    await s.close();
  }
});

test('deleting a firing rule while the queue is full still sends the resolve', async () => {
  const s = await setup(1, true);
  try {
    assert.equal((await postJson(`${s.collector.httpUrl}/api/alerts/rules`, quietRule(['hook']))).status, 201);
    await eventually(async () => ((await deliveries(s.collector, '?ruleId=quiet')).some((d) => d.status === 'delivered') ? true : undefined), 'the firing delivered');
    await fillQueue(s, 1);
    assert.equal((await fetch(`${s.collector.httpUrl}/api/alerts/rules/quiet`, { method: 'DELETE' })).status, 204);
    // Nothing could plan this resolve again (the rule is gone), so it is never dropped.
    await eventually(async () => (s.hook.receiver.requests.length === 2 ? true : undefined), 'the resolve');
    assert.deepEqual(statuses(s.hook.receiver), ['firing', 'resolved']);
  } finally {
    await s.close();
  }
});
