// The advisor judges exactly its window, and a part of request time only over the requests
// that reported it. Data is placed at known times (OTLP/JSON through the real receiver into
// the SQLite file) before the window, inside it and in the partial minutes at its edges; the
// findings are read through /api/advisor and set against /api/services and the transactions
// for the same window.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AdvisorResponse, Finding, ServicesResponse, TransactionsResponse } from '../../collector/src/api-types';
import { getJson, startTestCollector, type TestCollector } from './support/collector-harness';

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;

type Attr = { key: string; value: { stringValue: string } | { doubleValue: number } | { intValue: number } };
const str = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });
const num = (key: string, v: number): Attr => ({ key, value: { doubleValue: v } });
const int = (key: string, v: number): Attr => ({ key, value: { intValue: v } });
const ns = (ms: number): string => (BigInt(Math.round(ms)) * 1_000_000n).toString();

function resource(service: string): { attributes: Attr[] } {
  return { attributes: [str('service.name', service), str('service.instance.id', `${service}-1`), str('host.name', 'test-host')] };
}

/** One delta histogram point of `count` values summing to `sumS` seconds, ending at `atMs` (a 3 s export interval). */
function point(route: string, atMs: number, count: number, sumS: number): Record<string, unknown> {
  const mean = sumS / count;
  return {
    attributes: [str('http.request.method', route === '/upload' ? 'POST' : 'GET'), str('http.route', route), int('http.response.status_code', 200)],
    startTimeUnixNano: ns(atMs - 3000),
    timeUnixNano: ns(atMs),
    count: String(count),
    sum: sumS,
    min: mean,
    max: mean,
    bucketCounts: [String(count), '0'],
    explicitBounds: [mean],
  };
}

interface Requests {
  route: string;
  atMs: number;
  count: number;
  durationMs: number;
  /** Of them, how many carried a queue-start header, and the wait. */
  queued?: { count: number; waitMs: number };
  /** Of them, how many had a body, and the time to read it. */
  bodies?: { count: number; readMs: number };
}

