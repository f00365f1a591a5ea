// Webhook delivery against real receivers on 127.0.0.1: retries on 503 (exactly one delivered
// notification), none on other 4xx, Retry-After honoured, every attempt recorded, the
// "send test notification" action, and a collector restart while firing (no duplicate; the
// resolve still sent), and the runnable receiver example in docs/.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { test } from 'node:test';
import type { AlertmanagerPayload } from '../../collector/src/alerts/notify/alertmanager-payload';
import type { SlackPayload } from '../../collector/src/alerts/notify/slack-payload';
import { eventually } from '../agent/support/harness';
import { deliveries, quietRule, sleep, startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson, startWebhookReceiver, TEST_SECRET } from './support/webhook-receiver';

async function withRule(answer: Parameters<typeof startWebhookReceiver>[1]) {
  const dir = tempDir();
  const receiver = await startWebhookReceiver(TEST_SECRET, answer);
  const collector = await startAlertCollector(dir);
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'hook', type: 'webhook', url: receiver.url, secret: TEST_SECRET })).status, 201);
  assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule(['hook']))).status, 201);
  return {
    dir,
    receiver,
    collector,
    async close() {
      await collector.close();
      await receiver.close();
      dir.remove();
    },
  };
}

test('a receiver answering 503 then 200 gets the notification exactly once, after a retry', async () => {
  const t = await withRule((n) => (n === 0 ? { status: 503 } : { status: 200 }));
  try {
    await eventually(async () => (t.receiver.requests.some((r) => r.answered === 200) ? true : undefined), 'a 200 answer');
    await sleep(500); // several more evaluations: nothing more may arrive
    assert.equal(t.receiver.requests.length, 2);
    const [first, second] = t.receiver.requests;
    assert.equal(first!.headers['webhook-id'], second!.headers['webhook-id'], 'a retry keeps the webhook-id');
    assert.ok(first!.signatureValid && second!.signatureValid);
    assert.equal((second!.json as AlertmanagerPayload).status, 'firing');
    const [delivery] = await deliveries(t.collector);
    assert.equal(delivery?.status, 'delivered');
    assert.deepEqual(delivery?.attempts.map((a) => a.statusCode), [503, 200]);
  } finally {
    await t.close();
  }
});

test('another 4xx is not retried, and the failed attempt is recorded', async () => {
  const t = await withRule(() => ({ status: 400 }));
  try {
    const failed = await eventually(async () => (await deliveries(t.collector)).find((d) => d.status === 'failed'), 'a failed delivery');
    await sleep(400);
    // The delivery is not retried. (The firing it carried never arrived, so it is planned again
    // a group interval later as a new delivery, with its own id: at once with these settings.)
    const again = (await deliveries(t.collector)).find((d) => d.id === failed.id);
    assert.deepEqual(again?.attempts.map((a) => a.statusCode), [400]);
    assert.equal(t.receiver.requests.filter((r) => r.headers['webhook-id'] === failed.id).length, 1);
  } finally {
    await t.close();
  }
});

test('429 with Retry-After: the next attempt waits as asked', async () => {
  const t = await withRule((n) => (n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
  try {
    const done = await eventually(async () => (await deliveries(t.collector)).find((d) => d.status === 'delivered'), 'the delivery');
    const [a, b] = done.attempts;
    assert.equal(a?.statusCode, 429);
    assert.equal(b?.statusCode, 200);
    assert.ok(b!.at - a!.at >= 950, `second attempt ${b!.at - a!.at} ms after the first`);
  } finally {
    await t.close();
  }
});

test('network errors are retried and recorded; send test notification reaches a Slack-shaped destination', async () => {
  const dir = tempDir();
  const receiver = await startWebhookReceiver(null);
  const collector = await startAlertCollector(dir, { delivery: { maxAttempts: 2, baseDelayMs: 20, timeoutMs: 500 } });
  try {
    // A port nobody listens on: connection refused, twice, then failed.
    await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'nowhere', type: 'webhook', url: 'http://127.0.0.1:9/hook' });
    const test1 = await postJson(`${collector.httpUrl}/api/alerts/destinations/nowhere/test`, {});
    assert.equal(test1.status, 202);
    const failed = await eventually(async () => (await deliveries(collector)).find((d) => d.status === 'failed'), 'failed delivery');
    assert.equal(failed.kind, 'test');
    assert.deepEqual(failed.attempts.map((a) => a.statusCode), [null, null]);
    assert.ok(failed.attempts.every((a) => (a.error ?? '').length > 0));

    const created = await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'chat', type: 'slack', url: receiver.url });
    assert.equal(created.status, 201);
    assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations/chat/test`, {})).status, 202);
    const got = await eventually(async () => receiver.requests[0], 'the slack test message');
    const slack = got.json as SlackPayload;
    assert.match(slack.text, /FIRING Headroom test notification/);
    assert.equal(slack.blocks[0]?.type, 'section');
  } finally {
    await collector.close();
    await receiver.close();
    dir.remove();
  }
});

test('a collector restart while firing sends no duplicate; a resolve after the restart is still sent', async () => {
  const dir = tempDir();
  const receiver = await startWebhookReceiver(TEST_SECRET);
  const dest = { id: 'hook', type: 'webhook', url: receiver.url, secret: TEST_SECRET };
  const firingFile = dir.file('rules-firing.json', { destinations: [dest], rules: [quietRule(['hook'])] });
  // The same rule whose condition no longer holds (the service is "busy" enough now).
  const clearFile = dir.file('rules-clear.json', { destinations: [dest], rules: [quietRule(['hook'], { comparison: '>', threshold: 1_000_000 })] });
  const statuses = (): string[] => receiver.requests.map((r) => (r.json as AlertmanagerPayload).status);
  try {
    let collector = await startAlertCollector(dir, { rulesFile: firingFile });
    await eventually(async () => (statuses().length === 1 ? true : undefined), 'the firing notification');
    await collector.close();

    collector = await startAlertCollector(dir, { rulesFile: firingFile });
    await sleep(600); // six evaluations after the restart, still firing
    const rule = (await (await fetch(`${collector.httpUrl}/api/alerts/rules/quiet`)).json()) as { state: { state: string } };
    assert.equal(rule.state.state, 'firing');
    assert.deepEqual(statuses(), ['firing'], 'no duplicate after the restart');
    await collector.close();

    collector = await startAlertCollector(dir, { rulesFile: clearFile });
    await eventually(async () => (statuses().length === 2 ? true : undefined), 'the resolve notification');
    await sleep(300);
    assert.deepEqual(statuses(), ['firing', 'resolved']);
    const [firing, resolved] = receiver.requests.map((r) => r.json as AlertmanagerPayload);
    assert.equal(resolved!.alerts[0]!.startsAt, firing!.alerts[0]!.startsAt);
    assert.ok(receiver.requests.every((r) => r.signatureValid));
    await collector.close();
  } finally {
    await receiver.close();
    dir.remove();
  }
});

test('docs/examples/verify-webhook.mjs verifies a real delivery and refuses a forged one', async () => {
  const child = spawn(process.execPath, [join(__dirname, '../../docs/examples/verify-webhook.mjs')], {
    env: { PATH: process.env.PATH ?? '', WEBHOOK_SECRET: TEST_SECRET, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const dir = tempDir();
  const collector = await startAlertCollector(dir);
  try {
    const port = await eventually(async () => /listening (\d+)/.exec(out)?.[1], 'the example to listen');
    const url = `http://127.0.0.1:${port}/hook`;
    await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'example', type: 'webhook', url, secret: TEST_SECRET });
    await postJson(`${collector.httpUrl}/api/alerts/destinations/example/test`, {});
    const delivered = await eventually(async () => (await deliveries(collector)).find((d) => d.status !== 'pending'), 'the delivery');
    assert.equal(delivered.status, 'delivered');
    assert.deepEqual(delivered.attempts.map((a) => a.statusCode), [204]);
    assert.match(out, /verified msg_.*FIRING Headroom test notification/);
    const forged = await fetch(url, {
      method: 'POST',
      headers: { 'webhook-id': 'msg_x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
      body: '{}',
    });
    assert.equal(forged.status, 401);
  } finally {
    child.kill();
    await collector.close();
    dir.remove();
  }
});

