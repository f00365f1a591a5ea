import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ExportHealth } from '../../agent/src/export/health';
import { keepTrace } from '../../agent/src/sampling/keep-decision';
import { HeadroomSampler, withForcedRecording, withTraceMode } from '../../agent/src/sampling/sampler';
import { TailSamplingProcessor } from '../../agent/src/sampling/tail-processor';
import { RouteSlowness } from '../../agent/src/sampling/route-slowness';
import { TokenBucket } from '../../agent/src/sampling/token-bucket';
import { TraceBudget } from '../../agent/src/sampling/trace-budget';
import { PresetIdGenerator } from '../../agent/src/sampling/id-generator';
import { describeHeadSampling, readHeadSampling, type HeadSampling } from '../../agent/src/sampling/head-sampling-setting';

const rate = (perSecond: number): HeadSampling => ({ kind: 'rate', perSecond });
const TRACE_ID = 'a'.repeat(32);

test('token bucket: a burst of one second, then the rate', () => {
  let now = 0;
  const bucket = new TokenBucket(10, () => now);
  let taken = 0;
  for (let i = 0; i < 100; i++) if (bucket.tryTake()) taken++;
  assert.equal(taken, 10);
  now += 500;
  taken = 0;
  for (let i = 0; i < 100; i++) if (bucket.tryTake()) taken++;
  assert.equal(taken, 5);
  assert.equal(new TokenBucket(0, () => now).tryTake(), false);
});

test('token bucket: a time read before the bucket was made takes its first token', () => {
  // RouteSlowness and FairRecordedBudget make a route's or path's bucket on its first request,
  // with the time the request was timed at: a moment before the bucket read the clock.
  let now = 1000;
  const bucket = new TokenBucket(1, () => now);
  assert.equal(bucket.tryTake(999.5), true);
  assert.equal(bucket.tryTake(999.5), false);
  now = 2000;
  assert.equal(bucket.tryTake(2000), true, 'a second later');
});

test('route slowness: the first slow request of a route may be kept', () => {
  let now = 0;
  const slowness = new RouteSlowness(1, 10, 0, () => now);
  for (let i = 0; i < 30; i++) slowness.observe('/r', 'GET', 5);
  const t = now;
  now += 0.01; // the route's bucket is made a moment after the request's end was timed
  const slow = slowness.observe('/r', 'GET', 500);
  assert.ok(slow);
  assert.equal(slowness.mayKeep(slow, t), true);
});

test('token bucket and budget: a time the caller passes is used instead of reading the clock', () => {
  let reads = 0;
  const clock = (): number => {
    reads++;
    return 0;
  };
  const budget = new TraceBudget(rate(1), 1, clock);
  const atStart = reads;
  assert.deepEqual([budget.forNew(0), budget.forNew(0), budget.forNew(0)], ['sampled', 'recorded', 'light']);
  // A second later, on the caller's time: each budget has a token again.
  assert.deepEqual([budget.forNew(1000), budget.forRemote(false, TRACE_ID, 1000)], ['sampled', 'recorded']);
  assert.equal(reads, atStart);
});

test('keep: sampled, error, stall or slow', () => {
  const base = { sampled: false, error: false, durationMs: 10, stall: false, slowForRoute: false };
  assert.equal(keepTrace(base, 2000), false);
  assert.equal(keepTrace({ ...base, sampled: true }, 2000), true);
  assert.equal(keepTrace({ ...base, error: true }, 2000), true);
  assert.equal(keepTrace({ ...base, stall: true }, 2000), true);
  assert.equal(keepTrace({ ...base, durationMs: 2000 }, 2000), true);
});

test('budget: sampled share first, then the recorded budget, then light', () => {
  const budget = new TraceBudget(rate(1), 2, () => 0);
  assert.deepEqual([budget.forNew(), budget.forNew(), budget.forNew(), budget.forNew()], ['sampled', 'recorded', 'recorded', 'light']);
  // A caller's sampled trace is always sampled; an unsampled one only takes the recorded budget.
  assert.equal(budget.forRemote(true, TRACE_ID), 'sampled');
  assert.equal(budget.forRemote(false, TRACE_ID), 'light');
  assert.equal(new TraceBudget(rate(0), 1, () => 0).forRemote(false, TRACE_ID), 'recorded');
});

