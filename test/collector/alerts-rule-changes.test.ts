// Changing a firing rule never leaves a receiver with an alert firing forever: a destination
// the rule stops naming (API or rules file, the destination deleted too) gets the resolve; a
// change of the alert's labels (its name here) resolves the alert as the receiver knows it; a
// threshold change is the same alert. Real collector, SQLite file and receivers on 127.0.0.1.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AlertHistoryResponse } from '../../collector/src/api-types';
import type { AlertmanagerPayload } from '../../collector/src/alerts/notify/alertmanager-payload';
import { parseRule } from '../../collector/src/alerts/rule-schema';
import { openSqliteAlertStore } from '../../collector/src/alerts/sqlite-alert-store';
import { eventually } from '../agent/support/harness';
import { payloads, quietRule, sleep, startAlertCollector, tempDir, withFiringRule } from './support/alerts-harness';
import { postJson, startWebhookReceiver, TEST_SECRET, type WebhookReceiver } from './support/webhook-receiver';


function statuses(r: WebhookReceiver): string[] {
  return payloads(r).map((p) => p.status);
}

function waitFor(r: WebhookReceiver, n: number, what: string): Promise<true> {
  return eventually(async () => (r.requests.length >= n ? true : undefined), what);
}


/** The resolve pairs with the firing: same alert (fingerprint) and start. */
function assertPairs(firing: AlertmanagerPayload, resolved: AlertmanagerPayload): void {
  assert.equal(resolved.status, 'resolved');
  assert.equal(resolved.alerts[0]!.fingerprint, firing.alerts[0]!.fingerprint);
  assert.equal(resolved.alerts[0]!.startsAt, firing.alerts[0]!.startsAt);
  assert.notEqual(resolved.alerts[0]!.endsAt, '0001-01-01T00:00:00Z');
}

test('a destination removed from a firing rule through the API gets the resolve, and can then be deleted', async () => {
  const dir = tempDir();
  const hook = await startWebhookReceiver(TEST_SECRET);
  const kept = await startWebhookReceiver(TEST_SECRET);
  const collector = await startAlertCollector(dir);
  try {
    for (const [id, r] of [['hook', hook], ['kept', kept]] as const) {
      assert.equal((await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id, type: 'webhook', url: r.url, secret: TEST_SECRET })).status, 201);
    }
    assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule(['hook', 'kept']))).status, 201);
    await waitFor(hook, 1, 'the firing to hook');
    await waitFor(kept, 1, 'the firing to kept');

    assert.equal((await postJson(`${collector.httpUrl}/api/alerts/rules/quiet`, quietRule(['kept']), 'PUT')).status, 200);
    await waitFor(hook, 2, 'the resolve to the removed destination');
    // No rule names it now, so it may go (deleted earlier, what is still queued for it would be cancelled: alerts-deleted-destination.test.ts).
    assert.equal((await fetch(`${collector.httpUrl}/api/alerts/destinations/hook`, { method: 'DELETE' })).status, 204);
    await sleep(400);
    assert.deepEqual(statuses(hook), ['firing', 'resolved']);
    assertPairs(payloads(hook)[0]!, payloads(hook)[1]!);
    assert.ok(hook.requests[1]!.signatureValid);
    assert.deepEqual(statuses(kept), ['firing'], 'the destination kept hears nothing more while the rule fires');
  } finally {
    await collector.close();
    await hook.close();
    await kept.close();
    dir.remove();
  }
});

