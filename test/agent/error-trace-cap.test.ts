// Traces kept only for having failed are bounded: a service shedding load with 650 identical
// 503s a second kept every one (QA3). A kind (root name + status + exception type) keeps a tenth of the total a
// second, all kinds the total; a rare failure still finds its kind's bucket; a trace kept for
// another reason (sampled, slow, stalled) does not spend it. Real SDK spans through the real
// tail processor.
import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { test } from 'node:test';
import { ExportHealth } from '../../agent/src/export/health';
import { ErrorTraceCap } from '../../agent/src/sampling/error-trace-cap';
import { HeadroomSampler } from '../../agent/src/sampling/sampler';
import { TailSamplingProcessor } from '../../agent/src/sampling/tail-processor';
import { TraceBudget } from '../../agent/src/sampling/trace-budget';

function setup(errorTracesPerSecond: number, sampledPerSecond = 0) {
  let t = 0;
  const kept: ReadableSpan[] = [];
  const processor = new TailSamplingProcessor((s) => kept.push(s), new ExportHealth('test'), {
    slowTraceMs: 2000, maxTraces: 100, maxSpansPerTrace: 10, maxAgeMs: 60_000, errorCap: new ErrorTraceCap(errorTracesPerSecond, () => t),
  });
  // Everything recorded (the tail decides); `sampledPerSecond` of them sampled.
  const provider = new BasicTracerProvider({ sampler: new HeadroomSampler(new TraceBudget({ kind: 'rate', perSecond: sampledPerSecond }, 1e6)), spanProcessors: [processor] });
  const tracer = provider.getTracer('t');
  const fail = (name: string, status: number) => tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': status } }).end();
  return { kept, tracer, fail, provider, advance: (ms: number) => (t += ms) };
}

const names = (spans: ReadableSpan[]) => spans.map((s) => s.name);

test('a flood of one failure keeps a tenth of the total a second; another kind keeps its own', async () => {
  const { kept, fail, provider, advance } = setup(20);
  for (let i = 0; i < 100; i++) fail('GET /busy', 503);
  assert.equal(kept.length, 2, 'a kind: 2 a second of a total of 20');
  fail('GET /orders/:id', 500);
  fail('GET /busy', 500);
  assert.deepEqual(names(kept.slice(2)), ['GET /orders/:id', 'GET /busy'], 'another route, another status: kinds of their own');
  advance(1000);
  for (let i = 0; i < 100; i++) fail('GET /busy', 503);
  assert.equal(kept.filter((s) => s.name === 'GET /busy' && s.attributes['http.response.status_code'] === 503).length, 4, 'two more the next second');
  await provider.shutdown();
});

test('a rare exception type on a flooded route keeps its own bucket (the Errors page shows it)', async () => {
  const { kept, tracer, provider } = setup(20);
  const throwOn = (type: string, message: string) => {
    const span = tracer.startSpan('GET /orders/:id', { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': 500 } });
    span.recordException({ name: type, message });
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.end();
  };
  for (let i = 0; i < 100; i++) throwOn('TimeoutError', `ledger timed out after ${5000 + i} ms`);
  throwOn('RangeError', 'quantity -1 out of range');
  throwOn('ECONNREFUSED', 'connect ECONNREFUSED 10.0.3.7:5432');
  assert.deepEqual(
    kept.map((s) => s.events[0]?.attributes?.['exception.type']),
    ['TimeoutError', 'TimeoutError', 'RangeError', 'ECONNREFUSED'],
    'the flood 2 a second, each other type its own',
  );
  await provider.shutdown();
});

test('all kinds together keep at most the total a second', async () => {
  const { kept, fail, provider } = setup(20);
  for (let route = 0; route < 30; route++) for (let i = 0; i < 5; i++) fail(`GET /r${route}`, 500);
  assert.equal(kept.length, 20);
  await provider.shutdown();
});

test('a failed trace kept for another reason does not spend the cap', async () => {
  const { kept, tracer, fail, provider } = setup(1);
  // Slow (over 2 s): kept whatever the cap.
  const slow = tracer.startSpan('GET /slow', { kind: SpanKind.SERVER, startTime: Date.now() - 3000, attributes: { 'http.response.status_code': 500 } });
  slow.end();
  const job = tracer.startSpan('nightly-job');
  job.recordException(new Error('disk full'));
  job.setStatus({ code: SpanStatusCode.ERROR });
  job.end();
  fail('GET /x', 500);
  assert.deepEqual(names(kept), ['GET /slow', 'nightly-job'], 'the slow one kept, the job took the one token, /x found none');
  await provider.shutdown();
});

test("a call answered 4xx is no failure, as the collector counts it: not kept and no token spent; a call that threw is kept", async () => {
  const { kept, tracer, provider } = setup(1); // one failed trace a second in all
  // A start-up fetch answered 404: OTel's HTTP client instrumentation marks it failed.
  const answered = tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'http.response.status_code': 404 } });
  answered.setStatus({ code: SpanStatusCode.ERROR });
  answered.end();
  // Inside a request that answered 200, a call answered 404 does not make the trace failed either.
  const request = tracer.startSpan('GET /users/:id', { kind: SpanKind.SERVER, attributes: { 'http.response.status_code': 200 } });
  const lookup = tracer.startSpan('GET', { kind: SpanKind.CLIENT, attributes: { 'http.response.status_code': 404 } }, trace.setSpan(ROOT_CONTEXT, request));
  lookup.setStatus({ code: SpanStatusCode.ERROR });
  lookup.end();
  request.end();
  const refused = tracer.startSpan('GET', { kind: SpanKind.CLIENT });
  refused.recordException(new Error('connect ECONNREFUSED 127.0.0.1:9'));
  refused.setStatus({ code: SpanStatusCode.ERROR, message: 'connect ECONNREFUSED 127.0.0.1:9' });
  refused.end();
  assert.deepEqual(kept.map((s) => [s.name, s.events.map((e) => e.name)]), [['GET', ['exception']]], 'only the call that threw, with the one token');
  await provider.shutdown();
});

test('sampled traces are kept whether they fail or not', async () => {
  const { kept, fail, provider } = setup(0, 1000);
  for (let i = 0; i < 5; i++) fail('GET /busy', 503);
  assert.equal(kept.length, 5);
  await provider.shutdown();
});

test('a request admitted ahead (before its span is made) spends one token, not a second at its decision', () => {
  let t = 0;
  const cap = new ErrorTraceCap(10, () => t); // a kind: 1 a second
  assert.equal(cap.admitAhead('trace-a', 'GET /busy', 503), true);
  assert.equal(cap.admitAhead('trace-b', 'GET /busy', 503), false, 'refused before any span: the kind has spent its second');
  assert.equal(cap.mayKeep('GET /busy', 503, 'trace-a'), true, 'its decision finds it admitted');
  assert.equal(cap.mayKeep('GET /busy', 503, 'trace-a'), false, 'once');
  t += 1000;
  assert.equal(cap.mayKeep('GET /busy', 503, 'trace-c'), true, 'the next second has its token: trace-a did not take two');
});
