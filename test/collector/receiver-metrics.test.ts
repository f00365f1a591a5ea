// Real OTel metric exporters (protobuf and JSON, delta and cumulative) → receiver →
// RequestPoints, RouteSumPoints and GaugePoints.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { AggregationTemporalityPreference, OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { Distribution } from '../../collector/src/model';
import { allOf, startReceiver, type Harness } from '../fixtures/receiver/harness';

const RESOURCE = { 'service.name': 'shop', 'service.instance.id': 'shop-1' };

function meterProvider(exporter: PushMetricExporter, exponential: boolean) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(RESOURCE),
    readers: [reader],
    views: exponential ? [{ instrumentName: '*duration*', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }] : [],
  });
  return { provider, meter: provider.getMeter('receiver-test', '1.0.0') };
}

function distributionTotal(d: Distribution): number {
  return d.kind === 'exponential' ? d.zeroCount + d.positive.counts.reduce((a, b) => a + b, 0) : d.counts.reduce((a, b) => a + b, 0);
}

describe('metrics over OTLP/HTTP', () => {
  let h: Harness;
  before(async () => {
    h = await startReceiver();
  });
  after(() => h.close());
  beforeEach(() => {
    h.batches.length = 0;
  });

  test('protobuf, delta, exponential histogram: request points per route/method/status', async () => {
    const exporter = new ProtoMetricExporter({ url: `${h.url}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.DELTA });
    const { provider, meter } = meterProvider(exporter, true);
    const duration = meter.createHistogram('http.server.request.duration', { unit: 's' });
    const ok = { 'http.route': '/users/:id', 'http.request.method': 'GET', 'http.response.status_code': 200 };
    for (const v of [0.01, 0.02, 0.04]) duration.record(v, ok);
    duration.record(1.5, { 'http.request.method': 'POST', 'http.response.status_code': 503 });
    duration.record(0.2, { 'http.route': '/pay', 'http.request.method': 'POST', 'http.response.status_code': 200, 'error.type': 'timeout' });
    await provider.forceFlush();

    const points = allOf(h.batches, 'requests');
    assert.equal(points.length, 3);
    // Named by method and route, as the transaction (transaction-name.ts).
    const users = points.find((p) => p.route === 'GET /users/:id')!;
    assert.equal(users.service, 'shop');
    assert.equal(users.instanceId, 'shop-1');
    assert.equal(users.method, 'GET');
    assert.equal(users.statusCode, 200);
    assert.equal(users.error, false);
    assert.equal(users.count, 3);
    assert.ok(Math.abs(users.sumSeconds - 0.07) < 1e-12);
    assert.equal(users.minSeconds, 0.01);
    assert.equal(users.maxSeconds, 0.04);
    assert.equal(users.distribution.kind, 'exponential');
    assert.equal(distributionTotal(users.distribution), 3);
    // No route: the method alone names it; a 5xx is an error.
    const post = points.find((p) => p.route === 'POST')!;
    assert.equal(post.error, true);
    assert.equal(post.statusCode, 503);
    // error.type marks an error whatever the status.
    assert.equal(points.find((p) => p.route === 'POST /pay')!.error, true);
    await provider.shutdown();
  });

  test('JSON, cumulative, explicit buckets: deltas per export, and a reset', async () => {
    const exporter = () => new JsonMetricExporter({ url: `${h.url}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.CUMULATIVE });
    const first = meterProvider(exporter(), false);
    const hist = first.meter.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } });
    const attrs = { 'http.route': '/cart', 'http.request.method': 'GET', 'http.response.status_code': 200 };
    for (const v of [0.05, 0.5, 2]) hist.record(v, attrs);
    await first.provider.forceFlush();
    // The stream started moments ago, so its first cumulative point is a delta from its start.
    let points = allOf(h.batches, 'requests');
    assert.equal(points.length, 1);
    assert.deepEqual(points[0]!.distribution, { kind: 'explicit', bounds: [0.1, 1], counts: [1, 1, 1] });
    assert.equal(points[0]!.count, 3);
    assert.equal(points[0]!.minSeconds, null); // a cumulative min is not the interval's

    h.batches.length = 0;
    hist.record(0.06, attrs);
    hist.record(0.07, attrs);
    await first.provider.forceFlush();
    points = allOf(h.batches, 'requests');
    assert.equal(points.length, 1);
    assert.equal(points[0]!.count, 2);
    assert.deepEqual(points[0]!.distribution, { kind: 'explicit', bounds: [0.1, 1], counts: [2, 0, 0] });
    assert.ok(Math.abs(points[0]!.sumSeconds - 0.13) < 1e-9);

    // An export with nothing new yields no point.
    h.batches.length = 0;
    await first.provider.forceFlush();
    assert.equal(allOf(h.batches, 'requests').length, 0);
    await first.provider.shutdown();

    // Same resource, scope, metric and attributes from a restarted process: a new start time
    // is a reset, so its whole value is the delta (not 1 - 5 = negative).
    h.batches.length = 0;
    const second = meterProvider(exporter(), false);
    second.meter.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } }).record(0.5, attrs);
    await second.provider.forceFlush();
    points = allOf(h.batches, 'requests');
    assert.equal(points.length, 1);
    assert.equal(points[0]!.count, 1);
    assert.deepEqual(points[0]!.distribution, { kind: 'explicit', bounds: [0.1, 1], counts: [0, 1, 0] });
    await second.provider.shutdown();
  });

  test('protobuf, cumulative, exponential: deltas survive the sender lowering its scale', async () => {
    const exporter = new ProtoMetricExporter({ url: `${h.url}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.CUMULATIVE });
    const { provider, meter } = meterProvider(exporter, true);
    const hist = meter.createHistogram('http.server.request.duration', { unit: 's' });
    const attrs = { 'http.route': '/scale', 'http.request.method': 'GET', 'http.response.status_code': 200 };
    for (const v of [0.1, 0.11, 0.12]) hist.record(v, attrs);
    await provider.forceFlush();
    const first = allOf(h.batches, 'requests');
    assert.equal(first.length, 1);
    assert.equal(first[0]!.count, 3);
    const firstScale = first[0]!.distribution.kind === 'exponential' ? first[0]!.distribution.scale : NaN;

    h.batches.length = 0;
    // A wide range of values forces the SDK to lower the cumulative histogram's scale.
    for (let i = 0; i < 50; i++) hist.record(0.0001 * 1.3 ** i, attrs);
    await provider.forceFlush();
    const second = allOf(h.batches, 'requests');
    assert.equal(second.length, 1);
    const d = second[0]!.distribution;
    assert.equal(d.kind, 'exponential');
    if (d.kind !== 'exponential') return;
    assert.ok(d.scale < firstScale, `scale ${d.scale} < ${firstScale}`);
    assert.equal(second[0]!.count, 50);
    assert.equal(distributionTotal(d), 50);
    await provider.shutdown();
  });

  test('http.server.duration in milliseconds becomes seconds (explicit and exponential)', async () => {
    const exporter = new ProtoMetricExporter({ url: `${h.url}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.DELTA });
    const { provider, meter } = meterProvider(exporter, false);
    const old = meter.createHistogram('http.server.duration', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100] } });
    old.record(50, { 'http.route': '/old', 'http.method': 'GET', 'http.status_code': 200 });
    old.record(150, { 'http.route': '/old', 'http.method': 'GET', 'http.status_code': 200 });
    await provider.forceFlush();
    const p = allOf(h.batches, 'requests')[0]!;
    assert.equal(p.route, 'GET /old');
    assert.equal(p.method, 'GET');
    assert.equal(p.statusCode, 200);
    assert.equal(p.sumSeconds, 0.2);
    assert.equal(p.minSeconds, 0.05);
    assert.equal(p.maxSeconds, 0.15);
    assert.deepEqual(p.distribution, { kind: 'explicit', bounds: [0.01, 0.1], counts: [0, 1, 1] });
    await provider.shutdown();

    h.batches.length = 0;
    const expo = meterProvider(new ProtoMetricExporter({ url: `${h.url}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.DELTA }), true);
    const h2 = expo.meter.createHistogram('http.server.duration', { unit: 'ms' });
    for (const v of [3, 40, 40, 900]) h2.record(v, { 'http.route': '/old', 'http.method': 'GET', 'http.status_code': 200 });
    await expo.provider.forceFlush();
    const e = allOf(h.batches, 'requests')[0]!;
    assert.equal(e.count, 4);
    assert.equal(e.distribution.kind, 'explicit');
    if (e.distribution.kind !== 'explicit') return;
    assert.equal(distributionTotal(e.distribution), 4);
    // Each value sits in the bucket whose (seconds) bounds hold it.
    for (const v of [0.003, 0.04, 0.9]) {
      const i = e.distribution.bounds.findIndex((b) => v <= b * (1 + 1e-12));
      assert.ok(i > 0 && (e.distribution.counts[i] ?? 0) > 0, `bucket for ${v}`);
    }
    await expo.provider.shutdown();
  });

  test('a sender reporting both http.server.request.duration and http.server.duration counts each request once', async () => {
    const exporter = new ProtoMetricExporter({ url: `${h.url}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.DELTA });
    const { provider, meter } = meterProvider(exporter, false);
    const stable = meter.createHistogram('http.server.request.duration', { unit: 's' });
    const old = meter.createHistogram('http.server.duration', { unit: 'ms' });
    stable.record(0.05, { 'http.route': '/dup', 'http.request.method': 'GET', 'http.response.status_code': 200 });
    old.record(50, { 'http.route': '/dup', 'http.method': 'GET', 'http.status_code': 200 });
    await provider.forceFlush();
    const points = allOf(h.batches, 'requests');
    assert.equal(points.length, 1);
    assert.equal(points[0]!.count, 1);
    assert.equal(points[0]!.sumSeconds, 0.05);
    await provider.shutdown();
  });

  test('route sums, gauges (whole heap vs heap spaces, in-flight summed) and GC pauses', async () => {
    const exporter = new JsonMetricExporter({ url: `${h.url}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.DELTA });
    const { provider, meter } = meterProvider(exporter, false);
    const queue = meter.createHistogram('headroom.http.server.queue_wait', { unit: 's' });
    queue.record(0.2, { 'http.route': '/a', 'http.request.method': 'GET' });
    queue.record(0.3, { 'http.route': '/a', 'http.request.method': 'GET' });
    meter.createHistogram('http.server.response.body.size', { unit: 'By' }).record(2048, { 'http.route': '/a', 'http.request.method': 'GET' });
    // instrumentation-runtime-node style: heap used per space, no whole-heap point.
    meter.createObservableGauge('v8js.memory.heap.used', { unit: 'By' }).addCallback((r) => {
      r.observe(1000, { 'v8js.heap.space.name': 'new_space' });
      r.observe(3000, { 'v8js.heap.space.name': 'old_space' });
    });
    // Headroom agent style: whole heap (no space attribute) wins over spaces.
    meter.createObservableGauge('v8js.memory.heap.limit', { unit: 'By' }).addCallback((r) => {
      r.observe(4_000_000_000);
      r.observe(12, { 'v8js.heap.space.name': 'old_space' });
    });
    meter.createObservableGauge('nodejs.eventloop.delay.p99', { unit: 's' }).addCallback((r) => r.observe(0.012));
    meter.createObservableGauge('nodejs.eventloop.utilization', { unit: '1' }).addCallback((r) => r.observe(0.75));
    const active = meter.createUpDownCounter('http.server.active_requests');
    active.add(3, { 'http.request.method': 'GET' });
    active.add(2, { 'http.request.method': 'POST' });
    const gc = meter.createHistogram('v8js.gc.duration', { unit: 's' });
    gc.record(0.004, { 'v8js.gc.type': 'major' });
    gc.record(0.006, { 'v8js.gc.type': 'major' });
    gc.record(0.001, { 'v8js.gc.type': 'minor' });
    meter.createCounter('some.other.metric').add(5);
    await provider.forceFlush();

    const sums = allOf(h.batches, 'routeSums');
    const q = sums.find((s) => s.metric === 'queue_wait')!;
    assert.deepEqual({ route: q.route, count: q.count, max: q.max }, { route: 'GET /a', count: 2, max: 0.3 });
    assert.ok(Math.abs(q.sum - 0.5) < 1e-12);
    assert.equal(sums.find((s) => s.metric === 'response_bytes')!.sum, 2048);

    const gauges = allOf(h.batches, 'gauges');
    const g = (name: string) => gauges.filter((x) => x.metric === name);
    assert.equal(g('memory.heap_used')[0]!.last, 4000);
    assert.equal(g('memory.heap_limit')[0]!.last, 4_000_000_000);
    assert.equal(g('eventloop.delay.p99')[0]!.last, 0.012);
    assert.equal(g('eventloop.utilization')[0]!.last, 0.75);
    assert.equal(g('http.in_flight')[0]!.last, 5);
    const major = g('gc.pause.major')[0]!;
    assert.equal(major.count, 2);
    assert.ok(Math.abs(major.sum - 0.01) < 1e-12);
    assert.equal(major.max, 0.006);
    assert.equal(g('gc.pause.minor')[0]!.count, 1);
    for (const x of gauges) assert.equal(x.instanceId, 'shop-1');
    // Every data point was counted, none rejected; unknown metrics are accepted, not stored.
    const stats = h.receiver.stats().metrics;
    assert.equal(stats.rejected, 0);
    assert.ok(stats.received >= 12);
    await provider.shutdown();
  });
});