test('a transition is pushed on the live stream to dashboards subscribed to its service', async () => {
  const dir = tempDir();
  const collector = await startAlertCollector(dir);
  const ws = new WebSocket(`${collector.httpUrl.replace('http', 'ws')}/ws`, { headers: { origin: collector.httpUrl } });
  try {
    const frames: { type: string; transition?: { ruleId: string; to: string; service: string } }[] = [];
    ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString()) as (typeof frames)[number]));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'subscribe', service: 'quiet-service' }));
    await sleep(100);
    assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule([]))).status, 201);
    const pushed = await eventually(async () => frames.find((f) => f.type === 'alert'), 'an alert frame');
    assert.deepEqual(pushed.transition && [pushed.transition.ruleId, pushed.transition.service, pushed.transition.to], ['quiet', 'quiet-service', 'firing']);
  } finally {
    ws.close();
    await collector.close();
    dir.remove();
  }
});

test('a dead receiver does not hold up deliveries to a healthy one', async () => {
  const dir = tempDir();
  const dead = await startWebhookReceiver(null, () => 'hang');
  const healthy = await startWebhookReceiver(null);
  const collector = await startAlertCollector(dir, { delivery: { timeoutMs: 5_000, concurrency: 2, perDestination: 1, maxAttempts: 1 } });
  try {
    await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'dead', type: 'webhook', url: dead.url });
    await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'healthy', type: 'webhook', url: healthy.url });
    for (let i = 0; i < 5; i++) await postJson(`${collector.httpUrl}/api/alerts/destinations/dead/test`, {});
    await postJson(`${collector.httpUrl}/api/alerts/destinations/healthy/test`, {});
    const ok = await eventually(async () => (await deliveries(collector, '?destinationId=healthy')).find((d) => d.status === 'delivered'), 'the healthy delivery');
    assert.deepEqual(ok.attempts.map((a) => a.statusCode), [200]);
    const stuck = await deliveries(collector, '?destinationId=dead');
    assert.equal(stuck.length, 5);
    assert.ok(stuck.every((d) => d.status === 'pending' && d.attempts.length === 0), 'the dead receiver is still being waited for');
    assert.equal(dead.requests.length, 1, 'one at a time to the dead destination');
  } finally {
    await collector.close();
    await dead.close();
    await healthy.close();
    dir.remove();
  }
});

test('deleting a firing rule sends its destinations a resolve', async () => {
  const t = await withRule(() => ({ status: 200 }));
  try {
    await eventually(async () => (t.receiver.requests.length === 1 ? true : undefined), 'the firing notification');
    const del = await fetch(`${t.collector.httpUrl}/api/alerts/rules/quiet`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    await eventually(async () => (t.receiver.requests.length === 2 ? true : undefined), 'the resolve');
    const [firing, resolved] = t.receiver.requests.map((r) => r.json as AlertmanagerPayload);
    assert.equal(resolved!.status, 'resolved');
    assert.equal(resolved!.alerts[0]!.fingerprint, firing!.alerts[0]!.fingerprint);
    await sleep(300);
    assert.equal(t.receiver.requests.length, 2);
  } finally {
    await t.close();
  }
});
