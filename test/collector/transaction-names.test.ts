// Transactions are named by method and route ("POST /upload"), end to end: real OTel
// exporters → receiver → SQLite → /api, the alert engine's series reader and the advisor's
// input. A GET and a POST on one path are two transactions.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { AlertRule, EventsResponse, ServiceSeriesResponse, TracesResponse, TransactionsResponse } from '../../collector/src/api-types';
import { readSeries } from '../../collector/src/alerts/series-reader';
import { getJson, sendLogs, sendMetrics, sendTraces, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';

const SERVICE = 'shop';
const DURATION = 'http.server.request.duration';

const RULE: AlertRule = {
  id: 'r',
  name: 'Slow uploads',
  series: 'latency.p95',
  service: SERVICE,
  route: 'POST /x',
  instanceId: null,
  findingKind: null,
  windowMs: 300_000,
  comparison: '>',
  threshold: 500,
  forMs: 0,
  noData: 'keep',
  destinations: [],
  labels: {},
};

describe('transaction names: method and route', () => {
  let collector: TestCollector;
  let api: string;
  const now = Date.now();

  before(async () => {
    collector = await startTestCollector();
    api = `${collector.httpUrl}/api/services/${SERVICE}`;
    const resource = serviceResource(SERVICE, 'shop-1');
    await sendMetrics(collector.otlpUrl, resource, (m) => {
      // 30 fast GETs and 10 slow POSTs on one path; a method outside the semconv's list; a
      // request no route matched (older attribute names: receiver-metrics.test.ts).
      m.histogram(DURATION, 's', Array<number>(30).fill(0.01), { 'http.request.method': 'GET', 'http.route': '/x', 'http.response.status_code': 200 });
      m.histogram(DURATION, 's', Array<number>(10).fill(0.8), { 'http.request.method': 'POST', 'http.route': '/x', 'http.response.status_code': 201 });
      m.histogram(DURATION, 's', [0.02, 0.02], { 'http.request.method': 'BREW', 'http.route': '/pot', 'http.response.status_code': 418 });
      m.histogram(DURATION, 's', [0.001], { 'http.request.method': 'GET', 'http.response.status_code': 404 });
      m.histogram('headroom.http.server.queue_wait', 's', [0.3], { 'http.request.method': 'POST', 'http.route': '/x' });
    });
    await sendLogs(collector.otlpUrl, resource, [
      { timeMs: now - 20_000, attributes: { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 250, 'http.route': '/busy/:ms', 'http.request.method': 'GET' } },
      // An older agent's stall (no method) keeps the path-only name; one outside any request has none.
      { timeMs: now - 15_000, attributes: { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 150, 'http.route': '/old' } },
      { timeMs: now - 10_000, attributes: { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 120 } },
    ]);
    await sendTraces(collector.otlpUrl, resource, [
      { name: 'POST /x', startMs: now - 30_000, durationMs: 800, attributes: { 'http.route': '/x', 'http.request.method': 'POST' } },
      { name: 'GET /x', startMs: now - 29_000, durationMs: 10, attributes: { 'http.route': '/x', 'http.request.method': 'GET' } },
      { name: 'GET', startMs: now - 28_000, durationMs: 1, kind: SpanKind.SERVER, attributes: { 'http.request.method': 'GET' } },
      { name: 'GET', startMs: now - 27_000, durationMs: 1, kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET' } },
    ]);
    await collector.storage.flush();
  });

  after(async () => {
    await collector.close();
  });

  const range = (): string => `from=${now - 600_000}&to=${now + 60_000}`;

  it('a GET and a POST on one path are two transactions, each with its own count and percentiles', async () => {
    const res = await getJson<TransactionsResponse>(`${api}/transactions?${range()}`);
    assert.equal(res.status, 200);
    const byName = new Map(res.body.transactions.map((t) => [t.route, t]));
    assert.deepEqual([...byName.keys()].sort(), ['GET', 'GET /x', 'POST /x', '_OTHER /pot']);
    assert.equal(byName.get('GET /x')?.requests, 30);
    assert.equal(byName.get('POST /x')?.requests, 10);
    assert.ok((byName.get('GET /x')?.p95Ms ?? Infinity) < 50, `GET p95 ${byName.get('GET /x')?.p95Ms}`);
    assert.ok((byName.get('POST /x')?.p95Ms ?? 0) > 500, `POST p95 ${byName.get('POST /x')?.p95Ms}`);
    // The queue wait sent with POST's attributes is POST's, not GET's.
    assert.ok(Math.abs((byName.get('POST /x')?.queueWaitMs ?? 0) - 300) < 1, `POST queue wait ${byName.get('POST /x')?.queueWaitMs}`);
    assert.equal(byName.get('GET /x')?.queueWaitMs, null);
    assert.equal(byName.get('_OTHER /pot')?.requests, 2);
  });

  it('a route series and the events are read by the transaction name (a space in it, encoded in the URL)', async () => {
    // %20 (encodeURIComponent) and + (URLSearchParams, as the dashboard and the advisor's links write it).
    for (const query of [`route=${encodeURIComponent('POST /x')}`, new URLSearchParams({ route: 'POST /x' }).toString()]) {
      const series = await getJson<ServiceSeriesResponse>(`${api}/series?${range()}&${query}`);
      assert.equal(series.status, 200);
      assert.equal(series.body.route, 'POST /x');
      assert.equal(series.body.requests.reduce((a, b) => a + b, 0), 10, query);
    }
    const events = await getJson<EventsResponse>(`${collector.httpUrl}/api/events?service=${SERVICE}&${range()}`);
    assert.deepEqual(events.body.events.map((e) => e.route).sort(), ['/old', 'GET /busy/:ms', null].sort());
    const stalls = await getJson<EventsResponse>(`${collector.httpUrl}/api/events?service=${SERVICE}&route=${encodeURIComponent('GET /busy/:ms')}&${range()}`);
    assert.deepEqual(stalls.body.events.map((e) => e.durationMs), [250]);
  });

  it("a transaction's traces are found by its name; a server span no route matched by its method", async () => {
    const post = await getJson<TracesResponse>(`${collector.httpUrl}/api/traces?service=${SERVICE}&route=${encodeURIComponent('POST /x')}&${range()}`);
    assert.deepEqual(post.body.traces.map((t) => [t.route, t.name]), [['POST /x', 'POST /x']]);
    const all = await getJson<TracesResponse>(`${collector.httpUrl}/api/traces?service=${SERVICE}&${range()}`);
    assert.deepEqual(all.body.traces.map((t) => t.route).sort(), ['GET', 'GET /x', 'POST /x', null].sort());
  });

  it('an alert rule scoped to "POST /x" reads only POST\'s requests', () => {
    const at = Date.now();
    const p95 = readSeries(collector.storage, null, RULE, at);
    assert.ok(p95 !== null && p95 > 500, `POST /x p95 ${p95}`);
    const getP95 = readSeries(collector.storage, null, { ...RULE, route: 'GET /x' }, at);
    assert.ok(getP95 !== null && getP95 < 50, `GET /x p95 ${getP95}`);
    const posts = readSeries(collector.storage, null, { ...RULE, series: 'throughput', route: 'POST /x' }, at);
    const all = readSeries(collector.storage, null, { ...RULE, series: 'throughput', route: null }, at);
    assert.ok(posts !== null && all !== null);
    assert.equal(Math.round((posts / all) * 43), 10, 'POST is 10 of the 43 requests');
    assert.equal(readSeries(collector.storage, null, { ...RULE, series: 'stall.count', route: 'GET /busy/:ms' }, at), 1);
  });
});
