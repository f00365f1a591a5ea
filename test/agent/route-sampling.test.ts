// The recorded budget spread across request paths, and traces kept for being slow for their
// route: driven on an injected clock, so each second's budget is exact.
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExportHealth } from '../../agent/src/export/health';
import { FairRecordedBudget } from '../../agent/src/sampling/fair-recorded-budget';
import { keepTrace } from '../../agent/src/sampling/keep-decision';
import { ROUTE_P90_ATTR, RouteSlowness } from '../../agent/src/sampling/route-slowness';
import { HeadroomSampler } from '../../agent/src/sampling/sampler';
import { TailSamplingProcessor } from '../../agent/src/sampling/tail-processor';
import { TraceBudget } from '../../agent/src/sampling/trace-budget';

/** Ten seconds of a hot path (10 requests a ms, all at once) and a rare one (one every 100 ms): what each got. */
function hotAndRare(budget: FairRecordedBudget, clock: { t: number }, rarePath: string): { hot: number; rare: number } {
  let hot = 0;
  let rare = 0;
  for (let ms = 0; ms < 10_000; ms++) {
    clock.t = ms;
    for (let i = 0; i < 10; i++) if (budget.tryTake(`/hello?i=${i}`, ms)) hot++;
    if (ms % 100 === 50 && budget.tryTake(rarePath, ms)) rare++;
  }
  return { hot, rare };
}

test('recorded budget: a hot path does not starve a rare one, and the total stays the budget', () => {
  const clock = { t: 0 };
  const { hot, rare } = hotAndRare(new FairRecordedBudget(20, () => clock.t), clock, '/reports/slow');
  // The rare path's share is 2 a second (20 / 10): about 20 in ten seconds, of its 100 requests.
  assert.ok(rare >= 18 && rare <= 22, `rare path recorded ${rare}`);
  // The hot path takes everything else: one second's burst (20) plus 20 a second.
  assert.ok(hot + rare <= 20 + 20 * 10, `total ${hot + rare}`);
  assert.ok(hot >= 170, `hot path recorded ${hot}`);
});

test('recorded budget: alone, a path takes the whole budget', () => {
  let t = 0;
  const budget = new FairRecordedBudget(20, () => t);
  let taken = 0;
  for (; t < 5000; t++) if (budget.tryTake('/hello', t)) taken++;
  assert.ok(taken >= 20 * 5, `taken ${taken}`);
});

test('recorded budget: paths are told apart by first segment and depth; ids share a key', () => {
  // Depth: /orders/:id/items is not /orders/:id.
  const clock = { t: 0 };
  assert.ok(hotAndRare(new FairRecordedBudget(20, () => clock.t), clock, '/hello/7/items').rare >= 18);
  // A first segment that is an id: /123 and /456 share one key, which the hot path (below) has spent.
  let t = 0;
  const budget = new FairRecordedBudget(20, () => t);
  let other = 0;
  for (; t < 5000; t++) {
    for (let i = 0; i < 10; i++) budget.tryTake(`/${1000 + i}/x`, t);
    if (t % 100 === 50 && budget.tryTake('/4567/x', t)) other++;
  }
  assert.ok(other <= 2, `an id-like first segment got a share of its own: ${other}`);
  // No URL (a job): a share of its own too.
  t = 0;
  const jobs = new FairRecordedBudget(20, () => t);
  let job = 0;
  for (; t < 5000; t++) {
    for (let i = 0; i < 10; i++) jobs.tryTake('/hello', t);
    if (t % 100 === 50 && jobs.tryTake(undefined, t)) job++;
  }
  assert.ok(job >= 9, `root without a URL recorded ${job}`);
});

test('recorded budget: 0 records nothing', () => {
  const budget = new FairRecordedBudget(0, () => 0);
  assert.equal(budget.tryTake('/a', 0), false);
  assert.equal(budget.tryTake('/b', 5000), false);
});

