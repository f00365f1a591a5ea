// Shared by the collector process tests (cli, api, live, health): a collector on port 0 with
// its database in a temp dir, and senders built on the real OpenTelemetry SDK and OTLP/HTTP
// protobuf exporters, so the data takes the path an app's data takes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { SpanKind, SpanStatusCode, type Attributes, type HrTime } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { AggregationType, InstrumentType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startCollector, type CollectorConfig, type RunningCollector } from '../../../collector/src/server';

export interface TempDir {
  path: string;
  remove(): void;
}

export function makeTempDir(prefix = 'headroom-test-'): TempDir {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestCollector extends RunningCollector {
  dir: TempDir;
  dbPath: string;
  /** close() and remove the temp dir. */
  dispose(): Promise<void>;
}

export async function startTestCollector(overrides: Partial<CollectorConfig> = {}): Promise<TestCollector> {
  const dir = makeTempDir();
  const dbPath = path.join(dir.path, 'headroom.db');
  try {
    const running = await startCollector({ dbPath, host: '127.0.0.1', otlpPort: 0, httpPort: 0, ...overrides });
    return {
      ...running,
      dir,
      dbPath,
      async dispose() {
        await running.close();
        dir.remove();
      },
    };
  } catch (error) {
    dir.remove();
    throw error;
  }
}

export function serviceResource(service: string, instanceId: string, extra: Attributes = {}): Resource {
  return resourceFromAttributes({
    'service.name': service,
    'service.instance.id': instanceId,
    'host.name': 'test-host',
    'process.pid': 4242,
    ...extra,
  });
}

/** Wraps an exporter to remember failed exports: the SDK's processors only log them. */
function recordFailures<T extends { export(items: I[], done: (result: ExportResult) => void): void; shutdown(): Promise<void> }, I>(
  inner: T,
): T & { failures: unknown[] } {
  const failures: unknown[] = [];
  return Object.assign(Object.create(inner) as T, {
    failures,
    export(items: I[], done: (result: ExportResult) => void) {
      inner.export(items, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) failures.push(result.error ?? new Error('export failed'));
        done(result);
      });
    },
  });
}

function throwIfFailed(failures: unknown[]): void {
  if (failures.length > 0) throw failures[0] instanceof Error ? failures[0] : new Error(String(failures[0]));
}

// Batch processors flushed by hand: everything recorded goes out in one export request, as an
// app's periodic export would send it.
const ONE_REQUEST = { maxExportBatchSize: 10_000, maxQueueSize: 10_000, scheduledDelayMillis: 3_600_000 };

function otlpHeaders(token?: string): Record<string, string> | undefined {
  return token ? { Authorization: `Bearer ${token}` } : undefined;
}

export interface SpanSpec {
  name: string;
  startMs: number;
  durationMs: number;
  kind?: SpanKind;
  attributes?: Attributes;
  error?: boolean;
  /** The error status's message ('boom' unless given; '' for none). */
  statusMessage?: string;
  children?: SpanSpec[];
  events?: { name: string; atMs: number; attributes?: Attributes }[];
}

