// Real OTel trace exporters (protobuf and JSON) → receiver → SpanRecords.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { allOf, startReceiver, type Harness } from '../fixtures/receiver/harness';

async function sendSpans(exporter: SpanExporter, resource: Record<string, string | number>) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('receiver-test', '1.0.0');
  const root = tracer.startSpan('GET /users/:id', {
    kind: SpanKind.SERVER,
    startTime: [1_700_000_000, 123_456_789],
    attributes: { 'http.route': '/users/:id', 'http.response.status_code': 500, 'http.request.method': 'GET', tags: ['a', 'b'], ratio: 0.25, big: 2 ** 40 },
  });
  root.addEvent('event loop blocked', { 'headroom.stall.duration_ms': 230 }, [1_700_000_000, 500_000_000]);
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
  const ctx = root.spanContext();
  root.end([1_700_000_001, 987_654_321]);
  await provider.forceFlush();
  await provider.shutdown();
  return ctx;
}

for (const [encoding, Exporter] of [
  ['protobuf', ProtoTraceExporter],
  ['json', JsonTraceExporter],
] as const) {
  describe(`traces over OTLP/HTTP ${encoding}`, () => {
    let h: Harness;
    before(async () => {
      h = await startReceiver();
    });
    after(() => h.close());

    test('ids, exact nanosecond times, attributes, status and events arrive', async () => {
      const ctx = await sendSpans(new Exporter({ url: `${h.url}/v1/traces` }), {
        'service.name': 'checkout',
        'service.instance.id': 'checkout-1',
        'host.name': 'web-1',
        'process.pid': 4242,
      });
      const spans = allOf(h.batches, 'spans');
      assert.equal(spans.length, 1);
      const span = spans[0]!;
      assert.equal(span.traceId, ctx.traceId);
      assert.equal(span.spanId, ctx.spanId);
      assert.equal(span.parentSpanId, null);
      assert.equal(span.service, 'checkout');
      assert.equal(span.instanceId, 'checkout-1');
      assert.equal(span.name, 'GET /users/:id');
      assert.equal(span.kind, 2);
      // Beyond 2^53: exact only if nothing went through a JS number.
      assert.equal(span.startNs, 1_700_000_000_123_456_789n);
      assert.equal(span.endNs, 1_700_000_001_987_654_321n);
      assert.equal(span.statusCode, 2);
      assert.equal(span.statusMessage, 'boom');
      assert.equal(span.route, 'GET /users/:id');
      assert.equal(span.stall, false);
      const attributes = JSON.parse(span.attributesJson) as Record<string, unknown>;
      assert.equal(attributes['http.response.status_code'], 500);
      assert.deepEqual(attributes['tags'], ['a', 'b']);
      assert.equal(attributes['ratio'], 0.25);
      assert.equal(attributes['big'], 2 ** 40);
      // Span events as the store keeps them: epoch ms, name, attributes.
      assert.deepEqual(JSON.parse(span.eventsJson ?? 'null'), [{ t: '1700000000500000000', n: 'event loop blocked', a: { 'headroom.stall.duration_ms': 230 } }]);

      const instances = allOf(h.batches, 'instances');
      assert.equal(instances.length, 1);
      assert.equal(instances[0]!.host, 'web-1');
      assert.equal(instances[0]!.pid, 4242);
      assert.equal(instances[0]!.resource['service.name'], 'checkout');
      assert.equal(h.receiver.stats().traces.received, 1);
      assert.equal(h.receiver.stats().responses['200'], 1);
    });

    test('without service.name and service.instance.id: unknown_service, host:pid instance', async () => {
      h.batches.length = 0;
      await sendSpans(new Exporter({ url: `${h.url}/v1/traces` }), { 'host.name': 'web-2', 'process.pid': 7 });
      const span = allOf(h.batches, 'spans')[0]!;
      // The SDK itself fills in unknown_service:<executable> when service.name is unset.
      assert.match(span.service, /^unknown_service/);
      assert.equal(span.instanceId, 'web-2:7');
    });
  });
}
