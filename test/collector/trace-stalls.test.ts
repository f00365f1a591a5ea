// GET /api/traces/:id carries the stalls of the trace's instances that overlap its time, whoever
// caused them (TraceResponse.stalls): orders → catalog waited 135 ms because another request's
// stall held catalog's loop, and the trace must be able to say so.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TraceResponse } from '../../collector/src/api-types';
import { getJson, sendLogs, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';

let collector: TestCollector;
before(async () => {
  collector = await startTestCollector();
});
after(async () => {
  await collector.dispose();
});

const TRACE_ID = 'ab000000000000000000000000000001';
const BUSY_TRACE_ID = 'ab000000000000000000000000000002';
const attr = (key: string, value: string | number) => ({ key, value: typeof value === 'number' ? { intValue: value } : { stringValue: value } });
const resource = (service: string, instance: string) => ({ attributes: [attr('service.name', service), attr('service.instance.id', instance)] });

test('a trace lists the overlapping stalls of its own instances only, with who caused them', async () => {
  const t0 = Date.now() - 30_000;
  const ns = (ms: number) => String(BigInt(t0 + ms) * 1_000_000n);
  const span = (spanId: string, parentSpanId: string | undefined, name: string, kind: number, from: number, to: number, extra: object = {}) => ({
    traceId: TRACE_ID, spanId, ...(parentSpanId && { parentSpanId }), name, kind, startTimeUnixNano: ns(from), endTimeUnixNano: ns(to), status: { code: 0 }, ...extra,
  });
  const body = {
    resourceSpans: [
      { resource: resource('orders', 'orders-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
        span('1000000000000001', undefined, 'GET /orders/:id/catalog', 2, 0, 150),
        span('1000000000000002', '1000000000000001', 'GET', 3, 3, 145),
      ] }] },
      { resource: resource('catalog', 'catalog-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
        span('2000000000000001', '1000000000000002', 'GET /products/:sku', 2, 138, 144),
      ] }] },
    ],
  };
  const res = await fetch(`${collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);

  const stall = (timeMs: number, durationMs: number, route: string, traceId?: string) => ({
    timeMs,
    attributes: { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': durationMs, 'headroom.stall.cpu_ms': durationMs, 'http.route': route, 'http.request.method': 'GET' },
    ...(traceId && { traceId, spanId: '3000000000000001' }),
  });
  await sendLogs(collector.otlpUrl, serviceResource('catalog', 'catalog-1'), [
    stall(t0 - 20, 150, '/busy/:n', BUSY_TRACE_ID), // began before the trace, held catalog's loop through the call
    stall(t0 - 5_000, 150, '/busy/:n'), // over long before the trace
    stall(t0 + 400, 150, '/busy/:n'), // after it
  ]);
  // Another instance of catalog, and another service, blocked at the same moment: not this trace's processes.
  await sendLogs(collector.otlpUrl, serviceResource('catalog', 'catalog-2'), [stall(t0, 150, '/busy/:n')]);
  await sendLogs(collector.otlpUrl, serviceResource('billing', 'catalog-1'), [stall(t0, 150, '/busy/:n')]);
  await collector.storage.flush();

  const { status, body: trace } = await getJson<TraceResponse>(`${collector.httpUrl}/api/traces/${TRACE_ID}`);
  assert.equal(status, 200);
  assert.equal(trace.spans.length, 3);
  assert.deepEqual(trace.stalls.map((s) => [s.service, s.instanceId, s.timeMs, s.durationMs, s.route, s.traceId]), [
    ['catalog', 'catalog-1', t0 - 20, 150, 'GET /busy/:n', BUSY_TRACE_ID],
  ]);
  assert.equal(trace.stalls[0]?.attributes['headroom.stall.cpu_ms'], 150);
});