test('route slowness: judged after a warm-up, against the route p90-ish, per route and method', () => {
  const slowness = new RouteSlowness(1, 100, 0, () => 0);
  const judged: boolean[] = [];
  // 1..100 ms, shuffled by a fixed stride: p90 is 90 ms.
  for (let i = 0; i < 200; i++) judged.push(slowness.observe('/r', 'GET', ((i * 37) % 100) + 1) !== null);
  assert.deepEqual(judged.slice(0, 20), Array<boolean>(20).fill(false), 'nothing judged while warming up');
  const fast = slowness.observe('/r', 'GET', 80);
  const slow = slowness.observe('/r', 'GET', 130);
  assert.equal(fast, null);
  assert.ok(slow !== null);
  assert.ok(slow.thresholdMs >= 90 && slow.thresholdMs <= 90 * 1.25 + 1, `threshold ${slow.thresholdMs}`);
  // Of the judged ones, about one in ten was slow.
  const share = judged.slice(20).filter(Boolean).length / 180;
  assert.ok(share > 0.03 && share < 0.2, `share slow ${share}`);
  // Another method of the route has a window of its own (still warming up).
  assert.equal(slowness.observe('/r', 'POST', 10_000), null);
});

test('route slowness: the window follows a route that got slower', () => {
  const slowness = new RouteSlowness(1, 100, 0, () => 0);
  for (let i = 0; i < 300; i++) slowness.observe(undefined, 'GET', 5 + (i % 10));
  for (let i = 0; i < 400; i++) slowness.observe(undefined, 'GET', 300 + (i % 50));
  assert.equal(slowness.observe(undefined, 'GET', 320), null, '320 ms is ordinary now');
  assert.ok(slowness.observe(undefined, 'GET', 500) !== null);
});

test('route slowness: at most perRoute keeps a second per route, total in all', () => {
  let t = 0;
  const slowness = new RouteSlowness(1, 3, 0, () => t);
  const warm = (route: string) => {
    for (let i = 0; i < 50; i++) slowness.observe(route, 'GET', 10);
    const latency = slowness.observe(route, 'GET', 1000);
    assert.ok(latency);
    return latency;
  };
  const [a, b, c, d] = ['/a', '/b', '/c', '/d'].map(warm) as [ReturnType<typeof warm>, ReturnType<typeof warm>, ReturnType<typeof warm>, ReturnType<typeof warm>];
  assert.deepEqual([slowness.mayKeep(a, t), slowness.mayKeep(a, t)], [true, false]);
  assert.deepEqual([slowness.mayKeep(b, t), slowness.mayKeep(c, t), slowness.mayKeep(d, t)], [true, true, false], 'the total cap: 3 a second');
  t = 1000;
  assert.equal(slowness.mayKeep(a, t), true);
  assert.equal(new RouteSlowness(0, 10, 0, () => 0).mayKeep(a, 0), false, '0 per route: none');
});

test('route slowness: nothing under the floor is slow, whatever the route p90', () => {
  const slowness = new RouteSlowness(1, 100, 50, () => 0);
  for (let i = 0; i < 100; i++) {
    slowness.observe('/tiny', 'GET', 0.3);
    slowness.observe('/big', 'GET', 100);
  }
  assert.equal(slowness.observe('/tiny', 'GET', 40), null, '40 ms: 130× the route, under the floor');
  assert.ok(slowness.observe('/tiny', 'GET', 60) !== null, '60 ms: over both');
  assert.ok(slowness.observe('/big', 'GET', 400) !== null);
});

test('keep: slow for its route', () => {
  assert.equal(keepTrace({ sampled: false, error: false, durationMs: 10, stall: false, slowForRoute: true }, 2000), true);
  assert.equal(keepTrace({ sampled: false, error: false, durationMs: 10, stall: false, slowForRoute: false }, 2000), false);
});

test('tail: a recorded trace whose server span is marked slow for its route is kept whole', async () => {
  const kept: ReadableSpan[] = [];
  const processor = new TailSamplingProcessor((span) => kept.push(span), new ExportHealth('test'), { slowTraceMs: 2000, maxTraces: 10, maxSpansPerTrace: 10, maxAgeMs: 60_000 });
  const provider = new BasicTracerProvider({ sampler: new HeadroomSampler(new TraceBudget({ kind: 'rate', perSecond: 0 }, 100)), spanProcessors: [processor] });
  const tracer = provider.getTracer('t');
  const ordinary = tracer.startSpan('GET /r', { kind: SpanKind.SERVER });
  ordinary.end();
  assert.equal(kept.length, 0);
  const marked = tracer.startSpan('GET /r', { kind: SpanKind.SERVER });
  tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, marked)).end();
  marked.setAttribute(ROUTE_P90_ATTR, 120);
  marked.end();
  assert.deepEqual(kept.map((s) => s.name), ['child', 'GET /r']);
  await provider.shutdown();
});
