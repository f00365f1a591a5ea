// GET /api/services/:service/errors: a service's kept failed traces grouped by what went wrong,
// beside the exact count of failed requests from the request metrics; and the trace list's
// errorKind filter, which lists exactly a group's traces. Real SDK exporters, the real receiver
// and a real SQLite file.
import assert from 'node:assert/strict';
import { SpanKind } from '@opentelemetry/api';
import { test } from 'node:test';
import type { ErrorGroupsResponse, TracesResponse } from '../../collector/src/api-types';
import { sendMetrics, sendTraces, serviceResource, startTestCollector, type SpanSpec } from './support/collector-harness';

const MINUTE = 60_000;

function request(method: string, route: string, startMs: number, extra: Partial<SpanSpec> = {}, status = 500): SpanSpec {
  return {
    name: `${method} ${route}`,
    startMs,
    durationMs: 12,
    attributes: { 'http.request.method': method, 'http.route': route, 'http.response.status_code': status },
    error: true,
    ...extra,
  };
}

function exception(type: string, message: string, atMs: number): NonNullable<SpanSpec['events']>[number] {
  return { name: 'exception', atMs, attributes: { 'exception.type': type, 'exception.message': message } };
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as T;
}

test('failed traces group by kind, with routes, first and last seen, an example and buckets; failed requests counted exactly', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const now = Date.now();
  const at = (minutesAgo: number) => now - minutesAgo * MINUTE;
  const resource = serviceResource('shop', 'shop-1');
  const ids = await sendTraces(collector.otlpUrl, resource, [
    request('GET', '/users/:id', at(8), { events: [exception('NotFoundError', 'user 123 not found', at(8))] }),
    request('GET', '/users/:id', at(6), { events: [exception('NotFoundError', 'user 456 not found', at(6))] }),
    request('GET', '/users/:id', at(4), { events: [exception('NotFoundError', 'user 789 not found', at(4))] }),
    request('GET', '/admin/users/:id', at(3), { events: [exception('NotFoundError', 'user 9 not found', at(3))] }),
    // The handler's exception on a child span, the server span saying nothing of its own.
    request('POST', '/checkout', at(5), { statusMessage: '', children: [{ name: 'charge', startMs: at(5), durationMs: 5, error: true, events: [exception('PaymentError', 'card 4242 declined for order ord_77aa1x', at(5))] }] }),
    request('POST', '/checkout', at(2), { statusMessage: '', children: [{ name: 'charge', startMs: at(2), durationMs: 5, error: true, events: [exception('PaymentError', 'card 1111 declined for order ord_93kk2z', at(2))] }] }),
    // Nothing recorded but the status.
    request('GET', '/health', at(1), { statusMessage: '' }, 503),
    request('GET', '/users/:id', at(1), { error: false }, 200),
  ]);
  await sendTraces(collector.otlpUrl, serviceResource('other', 'other-1'), [request('GET', '/users/:id', at(2), { events: [exception('NotFoundError', 'user 1 not found', at(2))] })]);
  const route = (r: string, status: number) => ({ 'http.request.method': r.split(' ')[0]!, 'http.route': r.split(' ')[1]!, 'http.response.status_code': status });
  await sendMetrics(collector.otlpUrl, resource, (m) => {
    m.histogram('http.server.request.duration', 's', new Array<number>(60).fill(0.01), route('GET /users/:id', 200));
    m.histogram('http.server.request.duration', 's', new Array<number>(40).fill(0.01), route('GET /users/:id', 500));
    m.histogram('http.server.request.duration', 's', new Array<number>(10).fill(0.02), route('POST /checkout', 502));
  });
  await collector.storage.flush();

  const from = at(10);
  const to = now + MINUTE;
  const body = await getJson<ErrorGroupsResponse>(`${collector.httpUrl}/api/services/shop/errors?from=${from}&to=${to}`);
  assert.equal(body.service, 'shop');
  assert.equal(body.tracesRead, 7);
  assert.equal(body.truncated, false);
  assert.equal(body.totalGroups, 3);
  assert.deepEqual(body.groups.map((g) => [g.kind, g.count]), [
    ['NotFoundError: user <n> not found', 4],
    ['PaymentError: card <n> declined for order <id>', 2],
    ['HTTP 503', 1],
  ]);
  const [notFound, payment, status] = body.groups as [ErrorGroupsResponse['groups'][number], ErrorGroupsResponse['groups'][number], ErrorGroupsResponse['groups'][number]];
  assert.deepEqual(notFound.routes, [{ route: 'GET /users/:id', count: 3 }, { route: 'GET /admin/users/:id', count: 1 }]);
  assert.equal(notFound.routeCount, 2);
  assert.equal(notFound.type, 'NotFoundError');
  assert.equal(notFound.firstSeenMs, Math.floor(at(8)));
  assert.equal(notFound.lastSeenMs, Math.floor(at(3)));
  assert.deepEqual(notFound.example, { traceId: ids[3], route: 'GET /admin/users/:id', startMs: Math.floor(at(3)), message: 'NotFoundError: user 9 not found' });
  // The child span's exception names the kind; the example is one real message, the newest.
  assert.equal(payment.example.traceId, ids[5]);
  assert.equal(payment.example.message, 'PaymentError: card 1111 declined for order ord_93kk2z');
  assert.deepEqual(payment.routes, [{ route: 'POST /checkout', count: 2 }]);
  assert.equal(status.httpStatus, 503);
  assert.equal(status.example.message, null);
  // One bucket per minute of the range; each group's buckets add up to its count.
  assert.equal(body.bucketMs, MINUTE);
  assert.equal(body.t.length, body.groups[0]!.buckets.length);
  for (const g of body.groups) assert.equal(g.buckets.reduce((a, b) => a + b, 0), g.count, g.kind);
  // The exact count, from the request metrics, which count every request.
  assert.equal(body.failedRequests.count, 50);
  assert.deepEqual(body.failedRequests.routes, [{ route: 'GET /users/:id', count: 40 }, { route: 'POST /checkout', count: 10 }]);

  // The trace list's filter lists exactly a group's traces, newest first.
  const listed = await getJson<TracesResponse>(`${collector.httpUrl}/api/traces?service=shop&from=${from}&to=${to}&errorKind=${encodeURIComponent(notFound.kind)}`);
  assert.deepEqual(listed.traces.map((x) => x.traceId), [ids[3], ids[2], ids[1], ids[0]]);
  const paged = await getJson<TracesResponse>(`${collector.httpUrl}/api/traces?service=shop&from=${from}&to=${to}&limit=2&offset=2&errorKind=${encodeURIComponent(notFound.kind)}`);
  assert.deepEqual(paged.traces.map((x) => x.traceId), [ids[1], ids[0]]);
  const byStatus = await getJson<TracesResponse>(`${collector.httpUrl}/api/traces?service=shop&from=${from}&to=${to}&errorKind=HTTP%20503`);
  assert.deepEqual(byStatus.traces.map((x) => x.traceId), [ids[6]]);
});