test('OTEL_TRACES_SAMPLER: read with its argument; unsupported names and bad ratios are problems', () => {
  const read = (env: Record<string, string>): { setting: HeadSampling; problems: string[] } => {
    const problems: string[] = [];
    return { setting: readHeadSampling(env, 10, problems), problems };
  };
  assert.deepEqual(read({}), { setting: rate(10), problems: [] });
  assert.deepEqual(read({ OTEL_TRACES_SAMPLER: 'always_on' }).setting, { kind: 'always_on', parentBased: false });
  assert.deepEqual(read({ OTEL_TRACES_SAMPLER: ' ParentBased_Always_Off ' }).setting, { kind: 'always_off', parentBased: true });
  assert.deepEqual(read({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).setting, { kind: 'ratio', ratio: 0.25, parentBased: true });
  assert.deepEqual(read({ OTEL_TRACES_SAMPLER: 'traceidratio' }).setting, { kind: 'ratio', ratio: 1, parentBased: false });
  const badRatio = read({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' });
  assert.deepEqual(badRatio.setting, { kind: 'ratio', ratio: 1, parentBased: false });
  assert.match(badRatio.problems.join(), /OTEL_TRACES_SAMPLER_ARG="2"/);
  const jaeger = read({ OTEL_TRACES_SAMPLER: 'jaeger_remote' });
  assert.deepEqual(jaeger.setting, rate(10));
  assert.match(jaeger.problems.join(), /OTEL_TRACES_SAMPLER="jaeger_remote".*HEADROOM_TRACES_PER_SECOND=10/);
  assert.equal(describeHeadSampling(rate(10)), 'rate 10/s');
  assert.equal(describeHeadSampling({ kind: 'ratio', ratio: 0.25, parentBased: true }), 'parentbased_traceidratio 0.25');
  assert.equal(describeHeadSampling({ kind: 'always_off', parentBased: false }), 'always_off');
});

test('OTEL_TRACES_SAMPLER: the sampled share of new traces and of remote callers; the rest still takes the recorded budget', () => {
  const modes = (sampling: HeadSampling, n: number, remote?: { sampled: boolean }): Record<string, number> => {
    const budget = new TraceBudget(sampling, 0, () => 0);
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const traceId = randomBytes(16).toString('hex');
      const mode = remote ? budget.forRemote(remote.sampled, traceId) : budget.forNew();
      counts[mode] = (counts[mode] ?? 0) + 1;
    }
    return counts;
  };
  assert.deepEqual(modes({ kind: 'always_on', parentBased: true }, 100), { sampled: 100 });
  assert.deepEqual(modes({ kind: 'always_off', parentBased: true }, 100), { light: 100 });
  // Parent-based: the caller decides; otherwise the sampler alone.
  assert.deepEqual(modes({ kind: 'always_on', parentBased: true }, 10, { sampled: false }), { light: 10 });
  assert.deepEqual(modes({ kind: 'always_on', parentBased: false }, 10, { sampled: false }), { sampled: 10 });
  assert.deepEqual(modes({ kind: 'always_off', parentBased: true }, 10, { sampled: true }), { sampled: 10 });
  assert.deepEqual(modes({ kind: 'always_off', parentBased: false }, 10, { sampled: true }), { light: 10 });
  const newShare = (modes({ kind: 'ratio', ratio: 0.25, parentBased: true }, 4000).sampled ?? 0) / 4000;
  assert.ok(newShare > 0.2 && newShare < 0.3, `new traces sampled: ${newShare}`);
  // A caller's trace by its id, as OTel's TraceIdRatioBasedSampler decides it elsewhere.
  const byId = (modes({ kind: 'ratio', ratio: 0.25, parentBased: false }, 4000, { sampled: true }).sampled ?? 0) / 4000;
  assert.ok(byId > 0.2 && byId < 0.3, `remote traces sampled by id: ${byId}`);
  const again = new TraceBudget({ kind: 'ratio', ratio: 0.25, parentBased: false }, 0, () => 0);
  const ids = Array.from({ length: 50 }, (_, i) => (i * 7919).toString(16).padStart(32, '3'));
  assert.deepEqual(ids.map((id) => again.forRemote(false, id)), ids.map((id) => again.forRemote(true, id)), 'the same id, the same decision');
  // Not sampled at the head: the recorded budget still takes it (kept whole if it errs).
  assert.equal(new TraceBudget({ kind: 'always_off', parentBased: true }, 1, () => 0).forNew(), 'recorded');
});

test('sampler: decided modes, remote parents, children follow their parent', () => {
  const sampler = new HeadroomSampler(new TraceBudget(rate(1), 1, () => 0));
  const remote = (flags: number) => trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: flags, isRemote: true });
  const local = (flags: number) => trace.setSpanContext(ROOT_CONTEXT, { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: flags, isRemote: false });
  assert.equal(sampler.shouldSample(remote(TraceFlags.SAMPLED)).decision, 2);
  assert.equal(sampler.shouldSample(remote(TraceFlags.NONE)).decision, 1); // the one recorded token
  assert.equal(sampler.shouldSample(remote(TraceFlags.NONE)).decision, 0); // over budget: not recorded
  assert.equal(sampler.shouldSample(ROOT_CONTEXT).decision, 2); // the one sampled token
  assert.equal(sampler.shouldSample(ROOT_CONTEXT).decision, 0);
  assert.equal(sampler.shouldSample(withTraceMode(ROOT_CONTEXT, 'recorded')).decision, 1);
  assert.equal(sampler.shouldSample(withTraceMode(ROOT_CONTEXT, 'sampled')).decision, 2);
  assert.equal(sampler.shouldSample(local(TraceFlags.SAMPLED)).decision, 2);
  // The parent here is a non-recording wrapper: its children are not recorded, unless forced.
  assert.equal(sampler.shouldSample(local(TraceFlags.NONE)).decision, 0);
  assert.equal(sampler.shouldSample(withForcedRecording(local(TraceFlags.NONE))).decision, 1);
});

