// A delta metric point counts once, however often its metrics request arrives: OTLP exporters
// resend a request whose answer they did not get, and the same interval added to the rollups
// again would double that interval's requests, errors and latency distribution.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { Attributes } from '@opentelemetry/api';
import type { TransactionSummary } from '../../collector/src/api-types';
import type { RequestPoint } from '../../collector/src/model';
import { otlpTypes } from '../../collector/src/receiver/decode/proto-root';
import { batchWith, openTestStore, requestPoint, sdkHistogram } from './store-helpers';
import { captureOtlpBody, postOtlpBody, sendMetrics, serviceResource, startTestCollector, type MetricRecorder, type TestCollector } from './support/collector-harness';

const MINUTE = 60_000;
const ORDERS = { 'http.route': '/orders', 'http.request.method': 'GET', 'http.response.status_code': 200 };
const FAILED = { 'http.route': '/orders', 'http.request.method': 'GET', 'http.response.status_code': 503 };

/** One metrics request as the SDK's protobuf exporter sends it (the same bytes can be posted again). */
function metricsBody(instanceId: string, record: (m: MetricRecorder) => void): Promise<Buffer> {
  return captureOtlpBody((url) => sendMetrics(url, serviceResource('shop', instanceId), record));
}

/** The same request as sent by another instance: same points, same intervals, another resource. */
function fromInstance(body: Buffer, instanceId: string): Buffer {
  const type = otlpTypes().metricsRequest;
  const request = type.decode(body) as unknown as {
    resourceMetrics: { resource: { attributes: { key: string; value: { stringValue?: string } }[] } }[];
  };
  let changed = 0;
  for (const rm of request.resourceMetrics) {
    for (const kv of rm.resource.attributes) {
      if (kv.key === 'service.instance.id') {
        kv.value.stringValue = instanceId;
        changed++;
      }
    }
  }
  assert.equal(changed, 1);
  return Buffer.from(type.encode(request).finish());
}

function requests(values: number[], attrs: Attributes): (m: MetricRecorder) => void {
  return (m) => m.histogram('http.server.request.duration', 's', values, attrs);
}

function orders(collector: TestCollector, now: number): TransactionSummary | undefined {
  const range = { from: now - 10 * MINUTE, to: now + 2 * MINUTE };
  return collector.storage.transactions({ ...range, service: 'shop' }).transactions.find((t) => t.route === 'GET /orders');
}

test('the same metrics request posted twice counts its requests once', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const now = Date.now();
  // Two attribute sets that name the same route are two series of one interval: both count.
  const body = await metricsBody('shop-1', (m) => {
    m.histogram('http.server.request.duration', 's', [0.01, 0.02, 0.04], ORDERS);
    m.histogram('http.server.request.duration', 's', [0.5], FAILED);
    m.histogram('http.server.request.duration', 's', [0.03], { ...ORDERS, 'network.protocol.version': '2' });
    m.histogram('headroom.http.server.queue_wait', 's', [0.002, 0.004], { 'http.route': '/orders', 'http.request.method': 'GET' });
  });

  await postOtlpBody(collector.otlpUrl, 'metrics', body);
  await collector.storage.flush();
  const once = orders(collector, now);
  assert.equal(once?.requests, 5);
  assert.equal(once.errors, 1);

  // The retry: the same bytes again, after the first copy was committed.
  await postOtlpBody(collector.otlpUrl, 'metrics', body);
  await collector.storage.flush();
  assert.deepEqual(orders(collector, now), once);
});

test('other intervals of the same series, and the same interval of another instance, still add up', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const now = Date.now();
  const first = await metricsBody('shop-1', requests([0.01, 0.02], ORDERS));
  // The next export interval of the same series (same resource, metric and attributes).
  const second = await metricsBody('shop-1', requests([0.03, 0.04, 0.05], ORDERS));

  await postOtlpBody(collector.otlpUrl, 'metrics', first);
  await postOtlpBody(collector.otlpUrl, 'metrics', second);
  await postOtlpBody(collector.otlpUrl, 'metrics', first);
  await collector.storage.flush();
  assert.equal(orders(collector, now)?.requests, 5);

  // Another process reporting exactly the same interval and values.
  await postOtlpBody(collector.otlpUrl, 'metrics', fromInstance(first, 'shop-2'));
  await collector.storage.flush();
  assert.equal(orders(collector, now)?.requests, 7);
});