test('a range with nothing failed answers no groups, and a service never seen is a 404', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const now = Date.now();
  await sendTraces(collector.otlpUrl, serviceResource('calm', 'calm-1'), [request('GET', '/', now - MINUTE, { error: false }, 200)]);
  await collector.storage.flush();
  const body = await getJson<ErrorGroupsResponse>(`${collector.httpUrl}/api/services/calm/errors?range=15m`);
  assert.deepEqual(body.groups, []);
  assert.equal(body.tracesRead, 0);
  assert.equal(body.failedRequests.count, 0);
  const res = await fetch(`${collector.httpUrl}/api/services/nobody/errors`);
  assert.equal(res.status, 404);
});

test('the newest 2,000 failed traces are read, and the answer says the range held more', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const now = Date.now();
  const start = now - 5 * MINUTE;
  // 2,003 failures: the three oldest of their own kind, which the bound leaves out.
  const roots = Array.from({ length: 2003 }, (_, i) =>
    request('GET', '/busy', start + i * 10, { events: [exception(i < 3 ? 'OldError' : 'BusyError', `slot ${i} taken`, start + i * 10)] }),
  );
  await sendTraces(collector.otlpUrl, serviceResource('busy', 'busy-1'), roots);
  await collector.storage.flush();
  const body = await getJson<ErrorGroupsResponse>(`${collector.httpUrl}/api/services/busy/errors?from=${now - 10 * MINUTE}&to=${now}`);
  assert.equal(body.truncated, true);
  assert.equal(body.maxTraces, 2000);
  assert.equal(body.tracesRead, 2000);
  assert.deepEqual(body.groups.map((g) => [g.kind, g.count]), [['BusyError: slot <n> taken', 2000]]);
});

test("a failure that recorded no message but a downstream's answer is named by it: the call and its status, the caller's status kept", async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const now = Date.now();
  const at = (minutesAgo: number) => now - minutesAgo * MINUTE;
  const call = (startMs: number, host: string, port: number, status: number): SpanSpec => ({
    name: 'GET',
    kind: SpanKind.CLIENT,
    startMs,
    durationMs: 4,
    error: true,
    statusMessage: '',
    attributes: { 'http.request.method': 'GET', 'server.address': host, 'server.port': port, 'http.response.status_code': status, 'url.full': `http://${host}:${port}/price/9` },
  });
  const ids = await sendTraces(collector.otlpUrl, serviceResource('relay', 'relay-1'), [
    // The same downstream behind two addresses (pods): one kind; its port and status as they were.
    request('GET', '/quote/:id', at(5), { statusMessage: '', children: [call(at(5), '10.0.3.7', 8080, 503)] }, 503),
    request('GET', '/quote/:id', at(4), { statusMessage: '', children: [call(at(4), '10.0.3.8', 8080, 503)] }, 503),
    request('GET', '/quote/:id', at(3), { statusMessage: '', children: [call(at(3), 'users.internal', 8443, 404)] }, 500),
    // Nothing downstream: the status alone.
    request('GET', '/health', at(2), { statusMessage: '' }, 503),
  ]);
  await collector.storage.flush();

  const range = `from=${at(10)}&to=${now + MINUTE}`;
  const body = await getJson<ErrorGroupsResponse>(`${collector.httpUrl}/api/services/relay/errors?${range}`);
  assert.deepEqual(
    body.groups.map((g) => [g.kind, g.count, g.httpStatus]),
    [
      ['HTTP 503: GET <n>.<n>.<n>.<n>:8080 answered 503', 2, 503],
      ['HTTP 503', 1, 503],
      ['HTTP 500: GET users.internal:8443 answered 404', 1, 500],
    ],
  );
  assert.equal(body.groups[0]?.example.message, 'GET 10.0.3.8:8080 answered 503', 'the newest call as it was');

  // The trace list says the same of each, and its errorKind filter lists the group's traces.
  const listed = await getJson<TracesResponse>(`${collector.httpUrl}/api/traces?service=relay&${range}&errorKind=${encodeURIComponent('HTTP 503: GET <n>.<n>.<n>.<n>:8080 answered 503')}`);
  assert.deepEqual(listed.traces.map((tr) => [tr.traceId, tr.errorMessage]), [[ids[1], 'GET 10.0.3.8:8080 answered 503'], [ids[0], 'GET 10.0.3.7:8080 answered 503']]);
});
