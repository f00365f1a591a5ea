// /healthz and /metrics: the collector's own health, in JSON and in Prometheus text.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getJson, sendTraces, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';

function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (match && match[1] === name) out.set(match[2] ?? '', Number(match[3]));
  }
  return out;
}

describe('health and self-metrics', () => {
  let collector: TestCollector;

  before(async () => {
    collector = await startTestCollector();
    const now = Date.now();
    await sendTraces(
      collector.otlpUrl,
      serviceResource('metered', 'metered-1'),
      [1, 2, 3].map((n) => ({ name: 'GET /m', startMs: now - n * 1000, durationMs: 10, attributes: { 'http.route': '/m' } })),
    );
    await collector.storage.flush();
  });

  after(async () => {
    await collector.dispose();
  });

  it('answers /healthz with status, uptime and the database state', async () => {
    const { status, body } = await getJson<{ status: string; uptime: number; db: { path: string; bytes: number; queueDepth: number; queueCapacity: number } }>(
      `${collector.httpUrl}/healthz`,
    );
    assert.equal(status, 200);
    assert.equal(body.status, 'ok');
    assert.ok(body.uptime >= 0);
    assert.equal(body.db.path, collector.dbPath);
    assert.ok(body.db.bytes > 0);
    assert.equal(body.db.queueDepth, 0);
    assert.ok(body.db.queueCapacity > 0);
  });

  it('exposes received items, queue, batch latency, database size, live clients and HTTP requests', async () => {
    await fetch(`${collector.httpUrl}/api/services`);
    await fetch(`${collector.httpUrl}/api/traces?limit=0`);
    const res = await fetch(`${collector.httpUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();

    assert.equal(samples(text, 'headroom_receiver_items_received_total').get('{signal="traces"}'), 3);
    assert.ok(samples(text, 'headroom_receiver_items_rejected_total').has('{signal="traces"}'));
    assert.equal(samples(text, 'headroom_store_queue_depth').get(''), 0);
    assert.ok((samples(text, 'headroom_store_queue_capacity').get('') ?? 0) > 0);
    assert.ok((samples(text, 'headroom_store_batch_duration_seconds_count').get('') ?? 0) >= 1);
    assert.ok(samples(text, 'headroom_store_batch_duration_seconds_bucket').has('{le="+Inf"}'));
    assert.ok((samples(text, 'headroom_store_database_bytes').get('') ?? 0) > 0);
    assert.equal(samples(text, 'headroom_store_items_dropped_total').get(''), 0);
    assert.equal(samples(text, 'headroom_live_clients').get(''), 0);
    const http = samples(text, 'headroom_http_requests_total');
    assert.ok((http.get('{handler="api",code="200"}') ?? 0) >= 1, text);
    assert.ok((http.get('{handler="api",code="400"}') ?? 0) >= 1, text);
    assert.ok((samples(text, 'process_resident_memory_bytes').get('') ?? 0) > 0);
    // Every family is declared once with HELP and TYPE.
    const types = text.split('\n').filter((l) => l.startsWith('# TYPE '));
    assert.equal(new Set(types).size, types.length);
  });
});
