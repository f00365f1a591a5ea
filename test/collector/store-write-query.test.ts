// Writing batches and reading them back through every query method of the SQLite store.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CommitSummary } from '../../collector/src/store/storage';
import {
  batchWith,
  lognormal,
  makeTrace,
  msToNs,
  openTestStore,
  prng,
  requestPoint,
  sdkHistogram,
} from './store-helpers';

const MINUTE = 60_000;

test('a written batch is readable through every query, and onCommit describes it', async (t) => {
  const { storage, clock } = openTestStore(t);
  const now = Math.floor(clock.now / MINUTE) * MINUTE + 30_000;
  clock.now = now;
  const minute = now - 30_000;
  const rand = prng(11);
  const commits: CommitSummary[] = [];
  const off = storage.onCommit((s) => commits.push(s));

  const values = lognormal(rand, 2000, 0.08, 0.6);
  const h = await sdkHistogram(values);
  const errH = await sdkHistogram(lognormal(rand, 100, 0.2, 0.3));
  const slow = makeTrace(rand, { service: 'api', instanceId: 'a1', route: '/orders', startMs: now - 4000, durationMs: 2500, stallMs: 230 });
  const fast = makeTrace(rand, { service: 'api', instanceId: 'a1', route: '/users', startMs: now - 3000, durationMs: 12 });
  const failed = makeTrace(rand, { service: 'api', instanceId: 'a2', route: '/users', startMs: now - 2000, durationMs: 30, error: true });
  const gauge = (instanceId: string, metric: string, value: number) => ({
    service: 'api', instanceId, metric, timeNs: msToNs(now - 1000), count: 1, sum: value, min: value, max: value, last: value,
  });
  const accepted = storage.enqueue(
    batchWith({
      instances: [
        { service: 'api', instanceId: 'a1', host: 'h1', pid: 10, timeNs: msToNs(now - 1000), resource: { 'service.name': 'api', 'headroom.apdex_t_ms': 200 } },
        { service: 'api', instanceId: 'a2', host: 'h1', pid: 11, timeNs: msToNs(now - 1000), resource: { 'service.name': 'api', 'headroom.apdex_t_ms': 200 } },
      ],
      spans: [...slow, ...fast, ...failed],
      requests: [
        requestPoint(h, { service: 'api', instanceId: 'a1', route: '/orders', timeMs: now }),
        requestPoint(errH, { service: 'api', instanceId: 'a2', route: '/users', timeMs: now, error: true }),
      ],
      routeSums: [
        { service: 'api', instanceId: 'a1', route: '/orders', metric: 'queue_wait', timeNs: msToNs(now), count: 2000, sum: 20, max: null },
        { service: 'api', instanceId: 'a1', route: '/orders', metric: 'response_write', timeNs: msToNs(now), count: 2000, sum: 10, max: null },
      ],
      gauges: [
        gauge('a1', 'memory.rss', 100e6),
        gauge('a2', 'memory.rss', 50e6),
        gauge('a1', 'eventloop.utilization', 0.5),
        gauge('a2', 'eventloop.utilization', 0.3),
        gauge('a1', 'eventloop.delay.p99', 0.02),
        gauge('a1', 'gc.pause.minor', 0.004),
        gauge('a1', 'gc.pause.major', 0.006),
      ],
      events: [
        {
          service: 'api', instanceId: 'a1', type: 'stall', timeNs: msToNs(now - 3900), traceId: slow[0]!.traceId, spanId: slow[0]!.spanId,
          route: '/orders', durationMs: 230, message: null,
          attributes: { 'code.function': 'render', 'code.filepath': 'src/orders.js', 'code.lineno': 42 },
        },
      ],
    }),
  );
  assert.equal(accepted, true);
  await storage.flush();
  off();

  // onCommit: the minute touched, the stall event with its id, the slow and the failed roots.
  assert.equal(commits.length, 1);
  const summary = commits[0]!;
  assert.deepEqual([...summary.services.keys()], ['api']);
  assert.deepEqual([...summary.services.get('api')!], [minute]);
  assert.equal(summary.events.length, 1);
  assert.equal(summary.events[0]!.type, 'stall');
  assert.ok(summary.events[0]!.id > 0);
  const notable = summary.notableTraces.map((n) => [n.route, n.error, n.spanCount]).sort();
  assert.deepEqual(notable, [['/orders', false, 4], ['/users', true, 3]]);
  assert.equal(summary.notableTraces.find((n) => n.route === '/orders')!.stallMs, 230);

  const range = { from: now - 3_600_000, to: now + MINUTE };
  const services = storage.services(range);
  assert.equal(services.services.length, 1);
  const api = services.services[0]!;
  assert.equal(api.requests, 2100);
  assert.equal(api.errorRate, 100 / 2100);
  assert.equal(api.apdexTMs, 200);
  assert.equal(api.instances, 2);
  assert.equal(api.memoryRssBytes, 150e6);
  assert.ok(Math.abs(api.eventLoopUtilization! - 0.4) < 1e-9);
  assert.ok(api.p50Ms! > 50 && api.p50Ms! < 120);
  assert.ok(api.apdex! > 0.5 && api.apdex! <= 1);
  assert.ok(api.queueWaitShare! > 0 && api.queueWaitShare! < 1);
  assert.equal(api.sparkline.throughputRpm.reduce((a, b) => a + b, 0) * (api.sparkline.t.length > 1 ? (api.sparkline.t[1]! - api.sparkline.t[0]!) / MINUTE : 1), 2100);

  // The breakdown: queue 10 ms, response write 5 ms, app = mean duration − write.
  const series = storage.serviceSeries({ service: 'api', route: '/orders', from: minute, to: minute + MINUTE, bucketMs: MINUTE });
  assert.deepEqual(series.t, [minute]);
  assert.equal(series.requests[0], 2000);
  assert.ok(Math.abs(series.queueWaitMs[0]! - 10) < 1e-9);
  assert.ok(Math.abs(series.responseWriteMs[0]! - 5) < 1e-9);
  const meanMs = (h.sum * 1000) / h.count;
  assert.ok(Math.abs(series.appMs[0]! - (meanMs - 5)) < 1e-6);

  // One instance, all routes (per-instance rollups).
  const a2 = storage.serviceSeries({ service: 'api', instanceId: 'a2', from: minute, to: minute + MINUTE, bucketMs: MINUTE });
  assert.equal(a2.requests[0], 100);
  assert.equal(a2.errorRate[0], 1);

  const tx = storage.transactions({ ...range, service: 'api' });
  assert.deepEqual(tx.transactions.map((x) => x.route), ['/orders', '/users']);
  assert.equal(tx.transactions[0]!.stalls, 1);
  assert.equal(tx.transactions[0]!.stallMs, 230);
  assert.equal(tx.transactions[1]!.errors, 100);
  assert.ok(Math.abs(tx.transactions[0]!.share + tx.transactions[1]!.share - 1) < 1e-9);

  const traces = storage.traces({ ...range, service: 'api', limit: 10 });
  assert.equal(traces.traces.length, 3);
  assert.deepEqual(traces.traces.map((x) => x.route), ['/users', '/users', '/orders'], 'newest first');
  assert.deepEqual(storage.traces({ ...range, service: 'api', minDurationMs: 1000, limit: 10 }).traces.map((x) => x.traceId), [slow[0]!.traceId]);
  assert.deepEqual(storage.traces({ ...range, error: true, limit: 10 }).traces.map((x) => x.traceId), [failed[0]!.traceId]);
  assert.deepEqual(storage.traces({ ...range, route: '/users', error: false, limit: 10 }).traces.map((x) => x.traceId), [fast[0]!.traceId]);
  const slowSummary = traces.traces.find((x) => x.traceId === slow[0]!.traceId)!;
  assert.equal(slowSummary.spanCount, 4);
  assert.equal(slowSummary.stallMs, 230);
  assert.equal(slowSummary.durationMs, 2500);

  const trace = storage.trace(slow[0]!.traceId)!;
  assert.equal(trace.spans.length, 4);
  assert.equal(trace.spans[0]!.parentSpanId, null);
  assert.equal(trace.spans[0]!.startNs, slow[0]!.startNs.toString(), 'start kept to the nanosecond');
  assert.deepEqual(trace.spans.filter((s) => s.isStall).map((s) => s.name), ['event loop blocked']);
  assert.equal(trace.spans[1]!.events[0]!.name, 'log');
  assert.equal(storage.trace('not-a-trace-id'), null);
  assert.equal(storage.trace('0'.repeat(32)), null);

  const stalls = storage.stalls({ ...range, service: 'api' });
  assert.deepEqual(stalls.groups.map((g) => [g.route, g.location, g.count, g.totalMs]), [['/orders', 'render (src/orders.js:42)', 1, 230]]);

  const instances = storage.instances({ ...range, service: 'api' });
  assert.deepEqual(instances.instances.map((i) => [i.instanceId, i.rssBytes, i.host]), [['a1', 100e6, 'h1'], ['a2', 50e6, 'h1']]);

  const inst = storage.instanceSeries({ service: 'api', from: minute, to: minute + MINUTE, bucketMs: MINUTE });
  const a1 = inst.instances.find((i) => i.instanceId === 'a1')!;
  assert.equal(a1.rssBytes[0], 100e6);
  assert.ok(Math.abs(a1.eventLoopDelayP99Ms[0]! - 20) < 1e-9);
  assert.ok(Math.abs(a1.gcPauseMs[0]! - 10) < 1e-9, 'GC kinds summed, in ms');

  const live = storage.liveAggregates('api', [minute, minute - MINUTE]);
  assert.equal(live.length, 1);
  assert.equal(live[0]!.requests, 2100);

  const events = storage.events({ ...range, service: 'api', type: 'stall', limit: 5 });
  assert.equal(events.events.length, 1);
  assert.equal(events.events[0]!.traceId, slow[0]!.traceId);
  assert.equal(storage.events({ ...range, service: 'other', limit: 5 }).events.length, 0);

  const stats = storage.stats();
  assert.equal(stats.batchesCommitted, 1);
  assert.equal(stats.queueDepth, 0);
  assert.equal(stats.batchLatency.count, 1);
  assert.ok(stats.databaseBytes > 0);
});