test('the store remembers a delta point for an hour after its end: a copy within it is skipped, retention forgets it after', async (t) => {
  const t0 = Math.floor(Date.now() / MINUTE) * MINUTE - 2 * 60 * MINUTE;
  const { storage, path, clock } = openTestStore(t, { now: t0 + 30_000 });
  const h = await sdkHistogram([0.01, 0.02, 0.03]);
  const point = (pointId: bigint): RequestPoint => ({ ...requestPoint(h, { service: 'api', instanceId: 'i-1', route: '/r', timeMs: t0 + 10_000 }), pointId });
  const count = (): number | undefined =>
    storage.transactions({ service: 'api', from: t0 - MINUTE, to: t0 + MINUTE }).transactions.find((tr) => tr.route === '/r')?.requests;
  const seen = (): number => {
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      return db.prepare('SELECT count(*) FROM seen_points').pluck().get() as number;
    } finally {
      db.close();
    }
  };

  // Twice in one commit, then once more: counted once. Another identity counts.
  storage.enqueue(batchWith({ requests: [point(1n), point(1n)] }));
  await storage.flush();
  storage.enqueue(batchWith({ requests: [point(1n)] }));
  await storage.flush();
  assert.equal(count(), 3);
  storage.enqueue(batchWith({ requests: [point(2n)] }));
  await storage.flush();
  assert.equal(count(), 6);

  // Within the hour after the point's end retention keeps the identities; past it they go.
  clock.now = t0 + 59 * MINUTE;
  await storage.runMaintenance();
  assert.equal(seen(), 2);
  clock.now = t0 + 61 * MINUTE;
  await storage.runMaintenance();
  assert.equal(seen(), 0);
});

test('one commit of more points than an insert group, mixing resent, new and repeated points, counts each once', async (t) => {
  const t0 = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
  const { storage } = openTestStore(t, { now: t0 + 30_000 });
  const h = await sdkHistogram([0.01, 0.02, 0.03]);
  const point = (pointId: number): RequestPoint => ({ ...requestPoint(h, { service: 'api', instanceId: 'i-1', route: '/r', timeMs: t0 + 10_000 }), pointId: BigInt(pointId) });
  const ids = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const count = (): number | undefined =>
    storage.transactions({ service: 'api', from: t0 - MINUTE, to: t0 + MINUTE }).transactions.find((tr) => tr.route === '/r')?.requests;

  // 40 new points (a group of 32 and one of 8), then the same 40 again: counted once.
  storage.enqueue(batchWith({ requests: ids(1, 40).map(point) }));
  await storage.flush();
  assert.equal(count(), 40 * h.count);
  storage.enqueue(batchWith({ requests: ids(1, 40).map(point) }));
  await storage.flush();
  assert.equal(count(), 40 * h.count);

  // 11 counted before, 30 new, one of them twice: the groups are partly new.
  storage.enqueue(batchWith({ requests: [...ids(30, 70), 50].map(point) }));
  await storage.flush();
  assert.equal(count(), 70 * h.count);
});

test('a commit that fails forgets the identities of its points with their rollups', async (t) => {
  const t0 = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
  const { storage, path } = openTestStore(t, { now: t0 + 30_000 });
  const h = await sdkHistogram([0.01, 0.02]);
  const point = (pointId: bigint, route: string): RequestPoint => ({ ...requestPoint(h, { service: 'api', instanceId: 'i-1', route, timeMs: t0 + 10_000 }), pointId });
  const count = (): number | undefined =>
    storage.transactions({ service: 'api', from: t0 - MINUTE, to: t0 + MINUTE }).transactions.find((tr) => tr.route === '/r')?.requests;
  const errors: string[] = [];
  const original = console.error;
  console.error = (msg: unknown) => errors.push(String(msg));
  t.after(() => {
    console.error = original;
  });

  // A route SQLite cannot bind: the write throws after the identities were recorded.
  const unbindable = point(2n, '/other');
  (unbindable as unknown as { route: unknown }).route = { boom: 1 };
  storage.enqueue(batchWith({ requests: [point(1n, '/r'), unbindable] }));
  await storage.flush();
  assert.equal(storage.stats().itemsDropped, 2);
  assert.match(errors[0] ?? '', /HR_STORE_WRITE/);
  assert.equal(count(), undefined);

  // The same point again: its identity went with the failed commit, so it counts now.
  storage.enqueue(batchWith({ requests: [point(1n, '/r')] }));
  await storage.flush();
  assert.equal(count(), h.count);
  const db = new BetterSqlite3(path, { readonly: true });
  t.after(() => db.close());
  assert.deepEqual(db.prepare('SELECT id FROM seen_points').pluck().all(), [1]);
});
