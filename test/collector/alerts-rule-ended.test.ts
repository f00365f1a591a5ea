// A firing alert a person ended — its rule deleted, or its threshold changed so it no longer
// applies — is resolved saying so ("rule deleted" / "rule changed"), without the value that
// breached, and the history records it with the rule's series, so a deleted rule's entries are
// still read in their unit (QA4). Real collector, SQLite file and receiver on 127.0.0.1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertHistoryResponse } from '../../collector/src/api-types';
import { eventually } from '../agent/support/harness';
import { payloads, quietRule, withFiringRule } from './support/alerts-harness';
import { postJson } from './support/webhook-receiver';

async function history(httpUrl: string): Promise<AlertHistoryResponse['transitions']> {
  const res = await fetch(`${httpUrl}/api/alerts/history?ruleId=quiet&range=1h`);
  return ((await res.json()) as AlertHistoryResponse).transitions;
}

test('deleting a firing rule resolves it as "rule deleted", without the breaching value, and the history records the deletion', async () => {
  await withFiringRule(async (httpUrl, hook) => {
    assert.equal((await fetch(`${httpUrl}/api/alerts/rules/quiet`, { method: 'DELETE' })).status, 204);
    await eventually(async () => (hook.requests.length >= 2 ? true : undefined), 'the resolve');
    const resolved = payloads(hook)[1]!;
    assert.equal(resolved.status, 'resolved');
    assert.equal(resolved.alerts[0]!.annotations.summary, 'Quiet service resolved: rule deleted');
    assert.equal(resolved.alerts[0]!.annotations.description, 'quiet-service: rule deleted');
    assert.equal(resolved.alerts[0]!.annotations.value, undefined, 'no value: none ended it');

    const [deletion, fired] = await history(httpUrl);
    assert.deepEqual([deletion?.from, deletion?.to, deletion?.cause, deletion?.value, deletion?.reason], ['firing', 'resolved', 'rule deleted', null, 'rule deleted']);
    // Kept with each entry, so the rule's values are still read in its unit once it is gone.
    assert.equal(deletion?.series, 'throughput');
    assert.deepEqual([fired?.from, fired?.to, fired?.series, fired?.cause, fired?.value], ['ok', 'firing', 'throughput', null, 0]);
  });
});

test('a threshold change the firing value no longer meets resolves it at once as "rule changed"; one it still meets sends nothing', async () => {
  await withFiringRule(async (httpUrl, hook) => {
    assert.equal((await postJson(`${httpUrl}/api/alerts/rules/quiet`, quietRule(['hook'], { threshold: 5 }), 'PUT')).status, 200);
    assert.equal((await postJson(`${httpUrl}/api/alerts/rules/quiet`, quietRule(['hook'], { threshold: 0 }), 'PUT')).status, 200);
    await eventually(async () => (hook.requests.length >= 2 ? true : undefined), 'the resolve');
    const [firing, resolved] = payloads(hook);
    assert.equal(hook.requests.length, 2, 'the first change (0 rpm < 5 still holds) sent nothing');
    assert.equal(resolved!.status, 'resolved');
    assert.equal(resolved!.alerts[0]!.fingerprint, firing!.alerts[0]!.fingerprint);
    assert.equal(resolved!.alerts[0]!.annotations.summary, 'Quiet service resolved: rule changed');
    assert.equal(resolved!.alerts[0]!.annotations.value, undefined);

    const changed = (await history(httpUrl)).find((t) => t.from === 'firing');
    assert.deepEqual([changed?.to, changed?.cause, changed?.value, changed?.series], ['resolved', 'rule changed', null, 'throughput']);
    assert.equal(changed?.reason, 'rule changed: it now reads throughput 0 rpm over 1m (threshold < 0 rpm)');
    await eventually(async () => ((await history(httpUrl))[0]?.to === 'ok' ? true : undefined), 'ok at the next evaluation');
    assert.equal(hook.requests.length, 2, 'nothing more');
  });
});

test('a change of window and comparison the firing rule no longer meets is judged at once on a fresh reading, and its resolve says "rule changed"', async () => {
  await withFiringRule(async (httpUrl, hook) => {
    // Judged at the next evaluation instead, this was resolved as if a value had ended it
    // ("resolved: throughput 0 rpm over 2m …"), the change unsaid.
    assert.equal((await postJson(`${httpUrl}/api/alerts/rules/quiet`, quietRule(['hook'], { windowMs: '2m', comparison: '>' }), 'PUT')).status, 200);
    await eventually(async () => (hook.requests.length >= 2 ? true : undefined), 'the resolve');
    const [firing, resolved] = payloads(hook);
    assert.equal(resolved!.status, 'resolved');
    assert.equal(resolved!.alerts[0]!.fingerprint, firing!.alerts[0]!.fingerprint);
    assert.equal(resolved!.alerts[0]!.annotations.summary, 'Quiet service resolved: rule changed');
    const changed = (await history(httpUrl)).find((t) => t.from === 'firing');
    assert.deepEqual([changed?.to, changed?.cause, changed?.value], ['resolved', 'rule changed', null]);
    assert.equal(changed?.reason, 'rule changed: it now reads throughput 0 rpm over 2m (threshold > 1000000 rpm)');
    await eventually(async () => ((await history(httpUrl))[0]?.to === 'ok' ? true : undefined), 'ok at the next evaluation');
    assert.equal(hook.requests.length, 2, 'nothing more');
  });
});