test('queries outside the data range come back empty, not failing', async (t) => {
  const { storage, clock } = openTestStore(t);
  const range = { from: clock.now - 3_600_000, to: clock.now };
  assert.deepEqual(storage.services(range).services, []);
  assert.deepEqual(storage.transactions({ ...range, service: 'none' }).transactions, []);
  const series = storage.serviceSeries({ ...range, service: 'none', bucketMs: 5 * MINUTE });
  assert.ok(series.t.length >= 12 && series.t.length <= 13);
  assert.ok(series.p95Ms.every((v) => v === null));
  assert.deepEqual(storage.instanceSeries({ ...range, service: 'none', bucketMs: MINUTE }).instances, []);
  assert.deepEqual(storage.traces({ ...range, limit: 5 }).traces, []);
  assert.deepEqual(storage.liveAggregates('none', [range.from]), []);
});

test('absurd values from an app are contained: the write completes and queries answer', { timeout: 10_000 }, async (t) => {
  const { storage, clock } = openTestStore(t);
  const minute = Math.floor(clock.now / MINUTE) * MINUTE - 5 * MINUTE;
  const base = { service: 'odd', instanceId: 'x', route: '/r', method: 'GET', statusCode: 200, error: false, timeNs: msToNs(minute + MINUTE) };
  storage.enqueue(
    batchWith({
      requests: [
        { ...base, count: 10, sumSeconds: 1, minSeconds: null, maxSeconds: null, distribution: { kind: 'exponential', scale: 3, zeroCount: Infinity, positive: { offset: -20, counts: [Infinity, NaN, 5, -3] } } },
        { ...base, count: 1, sumSeconds: 1, minSeconds: null, maxSeconds: null, distribution: { kind: 'exponential', scale: 3, zeroCount: 0, positive: { offset: 2 ** 40, counts: [1] } } },
        { ...base, count: 10, sumSeconds: NaN, minSeconds: -1, maxSeconds: Infinity, distribution: { kind: 'exponential', scale: -10, zeroCount: 0, positive: { offset: -5, counts: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] } } },
        { ...base, count: 4, sumSeconds: 1, minSeconds: 0.01, maxSeconds: 0.5, distribution: { kind: 'explicit', bounds: [0.5, NaN, 0.1, 1e300], counts: [1, 1, 1, 1, 1e300] } },
      ],
      gauges: [{ service: 'odd', instanceId: 'x', metric: 'memory.rss', timeNs: msToNs(minute), count: Infinity, sum: 1, min: NaN, max: 1, last: 1 }],
    }),
  );
  await storage.flush();
  const s = storage.serviceSeries({ service: 'odd', from: minute, to: minute + MINUTE, bucketMs: MINUTE });
  assert.equal(s.requests[0], 25);
  assert.ok(s.p99Ms[0] === null || Number.isFinite(s.p99Ms[0]));
  assert.equal(storage.stats().itemsDropped, 1, 'the gauge with an infinite count');
  JSON.stringify(storage.services({ from: minute, to: minute + MINUTE }));
});

test('a series over an absurd range or bucket stays bounded', async (t) => {
  const { storage } = openTestStore(t);
  const s = storage.serviceSeries({ service: 'x', from: 0, to: 1e15, bucketMs: 1 });
  assert.equal(s.t.length, 10_000);
  assert.equal(s.bucketMs, MINUTE);
  assert.equal(storage.instanceSeries({ service: 'x', from: 0, to: 1e15, bucketMs: NaN }).bucketMs, MINUTE);
  assert.ok(storage.services({ from: 0, to: 1e15 }).services.length === 0);
  assert.deepEqual(storage.events({ from: -1, to: 1e300, limit: 1e9 }).events, []);
  assert.deepEqual(storage.traces({ from: NaN, to: Infinity, limit: NaN }).traces, []);
  assert.deepEqual(storage.stalls({ service: 'x', from: 0, to: 1e300 }).groups, []);
});
