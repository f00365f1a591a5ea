// A span is stored once, however often it arrives: OTLP exporters resend a request whose
// answer they did not get, so the same spans can reach the store twice (schema 6, the unique
// (trace_id, span_id) index, and the writer's inserts that skip what is stored).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { TraceResponse, TracesResponse } from '../../collector/src/api-types';
import type { EventRecord } from '../../collector/src/model';
import { createOtlpReceiver } from '../../collector/src/receiver';
import { batchWith, DAY_MS, makeTrace, msToNs, openTestStore, prng, undoSchema7, undoSchema9, undoSchema12, undoSchema13, undoSchema14, undoSchema15, undoSchema16 } from './store-helpers';
import { getJson, startTestCollector } from './support/collector-harness';

const MINUTE = 60_000;
const resource = resourceFromAttributes({ 'service.name': 'retried', 'service.instance.id': 'retried-1' });

/** A server span with `children` child spans, recorded by the real SDK (ended, ready to export). */
function recordTrace(children: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('duplicate-spans');
  const root = tracer.startSpan('GET /orders', { kind: SpanKind.SERVER, attributes: { 'http.route': '/orders' } });
  const ctx = trace.setSpan(ROOT_CONTEXT, root);
  for (let i = 0; i < children; i++) tracer.startSpan(`query ${i}`, { kind: SpanKind.CLIENT }, ctx).end();
  root.end();
  return memory.getFinishedSpans();
}

function protobufBody(spans: ReadableSpan[]): Buffer {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  assert.ok(bytes);
  return Buffer.from(bytes);
}

async function postTraces(otlpUrl: string, body: Buffer): Promise<number> {
  const res = await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
  await res.arrayBuffer();
  return res.status;
}

function spanRows(dbPath: string): { id: number; span_id: string }[] {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT id, span_id FROM spans ORDER BY id').all() as { id: number; span_id: string }[];
  } finally {
    db.close();
  }
}

test('the same OTLP request posted twice is stored once, and the trace API returns each span once', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const spans = recordTrace(3);
  const traceId = spans[0]!.spanContext().traceId;
  const body = protobufBody(spans);

  assert.equal(await postTraces(collector.otlpUrl, body), 200);
  await collector.storage.flush();
  // The retry: the same bytes again, after the first copy was committed.
  assert.equal(await postTraces(collector.otlpUrl, body), 200);
  await collector.storage.flush();

  const stored = await getJson<TraceResponse>(`${collector.httpUrl}/api/traces/${traceId}`);
  assert.equal(stored.status, 200);
  assert.deepEqual(stored.body.spans.map((s) => s.spanId).sort(), spans.map((s) => s.spanContext().spanId).sort());
  const list = await getJson<TracesResponse>(`${collector.httpUrl}/api/traces?service=retried&route=${encodeURIComponent('/orders')}`);
  assert.deepEqual(
    list.body.traces.map((tr) => [tr.traceId, tr.spanCount]),
    [[traceId, 4]],
  );

  // A request holding those spans and one more (a resend merged into a later batch): the new
  // span is added, the others are not copied.
  const late = recordTrace(0)[0]!;
  assert.equal(await postTraces(collector.otlpUrl, protobufBody([...spans, late])), 200);
  await collector.storage.flush();
  assert.equal(spanRows(collector.dbPath).length, 5);
});

