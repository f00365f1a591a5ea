// OTLP protobuf request bodies for the ingest benchmark, built once, up front, by the real
// OpenTelemetry SDK (spans and metrics recorded through its API) and encoded by the real
// exporters' serialisers (@opentelemetry/otlp-transformer's ProtobufTraceSerializer /
// ProtobufMetricsSerializer, which exporter-*-otlp-proto use), so the load process only copies
// bytes. Trace bodies remember where each trace id sits, so every request can be given fresh
// trace ids for a few bytes written (the store indexes trace ids; replaying the same ids
// would make that index artificially cheap).
import crypto from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  InstrumentType,
  MeterProvider,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export const ROUTES = [
  '/', '/health', '/login', '/logout', '/users', '/users/:id', '/users/:id/orders', '/orders',
  '/orders/:id', '/orders/:id/items', '/products', '/products/:id', '/search', '/cart',
  '/cart/items', '/checkout', '/payments/:id', '/reports/daily', '/admin/users', '/api/v2/events',
];

export interface TraceBody {
  body: Buffer;
  spans: number;
  /** For each trace: the offsets of its 16-byte id in `body` (one per span). */
  traceIdOffsets: number[][];
}

export interface MetricBody {
  body: Buffer;
  /** Data points in the body (every histogram, sum and gauge point). */
  points: number;
  /** Sum of the `http.server.request.duration` counts: what req_minute must add up to. */
  requestCount: number;
  /** Where each point's start and end time (fixed64, little-endian) sit in body, and their values. */
  timeFields: { at: number; ns: bigint }[];
}

function resourceFor(instance: number): Resource {
  return resourceFromAttributes({
    'service.name': 'bench-api',
    'service.instance.id': `bench-api-${instance}`,
    'service.version': '1.4.2',
    'host.name': `bench-host-${instance % 2}`,
    'process.pid': 4000 + instance,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': process.versions.node,
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': '2.12.0',
    'headroom.apdex_t_ms': 500,
  });
}

/** Deterministic PRNG (mulberry32): the same payloads on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Log-normal-ish latency in seconds around `medianMs`. */
function latency(random: () => number, medianMs: number): number {
  const u = Math.max(1e-9, random());
  const v = random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return (medianMs * Math.exp(0.6 * normal)) / 1000;
}

function hrTimeOf(epochMs: number): [number, number] {
  const seconds = Math.floor(epochMs / 1000);
  return [seconds, Math.round((epochMs - seconds * 1000) * 1e6)];
}

/**
 * One agent's span export: `traces` traces of four spans each — a server span with the HTTP
 * server attributes, the express request handler (internal), a pg query and an outgoing HTTP
 * call (client) — about 2 % of them errors with an exception event.
 */
