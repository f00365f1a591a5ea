// Names an app chooses are bounded at the OTLP port (QA4 defect 8a): a 5,005-character service
// name, instance id, route and span name are cut to their limits (256, 256, 500, 1,024), at a
// code point boundary, ending in "…", the same cut in metrics, spans and events, so a route's
// requests, traces and stalls still meet under one name; the first cut is logged once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { EventsResponse, InstancesResponse, ServicesResponse, TracesResponse, TransactionsResponse } from '../../collector/src/api-types';
import { CUT_MARK, NAME_LIMITS } from '../../collector/src/receiver/normalise/name-limits';
import { getJson, sendLogs, sendMetrics, sendTraces, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';
import { captureConsoleErrors, type ConsoleErrors } from './support/console-errors';

// An emoji (a surrogate pair) straddling the service limit: a cut there would split it.
const LONG_SERVICE = 'S'.repeat(NAME_LIMITS.service - 2) + '😀' + 'S'.repeat(5005 - NAME_LIMITS.service);
const CUT_SERVICE = 'S'.repeat(NAME_LIMITS.service - 2) + CUT_MARK;
const LONG_INSTANCE = 'i'.repeat(5005);
const CUT_INSTANCE = 'i'.repeat(NAME_LIMITS.instance - 1) + CUT_MARK;
const LONG_ROUTE = '/' + 'r'.repeat(5004);
const CUT_ROUTE = `GET /${'r'.repeat(NAME_LIMITS.route - 2)}${CUT_MARK}`;
const LONG_SPAN = 'GET ' + 'x'.repeat(5001);

let collector: TestCollector;
let captured: ConsoleErrors;
let logged: string[] = [];

before(async () => {
  // The metrics are normalised on the receiver's thread, so its log lines pass console.error.
  captured = captureConsoleErrors();
  logged = captured.lines;
  collector = await startTestCollector();
  const resource = serviceResource(LONG_SERVICE, LONG_INSTANCE);
  const now = Date.now();
  const request = { 'http.request.method': 'GET', 'http.route': LONG_ROUTE, 'http.response.status_code': 200 };
  for (let i = 0; i < 2; i++) {
    await sendMetrics(collector.otlpUrl, resource, (m) => m.histogram('http.server.request.duration', 's', [0.05], request));
  }
  await sendTraces(collector.otlpUrl, resource, [{ name: LONG_SPAN, startMs: now - 1000, durationMs: 50, kind: SpanKind.SERVER, attributes: request }]);
  await sendLogs(collector.otlpUrl, resource, [
    { timeMs: now - 900, attributes: { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 120, 'http.request.method': 'GET', 'http.route': LONG_ROUTE } },
  ]);
  await collector.storage.flush();
});

after(async () => {
  captured.restore();
  await collector?.dispose();
});

test('a 5,005-character service name is stored cut to its limit, before the emoji it would have split, ending in …', async () => {
  const { body } = await getJson<ServicesResponse>(`${collector.httpUrl}/api/services?range=15m`);
  assert.deepEqual(body.services.map((s) => s.service), [CUT_SERVICE]);
  assert.equal(CUT_SERVICE.length, NAME_LIMITS.service - 1);
  const instances = await getJson<InstancesResponse>(`${collector.httpUrl}/api/services/${encodeURIComponent(CUT_SERVICE)}/instances?range=15m`);
  assert.deepEqual(instances.body.instances.map((i) => i.instanceId), [CUT_INSTANCE]);
});

test('the route is cut the same way in request metrics, spans and stall events, so they still meet', async () => {
  const service = encodeURIComponent(CUT_SERVICE);
  const tx = await getJson<TransactionsResponse>(`${collector.httpUrl}/api/services/${service}/transactions?range=15m`);
  assert.deepEqual(tx.body.transactions.map((t) => [t.route, t.requests]), [[CUT_ROUTE, 2]]);

  const traces = await getJson<TracesResponse>(`${collector.httpUrl}/api/traces?service=${service}&route=${encodeURIComponent(CUT_ROUTE)}&range=15m`);
  assert.equal(traces.status, 200);
  assert.equal(traces.body.traces.length, 1);
  assert.equal(traces.body.traces[0]?.route, CUT_ROUTE);
  assert.equal(traces.body.traces[0]?.name, 'GET ' + 'x'.repeat(NAME_LIMITS.span - 5) + CUT_MARK);

  const events = await getJson<EventsResponse>(`${collector.httpUrl}/api/events?service=${service}&range=15m`);
  assert.deepEqual(events.body.events.map((e) => [e.type, e.route, e.instanceId]), [['stall', CUT_ROUTE, CUT_INSTANCE]]);
});

test('the first cut of each kind is logged once with HR_OTLP_NAME_CUT, not once per item', () => {
  const lines = logged.filter((l) => l.includes('HR_OTLP_NAME_CUT'));
  const service = lines.filter((l) => l.includes('a service name of over 4096 characters was cut to 256'));
  const route = lines.filter((l) => l.includes('a http.route of over 4096 characters was cut to 500'));
  assert.equal(service.length, 1, lines.join('\n'));
  assert.equal(route.length, 1, lines.join('\n'));
});
