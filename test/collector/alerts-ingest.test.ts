// A receiver that never answers must not slow ingest: the same OTLP load is sent to a
// collector without alerts and to one whose firing rule and test notifications go to a
// receiver that accepts connections and never answers. Figures go to the test log; the only
// bound is a generous sanity one (speed is for bench/, not tests).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunningCollector } from '../../collector/src/server';
import { eventually } from '../agent/support/harness';
import { deliveries, quietRule, startAlertCollector, tempDir } from './support/alerts-harness';
import { postJson, startWebhookReceiver } from './support/webhook-receiver';

const REQUESTS = 100;
const SPANS_PER_REQUEST = 20;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

function tracesBody(i: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: SPANS_PER_REQUEST }, (_, j) => ({
    traceId: hex(i + 1, 32),
    spanId: hex(j + 1, 16),
    name: 'GET /ingest',
    kind: 2,
    startTimeUnixNano: String(now - 5_000_000n),
    endTimeUnixNano: String(now),
    attributes: [{ key: 'http.route', value: { stringValue: '/ingest' } }],
  }));
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'ingest-load' } }] }, scopeSpans: [{ spans }] }],
  });
}

async function ingest(collector: RunningCollector): Promise<{ ms: number; spansPerSecond: number }> {
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i += 10) {
    const batch = Array.from({ length: 10 }, (_, k) =>
      fetch(`${collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: tracesBody(i + k) }).then(async (r) => {
        await r.arrayBuffer();
        assert.equal(r.status, 200);
      }),
    );
    await Promise.all(batch);
  }
  await collector.storage.flush();
  const ms = performance.now() - started;
  return { ms, spansPerSecond: Math.round((REQUESTS * SPANS_PER_REQUEST) / (ms / 1000)) };
}

test('a receiver that never answers does not slow ingest (measured)', async (t) => {
  const dirA = tempDir();
  const plain = await startAlertCollector(dirA);
  let without: { ms: number; spansPerSecond: number };
  try {
    await ingest(plain); // warm-up
    without = await ingest(plain);
  } finally {
    await plain.close();
    dirA.remove();
  }

  const dirB = tempDir();
  const dead = await startWebhookReceiver(null, () => 'hang');
  const collector = await startAlertCollector(dirB, { delivery: { timeoutMs: 1_000, capacity: 10, concurrency: 2, maxAttempts: 3 } });
  try {
    await postJson(`${collector.httpUrl}/api/alerts/destinations`, { id: 'dead', type: 'webhook', url: dead.url });
    await postJson(`${collector.httpUrl}/api/alerts/rules`, quietRule(['dead']));
    // More notifications than the queue holds: the rest are dropped, not queued without bound.
    for (let i = 0; i < 20; i++) await postJson(`${collector.httpUrl}/api/alerts/destinations/dead/test`, {});
    await ingest(collector); // warm-up, while deliveries hang
    const withDead = await ingest(collector);
    t.diagnostic(`ingest of ${REQUESTS} OTLP/JSON requests × ${SPANS_PER_REQUEST} spans: ${without.ms.toFixed(0)} ms (${without.spansPerSecond} spans/s) without alerts, ${withDead.ms.toFixed(0)} ms (${withDead.spansPerSecond} spans/s) with a never-answering receiver`);
    assert.ok(withDead.ms < without.ms * 10 + 5_000, 'sanity bound only');

    const all = await deliveries(collector, '?limit=100');
    assert.ok(all.some((d) => d.status === 'dropped'), 'a full queue drops');
    const timedOut = await eventually(
      async () => (await deliveries(collector, '?limit=100')).find((d) => d.attempts.some((a) => a.error?.startsWith('no answer within'))),
      'a timed-out attempt',
    );
    assert.equal(timedOut.attempts[0]?.statusCode, null);
    assert.ok(dead.requests.length > 0);
  } finally {
    await collector.close();
    await dead.close();
    dirB.remove();
  }
});
