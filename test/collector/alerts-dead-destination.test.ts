// A destination whose deliveries fail: the API (and the Alerts page) marks it failing with its
// last attempt, and it is not sent the resolve of a firing it never received — as an
// Alertmanager, whose notification log holds only what was sent, sends no resolve for an alert
// group it never notified. A healthy destination of the same rule gets both.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertDestinationsResponse } from '../../collector/src/api-types';
import { plannedStatus } from '../../collector/src/alerts/notify/notification-plan';
import { eventually } from '../agent/support/harness';
import { deliveries, FAST_ALERTS, quietRule, startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson, startWebhookReceiver, TEST_SECRET } from './support/webhook-receiver';

function statuses(requests: { json: unknown }[]): string[] {
  return requests.map((r) => (r.json as { status: string }).status);
}

test('a dead destination is marked failing and is not sent the resolve of the firing it never got; a live one gets both', async (t) => {
  const dead = await startWebhookReceiver(TEST_SECRET, () => 'hang');
  const live = await startWebhookReceiver(TEST_SECRET);
  const dir = tempDir();
  // Two attempts of 1 s each: the firing to `dead` is still being tried when the rule resolves.
  const collector = await startAlertCollector(dir, { delivery: { ...FAST_ALERTS.delivery, maxAttempts: 2 } });
  t.after(async () => {
    await collector.close();
    await dead.close();
    await live.close();
    dir.remove();
  });
  const api = `${collector.httpUrl}/api/alerts`;
  for (const [id, url] of [['dead', dead.url], ['live', live.url]]) {
    assert.equal((await postJson(`${api}/destinations`, { id, type: 'webhook', url, secret: TEST_SECRET })).status, 201);
  }
  const before = (await (await fetch(`${api}/destinations`)).json()) as AlertDestinationsResponse;
  assert.deepEqual(before.destinations.map((d) => d.health), [null, null], 'nothing sent yet');

  const rule = quietRule(['dead', 'live']);
  assert.equal((await postJson(`${api}/rules`, rule)).status, 201);
  await eventually(async () => (dead.requests.length > 0 && live.requests.length > 0 ? true : undefined), 'the firing at both destinations');
  // The rule resolves while the firing to `dead` is still unanswered: its resolve is planned behind it.
  assert.equal((await postJson(`${api}/rules/quiet`, { ...rule, threshold: 0 }, 'PUT')).status, 200);
  await eventually(async () => (statuses(live.requests).includes('resolved') ? true : undefined), 'the resolve at the live destination');

  const deadDeliveries = await eventually(async () => {
    const all = await deliveries(collector, '?destinationId=dead');
    return all.every((d) => d.status !== 'pending') && all.some((d) => d.kind === 'resolved') ? all : undefined;
  }, 'the dead destination\'s deliveries finished');
  assert.deepEqual(deadDeliveries.map((d) => [d.kind, d.status]).sort(), [['firing', 'failed'], ['resolved', 'skipped']]);
  assert.equal(deadDeliveries.find((d) => d.kind === 'resolved')?.attempts.length, 0, 'the resolve was never attempted');
  assert.deepEqual(statuses(dead.requests), ['firing', 'firing'], 'two attempts of the firing, no resolve');
  assert.deepEqual(statuses(live.requests), ['firing', 'resolved']);

  const after = (await (await fetch(`${api}/destinations`)).json()) as AlertDestinationsResponse;
  const [deadView, liveView] = after.destinations;
  assert.equal(deadView?.id, 'dead');
  assert.equal(deadView?.health?.failing, true);
  assert.equal(deadView?.health?.lastStatusCode, null);
  assert.equal(deadView?.health?.lastError, 'no answer within 1000 ms');
  assert.equal(deadView?.health?.lastDeliveredAt, null);
  assert.equal(liveView?.health?.failing, false);
  assert.equal(liveView?.health?.lastStatusCode, 200);
  assert.equal(liveView?.health?.lastDeliveredAt, liveView?.health?.lastAttemptAt);
});

test('after a failed firing: no resolve is planned, and the firing is planned again a group interval after the failure', () => {
  const failed = { status: 'unreceived' as const, at: 1_000 };
  assert.equal(plannedStatus('resolved', failed, 900_000, 300_000), null);
  assert.equal(plannedStatus('ok', failed, 900_000, 300_000), null);
  assert.equal(plannedStatus('firing', failed, 200_000, 300_000), null, 'within the group interval');
  assert.equal(plannedStatus('firing', failed, 301_000, 300_000), 'firing');
  // Told firing (received or still being sent): the resolve goes, as before.
  assert.equal(plannedStatus('resolved', { status: 'firing', at: 1_000 }, 301_000, 300_000), 'resolved');
});