test('ids: a preset pair goes to exactly the next span', () => {
  const ids = new PresetIdGenerator();
  const provider = new BasicTracerProvider({ idGenerator: ids, sampler: new HeadroomSampler(new TraceBudget(rate(0), 10)) });
  const tracer = provider.getTracer('t');
  const span = ids.withIds('c'.repeat(32), 'd'.repeat(16), () => tracer.startSpan('late'));
  assert.equal(span.spanContext().traceId, 'c'.repeat(32));
  assert.equal(span.spanContext().spanId, 'd'.repeat(16));
  const next = tracer.startSpan('next');
  assert.notEqual(next.spanContext().spanId, 'd'.repeat(16));
  assert.notEqual(next.spanContext().traceId, 'c'.repeat(32));
});

function setup(tracesPerSecond: number) {
  // Everything not sampled is recorded, as at low traffic: the tail decides.
  const kept: ReadableSpan[] = [];
  const health = new ExportHealth('test');
  const processor = new TailSamplingProcessor((s) => kept.push(s), health, { slowTraceMs: 50, maxTraces: 2, maxSpansPerTrace: 3, maxAgeMs: 60_000 });
  const provider = new BasicTracerProvider({ sampler: new HeadroomSampler(new TraceBudget(rate(tracesPerSecond), 1e6)), spanProcessors: [processor] });
  return { kept, health, processor, tracer: provider.getTracer('t'), provider };
}

test('tail: an unsampled trace is dropped whole, an erring one kept whole', async () => {
  const { kept, tracer, provider } = setup(0);
  const root = tracer.startSpan('GET /ok', { kind: SpanKind.SERVER });
  tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, root)).end();
  root.end();
  assert.equal(kept.length, 0);

  const failing = tracer.startSpan('GET /fail', { kind: SpanKind.SERVER });
  const child = tracer.startSpan('db', {}, trace.setSpan(ROOT_CONTEXT, failing));
  child.recordException(new Error('relation "orders" does not exist'));
  child.setStatus({ code: SpanStatusCode.ERROR });
  child.end();
  failing.end();
  assert.deepEqual(kept.map((s) => s.name), ['db', 'GET /fail']);

  const server500 = tracer.startSpan('GET /500', { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': 503 } });
  server500.end();
  assert.equal(kept.at(-1)?.name, 'GET /500');
  await provider.shutdown();
});

test('tail: a pending stall holds the decision until it is measured', async () => {
  const { kept, tracer, processor, provider } = setup(0);
  const root = tracer.startSpan('GET /busy', { kind: SpanKind.SERVER });
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  const traceId = root.spanContext().traceId;
  processor.stallPending(traceId); // snapshot taken during the blocked loop
  root.end(); // the response finished before the stall was measured
  assert.equal(kept.length, 0);
  processor.stallResolved(traceId, true);
  tracer.startSpan('event loop blocked', {}, ctx).end(); // the stall span, after its root
  assert.deepEqual(kept.map((s) => s.name), ['GET /busy', 'event loop blocked']);
  await provider.shutdown();
});

test('tail: a pending stall that stays under the threshold keeps nothing', async () => {
  const { kept, tracer, processor, provider } = setup(0);
  const root = tracer.startSpan('GET /short', { kind: SpanKind.SERVER });
  processor.stallPending(root.spanContext().traceId);
  root.end();
  processor.stallResolved(root.spanContext().traceId, false);
  assert.equal(kept.length, 0);
  await provider.shutdown();
});

test('tail: slow traces are kept; buffers are bounded and drops counted', async () => {
  const { kept, tracer, health, provider } = setup(0);
  const slow = tracer.startSpan('GET /slow', { kind: SpanKind.SERVER, startTime: Date.now() - 100 });
  slow.end();
  assert.equal(kept.at(-1)?.name, 'GET /slow');

  const roots = [0, 1, 2].map((i) => tracer.startSpan(`open ${i}`));
  for (const r of roots) tracer.startSpan('child', {}, trace.setSpan(ROOT_CONTEXT, r)).end();
  assert.equal(health.dropped.spans, 1); // a third open trace does not fit (maxTraces 2)
  const r0 = roots[0]!;
  for (let i = 0; i < 5; i++) tracer.startSpan('more', {}, trace.setSpan(ROOT_CONTEXT, r0)).end();
  assert.equal(health.dropped.spans, 1 + 3); // 3 spans per trace at most
  await provider.shutdown();
});
