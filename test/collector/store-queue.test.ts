// The write queue: a full queue refuses whole batches; a batch whose write fails is dropped
// whole and counted, and neither the process nor the other batches suffer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SpanRecord } from '../../collector/src/model';
import { batchWith, makeTrace, openTestStore, prng } from './store-helpers';

test('a full queue refuses a batch whole; flush then commits what was accepted', async (t) => {
  const { storage, clock } = openTestStore(t, { queueCapacity: 10 });
  const rand = prng(1);
  const trace = (): SpanRecord[] => makeTrace(rand, { service: 'api', instanceId: 'a', route: '/q', startMs: clock.now - 100, durationMs: 5, children: 3 });
  const first = trace();
  const second = trace();
  const third = trace();
  assert.equal(storage.enqueue(batchWith({ spans: [...first, ...second] })), true, '8 items fit');
  assert.equal(storage.stats().queueDepth, 8);
  assert.equal(storage.enqueue(batchWith({ spans: third })), false, '8 + 4 > 10');
  assert.equal(storage.stats().queueDepth, 8, 'nothing of the refused batch queued');
  await storage.flush();
  assert.equal(storage.stats().queueDepth, 0);
  assert.ok(storage.trace(first[0]!.traceId));
  assert.ok(storage.trace(second[0]!.traceId));
  assert.equal(storage.trace(third[0]!.traceId), null);
  // Room again once drained; and a batch larger than the capacity is taken by an empty queue.
  const big = [...trace(), ...trace(), ...trace()];
  assert.equal(storage.enqueue(batchWith({ spans: big })), true);
  await storage.flush();
  assert.equal(storage.trace(big[0]!.traceId)!.spans.length, 4);
});

test('a batch whose write fails is dropped whole and counted; batches around it commit', async (t) => {
  const { storage, clock } = openTestStore(t);
  const rand = prng(2);
  const good1 = makeTrace(rand, { service: 'api', instanceId: 'a', route: '/g', startMs: clock.now - 100, durationMs: 5 });
  const good2 = makeTrace(rand, { service: 'api', instanceId: 'a', route: '/g', startMs: clock.now - 100, durationMs: 5 });
  const bad = makeTrace(rand, { service: 'api', instanceId: 'a', route: '/b', startMs: clock.now - 100, durationMs: 5 });
  // A value SQLite cannot bind: the write throws half-way through the batch.
  (bad[2] as unknown as { name: unknown }).name = { boom: 1 };
  const errors: string[] = [];
  const original = console.error;
  console.error = (msg: unknown) => errors.push(String(msg));
  t.after(() => {
    console.error = original;
  });
  assert.equal(storage.enqueue(batchWith({ spans: good1 })), true);
  assert.equal(storage.enqueue(batchWith({ spans: bad })), true);
  assert.equal(storage.enqueue(batchWith({ spans: good2 })), true);
  await storage.flush();
  assert.ok(storage.trace(good1[0]!.traceId));
  assert.ok(storage.trace(good2[0]!.traceId));
  assert.equal(storage.trace(bad[0]!.traceId), null, 'no span of the failed batch was kept');
  assert.equal(storage.stats().itemsDropped, bad.length);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /HR_STORE_WRITE/);
  // Logged once, not once per failure.
  assert.equal(storage.enqueue(batchWith({ spans: bad })), true);
  await storage.flush();
  assert.equal(errors.length, 1);
  assert.equal(storage.stats().itemsDropped, 2 * bad.length);
});
