// The receiver with the REAL store: OTel exporters → receiver → SQLite file → queries.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { openSqliteStorage, type SqliteStorage } from '../../collector/src/store/sqlite';
import { startReceiver, type Harness } from '../fixtures/receiver/harness';

const resource = resourceFromAttributes({ 'service.name': 'stored', 'service.instance.id': 'stored-1' });
let dir: string;
let storage: SqliteStorage;
let h: Harness;

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-receiver-'));
  storage = openSqliteStorage({ path: path.join(dir, 'headroom.db'), retention: { rawMs: 3 * 86_400_000, rollupMs: 30 * 86_400_000 } });
  h = await startReceiver({ storage });
});
after(async () => {
  await h.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

test('spans and request metrics land in SQLite with exact times', async () => {
  const startMs = Date.now() - 5_000;
  const start: [number, number] = [Math.floor(startMs / 1000), (startMs % 1000) * 1_000_000 + 123];
  const tracer = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${h.url}/v1/traces` }))] });
  const span = tracer.getTracer('t').startSpan('GET /things', { kind: SpanKind.SERVER, startTime: start, attributes: { 'http.route': '/things' } });
  const { traceId } = span.spanContext();
  span.end([start[0] + 1, start[1]]);
  await tracer.forceFlush();
  await tracer.shutdown();

  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${h.url}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.DELTA }),
    exportIntervalMillis: 3_600_000,
  });
  const meters = new MeterProvider({ resource, readers: [reader], views: [{ instrumentName: 'http.server.request.duration', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }] });
  const hist = meters.getMeter('m').createHistogram('http.server.request.duration', { unit: 's' });
  for (let i = 0; i < 10; i++) hist.record(0.1, { 'http.route': '/things', 'http.request.method': 'GET', 'http.response.status_code': 200 });
  await meters.forceFlush();
  await meters.shutdown();
  await storage.flush();

  const stored = storage.trace(traceId);
  assert.ok(stored, 'trace stored');
  assert.equal(stored.spans.length, 1);
  const expectedStart = BigInt(start[0]) * 1_000_000_000n + BigInt(start[1]);
  assert.equal(stored.spans[0]!.startNs, expectedStart.toString());
  assert.equal(stored.spans[0]!.instanceId, 'stored-1');

  const tx = storage.transactions({ service: 'stored', from: Date.now() - 3_600_000, to: Date.now() + 60_000 });
  const things = tx.transactions.find((t) => t.route === 'GET /things');
  assert.ok(things, 'transaction for the route');
  assert.equal(things.requests, 10);
  assert.ok(things.p50Ms !== null && Math.abs(things.p50Ms - 100) <= 2, `p50 ${things.p50Ms}`);
});