export function traceBody(instance: number, traces: number, nowMs: number): TraceBody {
  const random = prng(1000 + instance);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFor(instance),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
  for (let t = 0; t < traces; t++) {
    const route = ROUTES[t % ROUTES.length] as string;
    const start = nowMs - 30_000 + t * 7;
    const totalMs = latency(random, 40) * 1000;
    const isError = random() < 0.02;
    const status = isError ? 500 : 200;
    const path = route.replace(/:id/g, String(1000 + Math.floor(random() * 9000)));
    const server = tracer.startSpan(`GET ${route}`, {
      kind: SpanKind.SERVER,
      startTime: hrTimeOf(start),
      attributes: {
        'http.request.method': 'GET',
        'http.route': route,
        'url.path': path,
        'url.scheme': 'http',
        'url.query': 'page=2&limit=50',
        'http.response.status_code': status,
        'server.address': 'api.internal.example',
        'server.port': 3000,
        'network.protocol.version': '1.1',
        'network.peer.address': '10.0.3.17',
        'client.address': '203.0.113.42',
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
        'headroom.queue_wait_ms': Math.round(random() * 30),
      },
    });
    const serverCtx = trace.setSpan(context.active(), server);
    const handler = tracer.startSpan(`request handler - ${route}`, {
      kind: SpanKind.INTERNAL,
      startTime: hrTimeOf(start + 0.4),
      attributes: { 'http.route': route, 'express.name': route, 'express.type': 'request_handler' },
    }, serverCtx);
    const handlerCtx = trace.setSpan(serverCtx, handler);
    const dbMs = totalMs * 0.5;
    const db = tracer.startSpan('pg.query:SELECT app', {
      kind: SpanKind.CLIENT,
      startTime: hrTimeOf(start + 1),
      attributes: {
        'db.system.name': 'postgresql',
        'db.namespace': 'app',
        'db.query.text': 'SELECT id, name, email, created_at FROM users WHERE id = $1 AND tenant_id = $2',
        'db.operation.name': 'SELECT',
        'server.address': 'db.internal.example',
        'server.port': 5432,
      },
    }, handlerCtx);
    db.end(hrTimeOf(start + 1 + dbMs));
    const call = tracer.startSpan('GET', {
      kind: SpanKind.CLIENT,
      startTime: hrTimeOf(start + 2 + dbMs),
      attributes: {
        'http.request.method': 'GET',
        'url.full': 'http://inventory.internal.example:8080/v1/stock?sku=A-1234',
        'server.address': 'inventory.internal.example',
        'server.port': 8080,
        'http.response.status_code': status,
        'network.peer.address': '10.0.4.9',
      },
    }, handlerCtx);
    if (isError) {
      const error = new Error('upstream inventory service answered 500');
      call.recordException(error);
      call.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      server.setStatus({ code: SpanStatusCode.ERROR });
    }
    call.end(hrTimeOf(start + totalMs * 0.9));
    handler.end(hrTimeOf(start + totalMs * 0.95));
    server.end(hrTimeOf(start + totalMs));
  }
  const spans = exporter.getFinishedSpans();
  const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array);
  const byTrace = new Map<string, number[]>();
  for (const span of spans) {
    const id = span.spanContext().traceId;
    if (byTrace.has(id)) continue;
    const needle = Buffer.from(id, 'hex');
    const offsets: number[] = [];
    for (let at = body.indexOf(needle); at !== -1; at = body.indexOf(needle, at + 1)) offsets.push(at);
    byTrace.set(id, offsets);
  }
  void provider.shutdown();
  return { body, spans: spans.length, traceIdOffsets: [...byTrace.values()] };
}

/** A reader we collect from by hand: delta temporality, exponential histograms, as Headroom's agent exports. */
class ManualReader extends MetricReader {
  constructor() {
    super({
      aggregationTemporalitySelector: () => AggregationTemporality.DELTA,
      aggregationSelector: (type) =>
        type === InstrumentType.HISTOGRAM ? { type: AggregationType.EXPONENTIAL_HISTOGRAM } : { type: AggregationType.DEFAULT },
    });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/**
 * One agent's metric export (one interval): per route the request-duration histogram (200s,
 * and 500s on some routes) and Headroom's five per-route histograms (queue wait, body read,
 * response write, request and response bytes); per process the memory, event-loop, in-flight
 * and GC figures.
 */
export async function metricBody(instance: number, requestsPerRoute: number): Promise<MetricBody> {
  const random = prng(2000 + instance);
  const reader = new ManualReader();
  const provider = new MeterProvider({ resource: resourceFor(instance), readers: [reader] });
  const meter = provider.getMeter('@headroom/agent', '0.1.0');
  const duration = meter.createHistogram('http.server.request.duration', { unit: 's' });
  const perRoute = [
    meter.createHistogram('headroom.http.server.queue_wait', { unit: 's' }),
    meter.createHistogram('headroom.http.server.request_body.duration', { unit: 's' }),
    meter.createHistogram('headroom.http.server.response_write.duration', { unit: 's' }),
    meter.createHistogram('http.server.request.body.size', { unit: 'By' }),
    meter.createHistogram('http.server.response.body.size', { unit: 'By' }),
  ];
  let requestCount = 0;
  for (const [i, route] of ROUTES.entries()) {
    const attrs: Attributes = { 'http.request.method': i % 5 === 4 ? 'POST' : 'GET', 'http.route': route, 'url.scheme': 'http' };
    for (let n = 0; n < requestsPerRoute; n++) {
      const error = i % 4 === 0 && random() < 0.05;
      duration.record(latency(random, 20 + i * 3), { ...attrs, 'http.response.status_code': error ? 500 : 200, ...(error && { 'error.type': '500' }) });
      requestCount++;
      const [queueWait, bodyRead, responseWrite, requestBytes, responseBytes] = perRoute as [typeof duration, typeof duration, typeof duration, typeof duration, typeof duration];
      queueWait.record(latency(random, 2), attrs);
      bodyRead.record(latency(random, 0.3), attrs);
      responseWrite.record(latency(random, 0.5), attrs);
      requestBytes.record(Math.round(random() * 2000), attrs);
      responseBytes.record(Math.round(500 + random() * 20_000), attrs);
    }
  }
  const gauge = (name: string, unit: string, value: () => number, attributes: Attributes = {}): void => {
    meter.createObservableGauge(name, { unit }).addCallback((result) => result.observe(value(), attributes));
  };
  gauge('process.memory.usage', 'By', () => 180e6 + random() * 20e6);
  gauge('v8js.memory.heap.used', 'By', () => 90e6 + random() * 10e6);
  gauge('v8js.memory.heap.limit', 'By', () => 4345298944);
  gauge('headroom.process.memory.heap_total', 'By', () => 120e6);
  gauge('headroom.process.memory.external', 'By', () => 4e6);
  gauge('headroom.process.memory.array_buffers', 'By', () => 1e6);
  for (const q of ['p50', 'p90', 'p99', 'max']) gauge(`nodejs.eventloop.delay.${q}`, 's', () => random() * 0.02);
  gauge('nodejs.eventloop.utilization', '1', () => random());
  gauge('headroom.http.server.active_requests.max', '{request}', () => Math.round(random() * 40));
  meter.createUpDownCounter('http.server.active_requests', { unit: '{request}' }).add(7, { 'http.request.method': 'GET', 'url.scheme': 'http' });
  const gc = meter.createHistogram('v8js.gc.duration', { unit: 's' });
  for (const kind of ['minor', 'major', 'incremental', 'weakcb']) {
    for (let n = 0; n < 5; n++) gc.record(latency(random, 1.5), { 'v8js.gc.type': kind });
  }
  const { resourceMetrics, errors } = await reader.collect();
  if (errors.length > 0) throw new Error(`metric collection failed: ${String(errors[0])}`);
  let points = 0;
  for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) points += metric.dataPoints.length;
  const body = Buffer.from(ProtobufMetricsSerializer.serializeRequest(resourceMetrics) as Uint8Array);
  await provider.shutdown();
  const times = new Set<bigint>();
  const ns = (t: [number, number]): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const p of metric.dataPoints) {
        times.add(ns(p.startTime));
        times.add(ns(p.endTime));
      }
    }
  }
  return { body, points, requestCount, timeFields: timeFieldsOf(body, times) };
}