function hr(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

/**
 * Sends traces through BasicTracerProvider → BatchSpanProcessor → OTLPTraceExporter (protobuf). Returns the trace
 * ids of the root spans in order. Resolves once the collector answered every export.
 */
export async function sendTraces(otlpUrl: string, resource: Resource, roots: SpanSpec[], token?: string): Promise<string[]> {
  const exporter = recordFailures(new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces`, headers: otlpHeaders(token) }));
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter, ONE_REQUEST)] });
  const tracer = provider.getTracer('headroom-test');
  const { context, trace } = await import('@opentelemetry/api');
  const ids: string[] = [];

  function emit(spec: SpanSpec, parent: ReturnType<typeof tracer.startSpan> | null): void {
    const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
    const span = tracer.startSpan(
      spec.name,
      { kind: spec.kind ?? (parent ? SpanKind.INTERNAL : SpanKind.SERVER), startTime: hr(spec.startMs), attributes: spec.attributes ?? {}, root: parent === null },
      ctx,
    );
    if (parent === null) ids.push(span.spanContext().traceId);
    for (const event of spec.events ?? []) span.addEvent(event.name, event.attributes ?? {}, hr(event.atMs));
    if (spec.error) span.setStatus({ code: SpanStatusCode.ERROR, message: spec.statusMessage ?? 'boom' });
    for (const child of spec.children ?? []) emit(child, span);
    span.end(hr(spec.startMs + spec.durationMs));
  }

  for (const root of roots) emit(root, null);
  await provider.forceFlush();
  await provider.shutdown();
  throwIfFailed(exporter.failures);
  return ids;
}

export interface MetricRecorder {
  histogram(name: string, unit: string, values: number[], attributes: Attributes): void;
  gauge(name: string, unit: string, value: number, attributes?: Attributes): void;
}

/**
 * Records through MeterProvider → OTLPMetricExporter (protobuf, delta temporality,
 * exponential histograms as the Headroom agent sends them), exports once, resolves when
 * the collector answered.
 */
export async function sendMetrics(otlpUrl: string, resource: Resource, record: (m: MetricRecorder) => void, token?: string): Promise<void> {
  const exporter = new OTLPMetricExporter({
    url: `${otlpUrl}/v1/metrics`,
    headers: otlpHeaders(token),
    temporalityPreference: AggregationTemporalityPreference.DELTA,
    aggregationPreference: (type) =>
      type === InstrumentType.HISTOGRAM ? { type: AggregationType.EXPONENTIAL_HISTOGRAM } : { type: AggregationType.DEFAULT },
  });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('headroom-test');
  const gauges: { name: string; unit: string; value: number; attributes: Attributes }[] = [];
  record({
    histogram(name, unit, values, attributes) {
      const h = meter.createHistogram(name, { unit });
      for (const v of values) h.record(v, attributes);
    },
    gauge(name, unit, value, attributes = {}) {
      gauges.push({ name, unit, value, attributes });
    },
  });
  for (const g of gauges) {
    const gauge = meter.createObservableGauge(g.name, { unit: g.unit });
    gauge.addCallback((result) => result.observe(g.value, g.attributes));
  }
  await reader.forceFlush();
  await provider.shutdown();
}

/** Emits log records through LoggerProvider → OTLPLogExporter (protobuf). */
export async function sendLogs(
  otlpUrl: string,
  resource: Resource,
  records: { timeMs: number; body?: string; attributes: Attributes; traceId?: string; spanId?: string }[],
  token?: string,
): Promise<void> {
  const exporter = recordFailures(new OTLPLogExporter({ url: `${otlpUrl}/v1/logs`, headers: otlpHeaders(token) }));
  const provider = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter, ...ONE_REQUEST })] });
  const logger = provider.getLogger('headroom-test');
  const { context, trace, TraceFlags } = await import('@opentelemetry/api');
  for (const record of records) {
    const ctx =
      record.traceId && record.spanId
        ? trace.setSpanContext(context.active(), { traceId: record.traceId, spanId: record.spanId, traceFlags: TraceFlags.SAMPLED })
        : context.active();
    logger.emit({
      timestamp: hr(record.timeMs),
      severityNumber: SeverityNumber.WARN,
      ...(record.body !== undefined && { body: record.body }),
      attributes: record.attributes,
      context: ctx,
    });
  }
  await provider.forceFlush();
  await provider.shutdown();
  throwIfFailed(exporter.failures);
}

/**
 * The one OTLP request `send` makes (given a base URL), as the SDK's exporter sends it: caught by
 * a stand-in server that answers 200, so a test can post the very same bytes again, as an
 * exporter's retry does.
 */
export async function captureOtlpBody(send: (otlpUrl: string) => Promise<unknown>): Promise<Buffer> {
  const bodies: Buffer[] = [];
  const capture = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve));
  try {
    await send(`http://127.0.0.1:${(capture.address() as AddressInfo).port}`);
  } finally {
    capture.closeAllConnections();
    await new Promise<void>((resolve) => capture.close(() => resolve()));
  }
  assert.equal(bodies.length, 1);
  return bodies[0]!;
}

/** Posts a protobuf OTLP body to the collector (`signal`: logs, metrics, traces) and expects 200. */
export async function postOtlpBody(otlpUrl: string, signal: 'logs' | 'metrics' | 'traces', body: Buffer): Promise<void> {
  const res = await fetch(`${otlpUrl}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
  await res.arrayBuffer();
  assert.equal(res.status, 200);
}

export async function getJson<T = unknown>(url: string, init?: RequestInit): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}
