// Trace requests decoded in worker threads give exactly what decoding in the receiver's own
// thread gives: the same SpanRecords and instances, the same answers (partial_success, 400).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { PoolClosedError, TraceWorkerPool } from '../../collector/src/receiver/trace-workers/pool';
import { allOf, send, startReceiver, type Harness } from '../fixtures/receiver/harness';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../fixtures/receiver', name));

let workers: Harness;
let inline: Harness;
before(async () => {
  workers = await startReceiver({ traceWorkers: 2 });
  inline = await startReceiver({ traceWorkers: 0 });
});
after(async () => {
  await workers.close();
  await inline.close();
});

async function sendTrace(exporter: SpanExporter): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'shop', 'service.instance.id': 'shop-1', 'host.name': 'h1', 'process.pid': 7 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('workers-test');
  const root = tracer.startSpan('GET /cart', {
    kind: SpanKind.SERVER,
    startTime: [1_700_000_000, 1],
    attributes: { 'http.route': '/cart', 'http.response.status_code': 500, list: [1, 2], ratio: 0.5, big: 2 ** 40 },
  });
  root.addEvent('exception', { 'exception.message': 'boom' }, [1_700_000_000, 2_000_000]);
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  const stall = tracer.startSpan('event loop blocked', { startTime: [1_700_000_000, 5_000_000], attributes: { 'headroom.stall': true } });
  stall.end([1_700_000_000, 95_000_000]);
  root.end([1_700_000_000, 100_000_000]);
  await provider.forceFlush();
  await provider.shutdown();
}

for (const [encoding, Exporter] of [
  ['protobuf', ProtoTraceExporter],
  ['json', JsonTraceExporter],
] as const) {
  test(`${encoding}: the same SpanRecords and instances from the workers as from the receiver's thread`, async () => {
    workers.batches.length = 0;
    inline.batches.length = 0;
    await sendTrace(new Exporter({ url: `${workers.url}/v1/traces` }));
    await sendTrace(new Exporter({ url: `${inline.url}/v1/traces` }));
    const spans = allOf(workers.batches, 'spans');
    assert.equal(spans.length, 2);
    // Ids differ between the two sends, and the exporter sends each span on its own (in any
    // order); everything else must match field for field.
    const comparable = (h: Harness) =>
      allOf(h.batches, 'spans')
        .map((s) => ({ ...s, traceId: '', spanId: '', parentSpanId: s.parentSpanId ? 'parent' : null }))
        .sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(comparable(workers), comparable(inline));
    const instances = (h: Harness) => allOf(h.batches, 'instances').sort((a, b) => Number(a.timeNs - b.timeNs));
    assert.deepEqual(instances(workers), instances(inline));
    assert.deepEqual(spans.map((s) => [s.name, s.stall]).sort(), [['GET /cart', false], ['event loop blocked', true]]);
    assert.equal(typeof spans[0]!.startNs, 'bigint');
  });
}

test('partly invalid and undecodable trace requests get the same answers from the workers', async () => {
  const requests = [
    { headers: { 'Content-Type': 'application/json' }, body: fixture('traces-partly-invalid.json') },
    { headers: { 'Content-Type': 'application/x-protobuf' }, body: Buffer.from([0x0a, 0xff, 0xff, 0xff]) },
    { headers: { 'Content-Type': 'application/json' }, body: '{"resourceSpans": 5}' },
  ];
  const before = { ...workers.receiver.stats().responses };
  for (const r of requests) {
    const viaWorkers = await send(workers.url, { path: '/v1/traces', ...r });
    const viaThread = await send(inline.url, { path: '/v1/traces', ...r });
    assert.equal(viaWorkers.status, viaThread.status);
    assert.deepEqual(viaWorkers.body, viaThread.body);
  }
  const after = workers.receiver.stats().responses;
  assert.equal((after['200'] ?? 0) - (before['200'] ?? 0), 1);
  assert.equal((after['400'] ?? 0) - (before['400'] ?? 0), 2);
});

test('closing the pool lets the decodes it holds finish, then refuses new ones as a shutdown', async () => {
  const pool = new TraceWorkerPool(1);
  const pending = pool.run('json', Buffer.from('{}'), 0n);
  await pool.close();
  // Answered, not cut off by the close (the receiver would have logged an internal error).
  assert.equal((await pending).ok, true);
  await assert.rejects(pool.run('json', Buffer.from('{}'), 0n), (err: unknown) => err instanceof PoolClosedError);
});