/**
 * The fixed64 start_time_unix_nano (field 2, tag 0x11) and time_unix_nano (field 3, tag 0x19)
 * of every data point kind: the tag byte, then one of the known times. Eight bytes that happen
 * to equal a time of this export are not to be expected anywhere else.
 */
function timeFieldsOf(body: Buffer, times: Set<bigint>): { at: number; ns: bigint }[] {
  const fields: { at: number; ns: bigint }[] = [];
  for (let i = 0; i + 9 <= body.length; i++) {
    if (body[i] !== 0x11 && body[i] !== 0x19) continue;
    const ns = body.readBigUInt64LE(i + 1);
    if (times.has(ns)) fields.push({ at: i + 1, ns });
  }
  return fields;
}

/**
 * Gives each metric request its own export interval, as an app's successive exports have: the
 * store counts a delta point once per (stream, start, end), so the same body posted again
 * would be taken for a resend and skipped. Every request's times move on by 1 µs (the minute
 * they fall in does not change in a run).
 */
export class FreshIntervals {
  private requests = 0n;

  writeInto(template: MetricBody, copy: Buffer): void {
    const shift = ++this.requests * 1000n;
    for (const f of template.timeFields) copy.writeBigUInt64LE(f.ns + shift, f.at);
  }
}

/**
 * Writes fresh random trace ids (the first 8 bytes of each) into `copy`, a private copy of the
 * template's body. Random, as SDKs draw them: the spans index is keyed by trace id, and ids
 * that only count up would make every insert an append (about 20 % more spans/s than real ids).
 */
export class RandomTraceIds {
  private readonly pool = new BigUint64Array(1024);
  private left = 0;

  writeInto(template: TraceBody, copy: Buffer): void {
    for (const offsets of template.traceIdOffsets) {
      const id = this.next();
      for (const at of offsets) copy.writeBigUInt64BE(id, at);
    }
  }

  private next(): bigint {
    if (this.left === 0) {
      crypto.getRandomValues(this.pool);
      this.left = this.pool.length;
    }
    return this.pool[--this.left] as bigint;
  }
}
