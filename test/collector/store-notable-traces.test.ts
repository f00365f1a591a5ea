// The trace list's "slow and failed" view: notable = failed or at least 4 × the service's
// Apdex T (the rule of the live stream's trace frames), slowest or newest first, in pages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchWith, makeTrace, msToNs, openTestStore, prng } from './store-helpers';

test('notable traces: failed or over 4 × Apdex T, slowest first, paged without repeats', async (t) => {
  const { storage, clock } = openTestStore(t);
  const now = clock.now;
  const rand = prng(7);
  // Apdex T 100 ms → slow from 400 ms.
  const durations = [50, 399, 400, 650, 1200, 90, 3000];
  const ordinary = durations.map((d, i) => makeTrace(rand, { service: 'api', instanceId: 'a1', route: '/r', startMs: now - 60_000 + i * 1000, durationMs: d }));
  const failed = makeTrace(rand, { service: 'api', instanceId: 'a1', route: '/r', startMs: now - 30_000, durationMs: 5, error: true });
  const other = makeTrace(rand, { service: 'other', instanceId: 'b1', route: '/r', startMs: now - 30_000, durationMs: 5000 });
  storage.enqueue(
    batchWith({
      instances: [{ service: 'api', instanceId: 'a1', host: 'h', pid: 1, timeNs: msToNs(now - 1000), resource: { 'service.name': 'api', 'headroom.apdex_t_ms': 100 } }],
      spans: [...ordinary.flat(), ...failed, ...other],
    }),
  );
  await storage.flush();
  const range = { from: now - 120_000, to: now };

  const slowest = storage.traces({ ...range, service: 'api', notable: true, sort: 'duration', limit: 10 });
  assert.equal(slowest.slowThresholdMs, 400);
  assert.deepEqual(slowest.traces.map((x) => x.durationMs), [3000, 1200, 650, 400, 5]);
  assert.equal(slowest.traces.at(-1)?.error, true);

  const newest = storage.traces({ ...range, service: 'api', notable: true, limit: 10 });
  assert.deepEqual(newest.traces.map((x) => x.durationMs), [5, 3000, 1200, 650, 400], 'newest first by default');

  // Pages of two: every notable trace once.
  const pages = [0, 2, 4].map((offset) => storage.traces({ ...range, service: 'api', notable: true, sort: 'duration', limit: 2, offset }).traces.map((x) => x.traceId));
  assert.deepEqual(pages.flat(), slowest.traces.map((x) => x.traceId));

  // Without `notable`, every trace, and no threshold in the answer.
  const all = storage.traces({ ...range, service: 'api', limit: 100 });
  assert.equal(all.traces.length, durations.length + 1);
  assert.equal(all.slowThresholdMs, undefined);
});