async function post(otlpUrl: string, signal: 'metrics' | 'logs', body: unknown): Promise<void> {
  const res = await fetch(`${otlpUrl}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  assert.equal(res.status, 200, `${signal} export answered ${res.status}`);
}

async function sendRequests(otlpUrl: string, service: string, list: Requests[]): Promise<void> {
  const histogram = (name: string, points: Record<string, unknown>[]): Record<string, unknown> => ({
    name,
    unit: 's',
    histogram: { aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA', dataPoints: points },
  });
  const metrics = [
    histogram('http.server.request.duration', list.map((r) => point(r.route, r.atMs, r.count, (r.count * r.durationMs) / 1000))),
    histogram('headroom.http.server.queue_wait', list.filter((r) => r.queued).map((r) => point(r.route, r.atMs, r.queued!.count, (r.queued!.count * r.queued!.waitMs) / 1000))),
    histogram('headroom.http.server.request_body.duration', list.filter((r) => r.bodies).map((r) => point(r.route, r.atMs, r.bodies!.count, (r.bodies!.count * r.bodies!.readMs) / 1000))),
  ].filter((m) => (m.histogram as { dataPoints: unknown[] }).dataPoints.length > 0);
  await post(otlpUrl, 'metrics', { resourceMetrics: [{ resource: resource(service), scopeMetrics: [{ scope: { name: 'headroom-test' }, metrics }] }] });
}

async function sendStalls(otlpUrl: string, service: string, route: string, times: number[]): Promise<void> {
  const logRecords = times.map((atMs) => ({
    timeUnixNano: ns(atMs),
    body: { stringValue: 'event loop blocked for 250 ms' },
    attributes: [str('event.name', 'headroom.eventloop.stall'), num('headroom.stall.duration_ms', 250), str('http.route', route), str('http.request.method', 'GET'), str('code.function', 'busyLoop')],
  }));
  await post(otlpUrl, 'logs', { resourceLogs: [{ resource: resource(service), scopeLogs: [{ scope: { name: 'headroom-test' }, logRecords }] }] });
}

describe('advisor window and shares', () => {
  let collector: TestCollector;
  let api: string;
  // A quarter hour well in the past: a 15-minute window read as one bucket aligned to the
  // clock would start here, minutes before the window asked for.
  const q = Math.floor(Date.now() / QUARTER) * QUARTER - 3 * QUARTER;

  before(async () => {
    collector = await startTestCollector();
    api = `${collector.httpUrl}/api`;
  });
  after(async () => {
    await collector.dispose();
  });

  const advisor = async (service: string, from: number, to: number): Promise<Finding[]> => {
    await collector.storage.flush();
    const r = await getJson<AdvisorResponse>(`${api}/advisor?service=${service}&from=${from}&to=${to}`);
    assert.equal(r.status, 200);
    return r.body.findings;
  };
  const serviceOf = async (service: string, from: number, to: number) => {
    const r = await getJson<ServicesResponse>(`${api}/services?from=${from}&to=${to}`);
    return r.body.services.find((s) => s.service === service);
  };

  it('reads only the whole minutes its window touches, stalls and requests alike', async () => {
    const svc = 'window-svc';
    const from = q + 5 * MINUTE + 15_000;
    const to = q + 20 * MINUTE + 15_000;
    // Before the window: every request queued 300 ms, and /stall blocked.
    await sendRequests(collector.otlpUrl, svc, [
      { route: '/fast', atMs: q + MINUTE + 30_000, count: 500, durationMs: 2, queued: { count: 500, waitMs: 300 } },
      { route: '/stall', atMs: q + MINUTE + 30_000, count: 5, durationMs: 250 },
    ]);
    await sendStalls(collector.otlpUrl, svc, '/stall', [1, 2, 3, 4, 5].map((i) => q + MINUTE + i * 1000));
    // Inside: in the partial first minute (before `from`), in the middle, and in the partial
    // last minute (after `to`). Every /stall request stalls.
    await sendRequests(collector.otlpUrl, svc, [
      { route: '/stall', atMs: q + 5 * MINUTE + 10_000, count: 2, durationMs: 250 },
      { route: '/fast', atMs: q + 10 * MINUTE + 30_000, count: 400, durationMs: 2 },
      { route: '/stall', atMs: q + 10 * MINUTE + 30_000, count: 3, durationMs: 250 },
      { route: '/stall', atMs: q + 20 * MINUTE + 50_000, count: 1, durationMs: 250 },
    ]);
    await sendStalls(collector.otlpUrl, svc, '/stall', [q + 5 * MINUTE + 2000, q + 5 * MINUTE + 4000, q + 10 * MINUTE + 1000, q + 10 * MINUTE + 2000, q + 10 * MINUTE + 3000, q + 20 * MINUTE + 40_000]);

    const findings = await advisor(svc, from, to);
    assert.deepEqual(findings.filter((f) => f.kind === 'queue.wait-share'), [], 'no request in the window carried a queue header');
    const blocking = findings.find((f) => f.kind === 'eventloop.blocking-route');
    assert.ok(blocking, `findings: ${findings.map((f) => f.kind).join(', ')}`);
    const window = blocking.evidence.window;
    assert.deepEqual(window, { from: q + 5 * MINUTE, to: q + 21 * MINUTE }, 'the window widened to whole minutes');
    assert.equal(blocking.evidence.figures.stalls, 6);
    assert.equal(blocking.evidence.figures.requests, 6);
    assert.equal(blocking.evidence.figures.shareOfRequests, 1);
    assert.match(blocking.evidence.summary, /^6 stalls in GET \/stall over the last 15 minutes \(100 % of its 6 requests\)/);
    assert.match(blocking.evidence.chartLink, new RegExp(`from=${window.from}&to=${window.to}&`));

    // The same minutes through the other endpoints, asked with the finding's window or the asked one.
    const tx = await getJson<TransactionsResponse>(`${api}/services/${svc}/transactions?from=${window.from}&to=${window.to}`);
    assert.equal(tx.body.transactions.find((x) => x.route === 'GET /stall')?.stalls, 6);
    assert.equal(tx.body.transactions.find((x) => x.route === 'GET /stall')?.requests, 6);
    for (const [a, b] of [[window.from, window.to], [from, to]] as const) {
      const s = await serviceOf(svc, a, b);
      assert.equal(s?.requests, 406);
      assert.equal(s?.queueWaitShare, null);
    }
  });

  it('sets queue wait against the response time of the requests that carried the header', async () => {
    const svc = 'queue-minority-svc';
    const from = q + 30 * MINUTE;
    const to = q + 40 * MINUTE;
    // 150 fast requests behind a proxy waited 100 ms; 1 000 slow ones came in directly.
    await sendRequests(collector.otlpUrl, svc, [
      { route: '/fast', atMs: q + 32 * MINUTE + 30_000, count: 150, durationMs: 1, queued: { count: 150, waitMs: 100 } },
      { route: '/slow', atMs: q + 32 * MINUTE + 30_000, count: 1000, durationMs: 400 },
    ]);
    const s = await serviceOf(svc, from, to);
    assert.equal(s?.requests, 1150);
    assert.equal(s?.queueWaitRequests, 150);
    assert.ok(Math.abs((s?.queueWaitShare ?? 0) - 100 / 101) < 1e-9, `share ${s?.queueWaitShare}`);

    const f = (await advisor(svc, from, to)).find((x) => x.kind === 'queue.wait-share');
    assert.ok(f, 'a queue-wait finding');
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.evidence.figures, { queueWaitShare: 0.99, meanQueueWaitMs: 100, meanResponseMs: 1, requestsWithHeader: 150, requests: 1150 });
    assert.equal(f.title, 'Queue wait is 99 % of response time for the 13 % of requests with a queue-start header: capacity is short in front of the app');
    assert.match(f.evidence.summary, /150 of 1,150 requests \(13 %\) carried a queue-start header .*; those waited 100 ms on average before the app saw them and then took 1 ms in the app: 99 % of their time went to queueing\. The other requests did not say how long they waited\.$/);
  });

  it('sets body read against the response time of the requests that had a body', async () => {
    const svc = 'body-minority-svc';
    const from = q + 30 * MINUTE;
    const to = q + 40 * MINUTE;
    // 150 uploads whose bodies took 30 ms to read in 2 s handlers, among 5 000 fast GETs: the
    // body read is 1.5 % of the uploads' time, not half of the service's mean response time.
    await sendRequests(collector.otlpUrl, svc, [
      { route: '/upload', atMs: q + 33 * MINUTE + 30_000, count: 150, durationMs: 2000, bodies: { count: 150, readMs: 30 } },
      { route: '/fast', atMs: q + 33 * MINUTE + 30_000, count: 5000, durationMs: 1 },
    ]);
    await collector.storage.flush();
    const parts = collector.storage.requestParts({ service: svc, from, to });
    assert.equal(parts.bodyRead.requests, 150);
    assert.equal(parts.bodyRead.responseSumMs, 150 * 2000);
    assert.deepEqual((await advisor(svc, from, to)).filter((x) => x.kind.startsWith('slow-clients.')), []);
  });
});