test('an export whose answer was lost is resent by the OTLP exporter and still stored once', async (t) => {
  const { storage } = openTestStore(t);
  const receiver = createOtlpReceiver({ storage, maxBodyBytes: 1024 * 1024, traceWorkers: 0 });
  // The first request is received and stored in full; then its connection is cut instead of
  // answered, as a collector restart or a network fault can: the exporter sees ECONNRESET.
  let requests = 0;
  const server = http.createServer((req, res) => {
    if (++requests === 1) {
      res.end = (() => {
        res.socket?.destroy();
        return res;
      }) as typeof res.end;
    }
    receiver.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await receiver.close();
  });

  const spans = recordTrace(2);
  const exporter = new OTLPTraceExporter({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces` });
  const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
  await exporter.shutdown();
  await storage.flush();

  assert.equal(result.code, ExportResultCode.SUCCESS);
  assert.equal(requests, 2, 'the exporter resent the request');
  const stored = storage.trace(spans[0]!.spanContext().traceId);
  assert.equal(stored?.spans.length, 3);
});

test('a commit whose spans were all stored before leaves no retention mark, so retention keeps newer spans', async (t) => {
  const t0 = Math.floor((Date.now() - 2 * DAY_MS) / MINUTE) * MINUTE;
  const { storage, clock } = openTestStore(t, { now: t0, rawMs: DAY_MS });
  const rand = prng(6);
  const trace = (startMs: number) => makeTrace(rand, { service: 'api', instanceId: 'i-1', route: '/r', startMs, durationMs: 5 });
  const stall = (n: number): EventRecord => ({ service: 'api', instanceId: 'i-1', type: 'stall', timeNs: msToNs(t0), traceId: null, spanId: null, route: '/r', durationMs: 100, message: `stall ${n}`, attributes: {} });

  // Minute 0: 3 span rows (ids 1–3) and 10 event rows (ids 1–10), the events written last.
  const first = trace(t0);
  storage.enqueue(batchWith({ spans: first, events: Array.from({ length: 10 }, (_, i) => stall(i)) }));
  await storage.flush();
  // Minute 1: the same spans again, every one skipped. SQLite's last insert rowid still says
  // 10 (the last event): taken as this minute's highest span id, it would be a wrong mark.
  clock.now = t0 + MINUTE;
  storage.enqueue(batchWith({ spans: first }));
  await storage.flush();
  // Minute 2: new spans (ids 4–6).
  clock.now = t0 + 2 * MINUTE;
  const second = trace(t0 + 2 * MINUTE);
  storage.enqueue(batchWith({ spans: second }));
  await storage.flush();

  // Raw retention now covers minutes 0 and 1, not minute 2.
  clock.now = t0 + DAY_MS + 2 * MINUTE + 30_000;
  await storage.runMaintenance();
  assert.equal(storage.trace(first[0]!.traceId), null);
  assert.equal(storage.trace(second[0]!.traceId)?.spans.length, 3);
});

test('opening a database that holds duplicate spans keeps the first copy of each and makes spans unique', async (t) => {
  const now = Date.now();
  const { storage, dir, path } = openTestStore(t, { now });
  const rand = prng(11);
  const traces = [0, 1, 2].map((i) => makeTrace(rand, { service: 'api', instanceId: 'i-1', route: '/r', startMs: now - 10_000 + i, durationMs: 5, children: 4 }));
  storage.enqueue(batchWith({ spans: traces.flat() }));
  await storage.flush();
  await storage.close();
  const original = spanRows(path);
  assert.equal(original.length, 15);

  // Back to schema 5: the plain trace index (and none of schema 7), and every span stored
  // twice more (as retried requests left them), the copies with higher ids.
  const db = new BetterSqlite3(path);
  undoSchema7(db);
  undoSchema9(db);
  undoSchema12(db);
  undoSchema13(db);
  undoSchema14(db);
  undoSchema15(db);
  undoSchema16(db);
  const columns = 'trace_id, span_id, parent_span_id, service, instance_id, name, kind, start_ns, duration_ns, status_code, status_message, route, is_root, is_stall, attributes, events';
  db.exec(`DROP INDEX spans_trace_span; CREATE INDEX spans_trace ON spans (trace_id);
    INSERT INTO spans (${columns}) SELECT ${columns} FROM spans ORDER BY id;
    INSERT INTO spans (${columns}) SELECT ${columns} FROM spans WHERE id <= 15 ORDER BY id;`);
  db.pragma('user_version = 5');
  db.close();
  assert.equal(spanRows(path).length, 45);

  const reopened = openTestStore(t, { dir, now });
  assert.deepEqual(spanRows(path), original);
  for (const spans of traces) {
    assert.deepEqual(reopened.storage.trace(spans[0]!.traceId)?.spans.map((s) => s.spanId).sort(), spans.map((s) => s.spanId).sort());
  }
  const listed = reopened.storage.traces({ service: 'api', from: now - 60_000, to: now + 60_000, limit: 100 }).traces;
  assert.deepEqual(listed.map((tr) => tr.spanCount), [5, 5, 5]);

  const check = new BetterSqlite3(path, { readonly: true });
  try {
    const indexes = check.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'spans' AND name LIKE 'spans_trace%'").all();
    assert.deepEqual(indexes, [{ name: 'spans_trace_span', sql: 'CREATE UNIQUE INDEX spans_trace_span ON spans (trace_id, span_id)' }]);
  } finally {
    check.close();
  }
  // And a span sent again after the migration is skipped too.
  reopened.storage.enqueue(batchWith({ spans: traces[0]! }));
  await reopened.storage.flush();
  assert.equal(spanRows(path).length, 15);
});