test('a rules file that drops a destination from a firing rule, and the destination itself, sends it the resolve at the next start', async () => {
  const dir = tempDir();
  const hook = await startWebhookReceiver(TEST_SECRET);
  const kept = await startWebhookReceiver(TEST_SECRET);
  const hookDest = { id: 'hook', type: 'webhook', url: hook.url, secret: TEST_SECRET };
  const keptDest = { id: 'kept', type: 'webhook', url: kept.url, secret: TEST_SECRET };
  try {
    let collector = await startAlertCollector(dir, { rulesFile: dir.file('before.json', { destinations: [hookDest, keptDest], rules: [quietRule(['hook', 'kept'])] }) });
    await waitFor(hook, 1, 'the firing to hook');
    await waitFor(kept, 1, 'the firing to kept');
    await collector.close();

    collector = await startAlertCollector(dir, { rulesFile: dir.file('after.json', { destinations: [keptDest], rules: [quietRule(['kept'])] }) });
    try {
      await waitFor(hook, 2, 'the resolve to the removed destination');
      await sleep(400);
      assert.deepEqual(statuses(hook), ['firing', 'resolved']);
      assertPairs(payloads(hook)[0]!, payloads(hook)[1]!);
      assert.ok(hook.requests[1]!.signatureValid, 'signed with the secret of the destination the file removed');
      assert.deepEqual(statuses(kept), ['firing']);
    } finally {
      await collector.close();
    }
  } finally {
    await hook.close();
    await kept.close();
    dir.remove();
  }
});

test('renaming a firing rule resolves the alert the receiver knows and fires the renamed one', async () => {
  await withFiringRule(async (httpUrl, hook) => {

    assert.equal((await postJson(`${httpUrl}/api/alerts/rules/quiet`, quietRule(['hook'], { name: 'Quiet service, renamed' }), 'PUT')).status, 200);
    await waitFor(hook, 3, 'the resolve of the old alert and the firing of the new');
    await sleep(400);
    const [firing, resolved, renamed] = payloads(hook);
    assert.deepEqual(statuses(hook), ['firing', 'resolved', 'firing']);
    assertPairs(firing!, resolved!);
    assert.equal(resolved!.commonLabels.alertname, 'Quiet service');
    assert.equal(renamed!.commonLabels.alertname, 'Quiet service, renamed');
    assert.notEqual(renamed!.alerts[0]!.fingerprint, firing!.alerts[0]!.fingerprint);
    const history = (await (await fetch(`${httpUrl}/api/alerts/history?ruleId=quiet&range=1h`)).json()) as AlertHistoryResponse;
    assert.deepEqual(history.transitions.map((t) => [t.from, t.to]).reverse(), [['ok', 'firing'], ['firing', 'resolved'], ['resolved', 'firing']]);
    assert.match(history.transitions[1]!.reason, /rule was changed/);
  });
});

test('a threshold change while firing is the same alert: nothing while the condition holds, the paired resolve when it does not', async () => {
  await withFiringRule(async (httpUrl, hook) => {
    assert.equal((await postJson(`${httpUrl}/api/alerts/rules/quiet`, quietRule(['hook'], { threshold: 2_000_000, windowMs: '2m' }), 'PUT')).status, 200);
    await sleep(500);
    assert.deepEqual(statuses(hook), ['firing'], 'still firing: not told again');
    assert.equal((await postJson(`${httpUrl}/api/alerts/rules/quiet`, quietRule(['hook'], { comparison: '>' }), 'PUT')).status, 200);
    await waitFor(hook, 2, 'the resolve');
    assertPairs(payloads(hook)[0]!, payloads(hook)[1]!);
  });
});

test('a start resolves an alert still recorded as firing at a destination its rule no longer names (left by an older version)', async () => {
  const dir = tempDir();
  const hook = await startWebhookReceiver(TEST_SECRET);
  const hookDest = { id: 'hook', type: 'webhook', url: hook.url, secret: TEST_SECRET };
  try {
    let collector = await startAlertCollector(dir, { rulesFile: dir.file('rules.json', { destinations: [hookDest], rules: [quietRule(['hook'])] }) });
    await waitFor(hook, 1, 'the firing');
    await collector.close();
    // What an older version left after a rule stopped naming a destination: the rule changed,
    // the record that the destination was told "firing" untouched.
    const store = openSqliteAlertStore(join(dir.path, 'headroom.db'));
    store.putRule(parseRule(quietRule([])), 'file', Date.now());
    assert.equal(store.notified('quiet', 'hook')?.status, 'firing');
    store.close();

    collector = await startAlertCollector(dir);
    try {
      await waitFor(hook, 2, 'the resolve');
      await sleep(300);
      assert.deepEqual(statuses(hook), ['firing', 'resolved']);
      assertPairs(payloads(hook)[0]!, payloads(hook)[1]!);
    } finally {
      await collector.close();
    }
  } finally {
    await hook.close();
    dir.remove();
  }
});
