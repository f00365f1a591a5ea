// The agent's own request-metric aggregation, read back through the SDK's real metric reader
// (as a MetricProducer) and exporter, and the sdk-metrics internal it leans on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type ExponentialHistogram, type Histogram, type MetricData } from '@opentelemetry/sdk-metrics';
import type { RequestFacts } from '../../agent/src/http-server/request-facts';
import { MAX_SERIES, RequestMetricsProducer } from '../../agent/src/http-server/request-metrics';

function facts(over: Partial<RequestFacts>): RequestFacts {
  return {
    method: 'GET',
    route: '/orders/:id',
    status: 200,
    durationMs: 10,
    endAt: performance.now(),
    aborted: false,
    unanswered: null,
    queueWaitMs: null,
    bodyReadMs: null,
    responseWriteMs: null,
    inBytes: null,
    outBytes: null,
    ...over,
  };
}

async function collect(producer: RequestMetricsProducer): Promise<Map<string, MetricData>> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000, metricProducers: [producer] });
  const provider = new MeterProvider({ readers: [reader] });
  await reader.forceFlush();
  const metrics = new Map<string, MetricData>();
  for (const rm of exporter.getMetrics()) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) metrics.set(m.descriptor.name, m);
  await provider.shutdown();
  return metrics;
}

test('durations: an exponential histogram per route, method, status and scheme, with percentiles in its buckets', async () => {
  const producer = new RequestMetricsProducer();
  for (let i = 1; i <= 100; i++) producer.record(facts({ durationMs: i }), 'http');
  producer.record(facts({ status: 503, durationMs: 5 }), 'http');
  producer.record(facts({ route: undefined, method: '_OTHER', durationMs: 1 }), 'https');
  const duration = (await collect(producer)).get('http.server.request.duration');
  assert.ok(duration);
  assert.equal(duration.dataPointType, DataPointType.EXPONENTIAL_HISTOGRAM);
  assert.equal(duration.aggregationTemporality, AggregationTemporality.DELTA);
  const points = duration.dataPoints as { attributes: Record<string, unknown>; value: ExponentialHistogram }[];
  assert.equal(points.length, 3);
  const ok = points.find((p) => p.attributes['http.response.status_code'] === 200)!;
  assert.deepEqual(ok.attributes, { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'url.scheme': 'http', 'http.response.status_code': 200 });
  assert.equal(ok.value.count, 100);
  assert.ok(Math.abs((ok.value.sum ?? 0) - 5.05) < 1e-9);
  assert.equal(ok.value.min, 0.001);
  assert.equal(ok.value.max, 0.1);
  assert.ok(ok.value.scale >= 6, `scale ${ok.value.scale}`);
  assert.equal(ok.value.positive.bucketCounts.reduce((a, b) => a + b, 0), 100);
  const failed = points.find((p) => p.attributes['http.response.status_code'] === 503)!;
  assert.equal(failed.attributes['error.type'], '503');
  const other = points.find((p) => p.attributes['url.scheme'] === 'https')!;
  assert.equal(other.attributes['http.route'], undefined);
});

test('queue wait, body, write and sizes: one-bucket histograms per route; drops counted by reason; each collection a new interval', async () => {
  const producer = new RequestMetricsProducer();
  producer.record(facts({ queueWaitMs: 20, responseWriteMs: 4, outBytes: 100 }), 'http');
  producer.record(facts({ queueWaitMs: 40, bodyReadMs: 7, inBytes: 2048, outBytes: 300 }), 'http');
  producer.queueWaitDropped('future');
  producer.queueWaitDropped('future');
  const first = await collect(producer);
  const queue = first.get('headroom.http.server.queue_wait')!;
  assert.equal(queue.dataPointType, DataPointType.HISTOGRAM);
  const point = queue.dataPoints[0] as { attributes: Record<string, unknown>; value: Histogram };
  assert.deepEqual(point.attributes, { 'http.request.method': 'GET', 'http.route': '/orders/:id' });
  assert.deepEqual({ count: point.value.count, sum: point.value.sum, min: point.value.min, max: point.value.max, counts: point.value.buckets.counts }, { count: 2, sum: 0.06, min: 0.02, max: 0.04, counts: [2] });
  assert.equal((first.get('http.server.response.body.size')!.dataPoints[0]!.value as Histogram).sum, 400);
  assert.equal((first.get('http.server.request.body.size')!.dataPoints[0]!.value as Histogram).count, 1);
  assert.equal((first.get('headroom.http.server.request_body.duration')!.dataPoints[0]!.value as Histogram).max, 0.007);
  const dropped = first.get('headroom.http.server.queue_wait.dropped')!;
  assert.deepEqual(dropped.dataPoints.map((p) => [p.attributes, p.value]), [[{ reason: 'future' }, 2]]);
  // Delta: what was collected is not collected again.
  const second = await collect(producer);
  assert.equal(second.size, 0);
});

test('past MAX_SERIES, new routes are recorded without their route', async () => {
  const producer = new RequestMetricsProducer();
  for (let i = 0; i < MAX_SERIES; i++) producer.record(facts({ route: `/r${i}` }), 'http');
  producer.record(facts({ route: '/one-too-many' }), 'http');
  producer.record(facts({ route: '/r1' }), 'http'); // a known route still counts as itself
  const points = (await collect(producer)).get('http.server.request.duration')!.dataPoints;
  assert.ok(!points.some((p) => p.attributes['http.route'] === '/one-too-many'));
  assert.equal(points.filter((p) => p.attributes['http.route'] === undefined).length, 1);
  assert.equal((points.find((p) => p.attributes['http.route'] === '/r1')!.value as ExponentialHistogram).count, 2);
});
