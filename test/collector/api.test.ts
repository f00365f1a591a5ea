// The query API end to end: real OTel SDK + protobuf exporters → receiver → SQLite file →
// /api, asserting the figures against what was sent.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  ApiError,
  EventsResponse,
  InstanceSeriesResponse,
  InstancesResponse,
  ServiceSeriesResponse,
  ServicesResponse,
  StallsResponse,
  TraceResponse,
  TracesResponse,
  TransactionsResponse,
} from '../../collector/src/api-types';
import { getJson, sendLogs, sendMetrics, sendTraces, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';

const SERVICE = 'checkout';
const INSTANCE = 'checkout-1';

/** Nearest-rank percentile of a sorted list. */
function percentile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

function assertWithin(actual: number | null, expected: number, relative: number, what: string): void {
  assert.ok(actual !== null, `${what} is null`);
  assert.ok(Math.abs(actual - expected) <= expected * relative, `${what}: ${actual} not within ${relative * 100}% of ${expected}`);
}

describe('query API with real exporters', () => {
  let collector: TestCollector;
  let api: string;
  const now = Date.now();
  // 1000 requests on /orders/:id from 100 to 299.8 ms, every tenth a 500; 250 on /health at 2 ms.
  const orders = Array.from({ length: 1000 }, (_, i) => 100 + 0.2 * i);
  const health = Array.from({ length: 250 }, () => 2);
  const all = [...orders, ...health].sort((a, b) => a - b);
  let slowTraceId = '';
  let fastTraceIds: string[] = [];

  before(async () => {
    collector = await startTestCollector();
    api = `${collector.httpUrl}/api`;
    const resource = serviceResource(SERVICE, INSTANCE);

    await sendMetrics(collector.otlpUrl, resource, (m) => {
      const ok = orders.filter((_, i) => i % 10 !== 0);
      const failed = orders.filter((_, i) => i % 10 === 0);
      const base = { 'http.request.method': 'GET', 'http.route': '/orders/:id' };
      m.histogram('http.server.request.duration', 's', ok.map((ms) => ms / 1000), { ...base, 'http.response.status_code': 200 });
      m.histogram('http.server.request.duration', 's', failed.map((ms) => ms / 1000), { ...base, 'http.response.status_code': 500 });
      m.histogram('http.server.request.duration', 's', health.map((ms) => ms / 1000), {
        'http.request.method': 'GET',
        'http.route': '/health',
        'http.response.status_code': 200,
      });
      m.gauge('process.memory.usage', 'By', 150_000_000);
      m.gauge('v8js.memory.heap.used', 'By', 40_000_000);
      m.gauge('v8js.memory.heap.limit', 'By', 4_000_000_000);
      m.gauge('nodejs.eventloop.utilization', '1', 0.25);
    });

    const ids = await sendTraces(collector.otlpUrl, resource, [
      {
        name: 'GET /orders/:id',
        startMs: now - 60_000,
        durationMs: 900,
        error: true,
        attributes: { 'http.route': '/orders/:id', 'http.request.method': 'GET', 'http.response.status_code': 500 },
        children: [{ name: 'pg.query SELECT', startMs: now - 60_000 + 10, durationMs: 600, attributes: { 'db.system': 'postgresql' } }],
      },
      ...[1, 2, 3].map((n) => ({
        name: 'GET /orders/:id',
        startMs: now - 50_000 + n * 1000,
        durationMs: 150,
        attributes: { 'http.route': '/orders/:id', 'http.request.method': 'GET', 'http.response.status_code': 200 },
      })),
    ]);
    [slowTraceId = '', ...fastTraceIds] = ids;

    await sendLogs(collector.otlpUrl, resource, [
      {
        timeMs: now - 59_500,
        body: 'event loop blocked for 230 ms',
        attributes: {
          'event.name': 'headroom.eventloop.stall',
          'headroom.stall.duration_ms': 230,
          'http.route': '/orders/:id',
          'http.request.method': 'GET',
          'code.function': 'sortHugeArray',
          'code.filepath': '/app/orders.js',
          'code.lineno': 42,
        },
      },
    ]);
    await collector.storage.flush();
  });

  after(async () => {
    await collector.dispose();
  });

  it('lists the service with its headline figures', async () => {
    const { status, body } = await getJson<ServicesResponse>(`${api}/services`);
    assert.equal(status, 200);
    const service = body.services.find((s) => s.service === SERVICE);
    assert.ok(service, JSON.stringify(body));
    assert.equal(service.requests, 1250);
    assertWithin(service.errorRate, 100 / 1250, 1e-9, 'errorRate');
    assertWithin(service.p50Ms, percentile(all, 0.5), 0.02, 'p50');
    assertWithin(service.p95Ms, percentile(all, 0.95), 0.02, 'p95');
    assertWithin(service.p99Ms, percentile(all, 0.99), 0.02, 'p99');
    assert.equal(service.instances, 1);
    // The default hour, widened to the whole minutes its figures count.
    assert.ok(body.from % 60_000 === 0 && body.to % 60_000 === 0, 'whole minutes');
    assert.ok(body.to - body.from === 3_600_000 || body.to - body.from === 3_660_000, `default range is one hour: ${body.to - body.from} ms`);
  });

  it('gives a series whose buckets add up to what was sent', async () => {
    const { status, body } = await getJson<ServiceSeriesResponse>(`${api}/services/${SERVICE}/series?range=1h`);
    assert.equal(status, 200);
    assert.equal(body.bucketMs, 60_000);
    assert.equal(body.t.length, body.requests.length);
    assert.ok(body.t.length <= 61);
    assert.equal(body.requests.reduce((a, b) => a + b, 0), 1250);

    const route = await getJson<ServiceSeriesResponse>(`${api}/services/${SERVICE}/series?range=24h&route=${encodeURIComponent('GET /health')}`);
    assert.equal(route.status, 200);
    assert.equal(route.body.bucketMs, 5 * 60_000);
    assert.equal(route.body.route, 'GET /health');
    assert.equal(route.body.requests.reduce((a, b) => a + b, 0), 250);
  });

  it('ranks transactions by total time', async () => {
    const { status, body } = await getJson<TransactionsResponse>(`${api}/services/${SERVICE}/transactions`);
    assert.equal(status, 200);
    assert.deepEqual(body.transactions.map((t) => t.route), ['GET /orders/:id', 'GET /health']);
    const [ordersRow, healthRow] = body.transactions;
    assert.equal(ordersRow?.requests, 1000);
    assert.equal(ordersRow?.errors, 100);
    assertWithin(ordersRow?.totalTimeMs ?? null, orders.reduce((a, b) => a + b, 0), 0.01, 'orders total time');
    assertWithin(ordersRow?.p95Ms ?? null, percentile(orders, 0.95), 0.02, 'orders p95');
    assert.equal(healthRow?.requests, 250);
  });

  it('echoes the whole minutes a transactions answer counted, not the narrower window asked for', async () => {
    // Rollups are per minute: a window of 1 ms inside a minute counts that whole minute, and
    // says so. The data's minute is the one of now or the next (the export ran just after).
    const minute = Math.floor(now / 60_000) * 60_000;
    let counted = 0;
    for (const m of [minute, minute + 60_000]) {
      const { status, body } = await getJson<TransactionsResponse>(`${api}/services/${SERVICE}/transactions?from=${m + 20_000}&to=${m + 20_001}`);
      assert.equal(status, 200);
      assert.deepEqual([body.from, body.to], [m, m + 60_000]);
      counted += body.transactions.find((t) => t.route === 'GET /orders/:id')?.requests ?? 0;
    }
    assert.equal(counted, 1000);
  });

  it('finds traces by duration and error, and returns one trace as a span tree', async () => {
    const slow = await getJson<TracesResponse>(`${api}/traces?service=${SERVICE}&minDurationMs=500`);
    assert.equal(slow.status, 200);
    assert.deepEqual(slow.body.traces.map((t) => t.traceId), [slowTraceId]);
    assert.equal(slow.body.traces[0]?.spanCount, 2);

    const errorsOnly = await getJson<TracesResponse>(`${api}/traces?error=true`);
    assert.deepEqual(errorsOnly.body.traces.map((t) => t.traceId), [slowTraceId]);

    const everything = await getJson<TracesResponse>(`${api}/traces?service=${SERVICE}&route=${encodeURIComponent('GET /orders/:id')}&limit=10`);
    assert.deepEqual(new Set(everything.body.traces.map((t) => t.traceId)), new Set([slowTraceId, ...fastTraceIds]));

    const limited = await getJson<TracesResponse>(`${api}/traces?limit=2`);
    assert.equal(limited.body.traces.length, 2);

    const one = await getJson<TraceResponse>(`${api}/traces/${slowTraceId}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.spans.length, 2);
    const [root, child] = one.body.spans;
    assert.equal(root?.parentSpanId, null);
    assert.equal(child?.parentSpanId, root?.spanId);
    assert.equal(root?.durationMs, 900);
    assert.equal(root?.status.code, 2);
  });

  it('answers 404 for an unknown trace and for an unknown API route', async () => {
    const missing = await getJson<ApiError>(`${api}/traces/${'ab'.repeat(16)}`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'HR_API_NOT_FOUND');
    const noRoute = await getJson<ApiError>(`${api}/nothing-here`);
    assert.equal(noRoute.status, 404);
    assert.equal(noRoute.body.error.code, 'HR_API_NOT_FOUND');
  });

  it('lists events and stalls', async () => {
    const events = await getJson<EventsResponse>(`${api}/events?service=${SERVICE}&type=stall`);
    assert.equal(events.status, 200);
    assert.equal(events.body.events.length, 1);
    const [stall] = events.body.events;
    assert.equal(stall?.type, 'stall');
    assert.equal(stall?.durationMs, 230);
    assert.equal(stall?.route, 'GET /orders/:id');
    assert.equal(stall?.instanceId, INSTANCE);

    const none = await getJson<EventsResponse>(`${api}/events?type=uncaught_exception`);
    assert.deepEqual(none.body.events, []);

    const stalls = await getJson<StallsResponse>(`${api}/services/${SERVICE}/stalls`);
    assert.equal(stalls.status, 200);
    assert.equal(stalls.body.groups.length, 1);
    assert.equal(stalls.body.groups[0]?.count, 1);
    assert.equal(stalls.body.groups[0]?.totalMs, 230);
  });

  it('lists the instance with its memory and utilisation', async () => {
    const { status, body } = await getJson<InstancesResponse>(`${api}/services/${SERVICE}/instances`);
    assert.equal(status, 200);
    assert.equal(body.instances.length, 1);
    const [instance] = body.instances;
    assert.equal(instance?.instanceId, INSTANCE);
    assert.equal(instance?.rssBytes, 150_000_000);
    assert.equal(instance?.heapUsedBytes, 40_000_000);
    assert.equal(instance?.eventLoopUtilization, 0.25);

    const series = await getJson<InstanceSeriesResponse>(`${api}/services/${SERVICE}/instances/series?range=15m`);
    assert.equal(series.status, 200);
    assert.equal(series.body.bucketMs, 60_000);
    assert.deepEqual(series.body.instances.map((i) => i.instanceId), [INSTANCE]);
    assert.ok(series.body.instances[0]?.rssBytes.includes(150_000_000));
  });

  it('answers 400 with an ApiError for bad parameters, and keeps serving', async () => {
    const cases: [string, string, RegExp][] = [
      ['/services?range=2y', 'HR_API_BAD_RANGE', /range must be one of/],
      [`/services/${SERVICE}/series?from=10&to=5`, 'HR_API_BAD_RANGE', /to must not be before from/],
      [`/services/${SERVICE}/series?from=0&to=${31 * 86_400_000 + 1}`, 'HR_API_BAD_RANGE', /31 days/],
      ['/traces?limit=5000', 'HR_API_BAD_PARAM', /limit must be a whole number from 1 to 1000/],
      ['/traces?minDurationMs=fast', 'HR_API_BAD_PARAM', /minDurationMs/],
      ['/traces?error=maybe', 'HR_API_BAD_PARAM', /error must be true or false/],
      ['/traces?notable=true', 'HR_API_BAD_PARAM', /notable needs a service/],
      [`/traces?service=${SERVICE}&sort=slowest`, 'HR_API_BAD_PARAM', /sort must be start or duration/],
      [`/traces?service=${SERVICE}&offset=-5`, 'HR_API_BAD_PARAM', /offset must be a whole number/],
      ['/traces?service=a&service=b', 'HR_API_BAD_PARAM', /service must be given once/],
      ['/traces/not-a-trace-id', 'HR_API_BAD_PARAM', /32 hexadecimal digits/],
      ['/events?type=explosion', 'HR_API_BAD_PARAM', /type must be one or more of stall, start, .*, comma-separated/],
      // Routes are stored as transactions, "GET /orders/:id": a path alone matched nothing and read as no traffic.
      [`/services/${SERVICE}/series?route=${encodeURIComponent('/orders/:id')}`, 'HR_API_BAD_PARAM', /route "\/orders\/:id" names no method: transactions are "METHOD \/path", e\.g\. "GET \/orders\/:id"/],
      [`/services/${SERVICE}/series?route=${encodeURIComponent('get /orders/:id')}`, 'HR_API_BAD_PARAM', /is not a transaction name/],
      ['/services?to=1', 'HR_API_BAD_RANGE', /to 1 alone looks back one hour, to before 1970/],
      ['/services?to=99999999999999999', 'HR_API_BAD_RANGE', /to must be epoch milliseconds/],
    ];
    for (const [path, code, message] of cases) {
      const { status, body, headers } = await getJson<ApiError>(`${api}${path}`);
      assert.equal(status, 400, path);
      assert.match(headers.get('content-type') ?? '', /application\/json/);
      assert.equal(body.error.code, code, path);
      assert.match(body.error.message, message, path);
    }
    const still = await getJson<ServicesResponse>(`${api}/services`);
    assert.equal(still.status, 200);
    assert.equal(still.body.services.find((s) => s.service === SERVICE)?.requests, 1250);
  });

  it('sets the security headers on every response', async () => {
    for (const path of ['/api/services', '/api/traces?limit=0', '/', '/healthz', '/metrics', '/no-such-page']) {
      const res = await fetch(`${collector.httpUrl}${path}`);
      await res.arrayBuffer();
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, path);
      assert.match(csp, /connect-src 'self';/, path);
      assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/, path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    }
  });
});
