// A throughput alert does not fire on requests the agents dropped: a window with lost metric
// points (`headroom.agent.dropped`) is incomplete and the rule keeps its state, while the same
// rule on a service whose data is whole fires.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertRuleWithState } from '../../collector/src/api-types';
import { eventually } from '../agent/support/harness';
import { quietRule, startAlertCollector, tempDir } from './support/alerts-harness';
import { droppedBody } from './support/dropped-telemetry';
import { postJson } from './support/webhook-receiver';

const MINUTE = 60_000;

async function rule(base: string, id: string): Promise<AlertRuleWithState> {
  const res = await fetch(`${base}/api/alerts/rules/${id}`);
  assert.equal(res.status, 200);
  return (await res.json()) as AlertRuleWithState;
}

test('a throughput rule whose window lost metric points keeps its state; the same rule over whole data fires', async (t) => {
  const dir = tempDir();
  const collector = await startAlertCollector(dir);
  t.after(async () => {
    await collector.close();
    dir.remove();
  });
  const now = Date.now();
  const post = async (service: string, atMs: number, metrics: number): Promise<void> => {
    const res = await fetch(`${collector.otlpUrl}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: droppedBody(service, `${service}-1`, now - 10 * MINUTE, atMs, { spans: 0, metrics, logs: 0 }),
    });
    assert.equal(res.status, 200);
  };
  // 'gappy' lost metric points between its reports of 40 s and 5 s ago; 'whole' lost nothing.
  await post('gappy', now - 40_000, 0);
  await post('gappy', now - 5_000, 120);
  await post('whole', now - 40_000, 0);
  await post('whole', now - 5_000, 0);
  await collector.storage.flush();

  // Both see 0 requests a minute, far below the threshold.
  await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule([], { id: 'gappy', service: 'gappy' }));
  await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule([], { id: 'whole', service: 'whole' }));
  await eventually(async () => ((await rule(collector.httpUrl, 'whole')).state.state === 'firing' ? true : undefined), 'the rule over whole data firing');
  // Evaluated in the same passes: seen, and kept.
  const gappy = await eventually(async () => {
    const r = await rule(collector.httpUrl, 'gappy');
    return r.state.lastEvaluatedAt !== null ? r : undefined;
  }, 'the rule over incomplete data evaluated');
  assert.equal(gappy.state.state, 'ok');
  assert.equal(gappy.state.value, 0);
});
