// A destination deleted while its notifications are still being retried is sent nothing more:
// what was waiting to retry, queued behind, or in flight is cancelled, and the deliveries list
// says `cancelled` (QA4: a deleted destination kept receiving a firing's retries).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually } from '../agent/support/harness';
import { deliveries, FAST_ALERTS, quietRule, sleep, startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson, startWebhookReceiver, TEST_SECRET } from './support/webhook-receiver';

test('deleting a destination cancels its retries, its queued resolve and an attempt in flight; it gets nothing more', async (t) => {
  const failing = await startWebhookReceiver(TEST_SECRET, () => ({ status: 500 }));
  const hanging = await startWebhookReceiver(TEST_SECRET, () => 'hang');
  const dir = tempDir();
  // Many attempts, a few hundred ms apart: both firings are still being tried when they are deleted.
  const collector = await startAlertCollector(dir, { delivery: { ...FAST_ALERTS.delivery, maxAttempts: 100, baseDelayMs: 200, maxDelayMs: 300, timeoutMs: 60_000 } });
  t.after(async () => {
    await collector.close();
    await failing.close();
    await hanging.close();
    dir.remove();
  });
  const api = `${collector.httpUrl}/api/alerts`;
  for (const [id, url] of [['failing', failing.url], ['hanging', hanging.url]]) {
    assert.equal((await postJson(`${api}/destinations`, { id, type: 'webhook', url, secret: TEST_SECRET })).status, 201);
  }
  const rule = quietRule(['failing', 'hanging']);
  assert.equal((await postJson(`${api}/rules`, rule)).status, 201);
  await eventually(async () => (failing.requests.length >= 2 && hanging.requests.length === 1 ? true : undefined), 'the firing retried at one and in flight at the other');
  // The rule stops naming them: each is owed a resolve, queued behind its firing.
  assert.equal((await postJson(`${api}/rules/quiet`, { ...rule, destinations: [] }, 'PUT')).status, 200);
  for (const id of ['failing', 'hanging']) assert.equal((await fetch(`${api}/destinations/${id}`, { method: 'DELETE' })).status, 204);

  const failingSeen = failing.requests.length;
  await sleep(1_500); // several retry delays
  assert.equal(failing.requests.length, failingSeen, 'no retry after the deletion');
  assert.equal(hanging.requests.length, 1, 'nothing more to the hanging one');
  for (const id of ['failing', 'hanging']) {
    const list = await deliveries(collector, `?destinationId=${id}`);
    assert.deepEqual(list.map((d) => [d.kind, d.status]).sort(), [['firing', 'cancelled'], ['resolved', 'cancelled']], id);
    assert.equal(list.find((d) => d.kind === 'resolved')?.attempts.length, 0, `${id}: the resolve was never attempted`);
  }
  const hangingFiring = (await deliveries(collector, '?destinationId=hanging')).find((d) => d.kind === 'firing');
  assert.deepEqual(hangingFiring?.attempts, [], 'the aborted attempt is not recorded as unanswered');
});
