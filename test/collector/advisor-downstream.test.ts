// The advisor reads where a route's time goes from its kept traces, end to end (real OTel
// exporters → receiver → SQLite → GET /api/advisor): a route whose time is mostly one query,
// and an N+1 (1 + 20 queries per request), each with its figures and a trace to open; a route
// whose queries are few or whose repeats are rare gets neither.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { AdvisorResponse, Finding } from '../../collector/src/api-types';
import { getJson, sendLogs, sendMetrics, sendTraces, serviceResource, startTestCollector, type SpanSpec, type TestCollector } from './support/collector-harness';

const SERVICE = 'orders-advice';
const TRACES = 6;

function pg(text: string, startMs: number, durationMs: number): SpanSpec {
  return { name: 'pg.query:SELECT', kind: SpanKind.CLIENT, startMs, durationMs, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text } };
}

function request(method: string, route: string, t0: number, durationMs: number, children: SpanSpec[]): SpanSpec {
  return { name: `${method} ${route}`, startMs: t0, durationMs, attributes: { 'http.route': route, 'http.request.method': method }, children };
}

/** 1 + 20 queries of 2 ms, one after another, each after its pool connect (as pg's pool does it): 42 of 60 ms. */
function nPlusOne(t0: number, orderId: number): SpanSpec {
  const items = Array.from({ length: 20 }, (_, i) => [
    { name: 'pg-pool.connect', kind: SpanKind.CLIENT, startMs: t0 + 4 + 2 * i, durationMs: 0.1, attributes: { 'db.system': 'postgresql' } },
    pg(`SELECT * FROM items WHERE order_id = ${orderId} AND id = ${i}`, t0 + 4.1 + 2 * i, 1.9),
  ]).flat();
  return request('GET', '/orders/:id/items', t0, 60, [pg('SELECT * FROM orders WHERE id = $1', t0 + 1, 2), ...items]);
}

/** 302 ms of a 304 ms request in one query. */
function slowReport(t0: number): SpanSpec {
  return request('GET', '/reports/slow', t0, 304, [pg('SELECT pg_sleep(0.3)', t0 + 1, 302)]);
}

/** Twenty repeats in a third of the requests only: not most of them. */
function sometimes(t0: number, i: number): SpanSpec {
  const n = i % 3 === 0 ? 20 : 1;
  return request('GET', '/sometimes', t0, 150, Array.from({ length: n }, (_, k) => pg(`SELECT * FROM notes WHERE id = ${k}`, t0 + 1 + k, 1)));
}

describe('advisor: time in downstreams and N+1 from kept traces', () => {
  let collector: TestCollector;
  let findings: Finding[];
  const now = Date.now();

  before(async () => {
    collector = await startTestCollector();
    const resource = serviceResource(SERVICE, 'orders-1');
    await sendMetrics(collector.otlpUrl, resource, (m) => {
      for (const [route, seconds] of [['/orders/:id/items', 0.06], ['/reports/slow', 0.304], ['/sometimes', 0.15]] as const) {
        m.histogram('http.server.request.duration', 's', Array<number>(TRACES).fill(seconds), { 'http.request.method': 'GET', 'http.route': route, 'http.response.status_code': 200 });
      }
    });
    const roots: SpanSpec[] = [];
    for (let i = 0; i < TRACES; i++) {
      const t0 = now - 120_000 + i * 5_000;
      roots.push(nPlusOne(t0, i), slowReport(t0 + 1000), sometimes(t0 + 2000, i));
    }
    await sendTraces(collector.otlpUrl, resource, roots);
    await collector.storage.flush();
    const res = await getJson<AdvisorResponse>(`${collector.httpUrl}/api/advisor?service=${SERVICE}&from=${now - 600_000}&to=${now + 60_000}`);
    assert.equal(res.status, 200);
    findings = res.body.findings;
  });

  after(async () => {
    await collector.dispose();
  });

  const of = (kind: string): Finding[] => findings.filter((f) => f.kind === kind);

  it('names a slow route that spends most of its time in one database, with its top statement', () => {
    const shares = of('downstream.time-share');
    assert.deepEqual(shares.map((f) => f.evidence.figures.route), ['GET /reports/slow'], JSON.stringify(findings.map((f) => f.title)));
    const f = shares[0] as Finding;
    assert.equal(f.title, 'Route GET /reports/slow spends 99 % of its time in postgresql');
    assert.equal(f.severity, 'warning');
    assert.equal(f.evidence.figures.share, 0.9934);
    assert.equal(f.evidence.figures.meanRequestMs, 304);
    assert.equal(f.evidence.figures.meanDownstreamMs, 302);
    assert.equal(f.evidence.figures.traces, TRACES);
    assert.equal(f.evidence.figures.topStatement, 'SELECT pg_sleep(?)');
    assert.match(String(f.evidence.figures.exampleTrace), new RegExp(`^/services/${SERVICE}/traces/[0-9a-f]{32}$`));
    assert.match(f.evidence.chartLink, /^\/services\/orders-advice\/transactions\?.*route=GET\+%2Freports%2Fslow/);
    // No stall held this service's loop: the time is the database's.
    assert.match(f.cause, /More processes or a faster event loop would not shorten it/);
    assert.equal(f.evidence.figures.loopBlockedShare, undefined);
  });

  it('finds the N+1: the same statement ~20 times in most requests of the route', () => {
    // One finding: the connects that repeat with the query are not a second N+1.
    const n1 = of('downstream.n-plus-one');
    assert.equal(n1.length, 1, JSON.stringify(n1.map((f) => f.title)));
    const f = n1[0] as Finding;
    assert.equal(f.title, 'N+1: route GET /orders/:id/items runs the same statement ~20 times per request');
    assert.equal(f.evidence.figures.statement, 'SELECT * FROM items WHERE order_id = ? AND id = ?');
    assert.equal(f.evidence.figures.medianPerRequest, 20);
    assert.equal(f.evidence.figures.maxPerRequest, 20);
    assert.equal(f.evidence.figures.msPerRequest, 38);
    assert.equal(f.evidence.figures.traces, TRACES);
    assert.match(String(f.evidence.figures.exampleTrace), /\/traces\/[0-9a-f]{32}$/);
    assert.match(f.evidence.summary, /ran "SELECT \* FROM items WHERE order_id = \? AND id = \?" 20 times in the median request/);
    // The N+1 route is fast (60 ms): no time-share finding for it, and none for /sometimes,
    // whose queries take 1–20 of 150 ms.
    assert.ok(!of('downstream.time-share').some((x) => x.evidence.figures.route !== 'GET /reports/slow'));
  });
});

describe("advisor: a call's time read while stalls block the caller's loop", () => {
  // QA: GET /quote's calls to a service that answers in 250 ms read 427 ms while the app's two
  // workers were blocked by stalls half the time; the finding blamed the callee alone and said
  // more processes would not shorten it.
  let collector: TestCollector;
  let findings: Finding[];
  const now = Date.now();

  before(async () => {
    collector = await startTestCollector();
    const resource = serviceResource('quote-advice', 'quote-1');
    await sendMetrics(collector.otlpUrl, resource, (m) => {
      m.histogram('http.server.request.duration', 's', Array<number>(TRACES).fill(0.404), { 'http.request.method': 'GET', 'http.route': '/quote', 'http.response.status_code': 200 });
    });
    const roots: SpanSpec[] = Array.from({ length: TRACES }, (_, i) =>
      request('GET', '/quote', now - 120_000 + i * 5_000, 404, [
        { name: 'GET', kind: SpanKind.CLIENT, startMs: now - 120_000 + i * 5_000 + 1, durationMs: 400, attributes: { 'http.request.method': 'GET', 'server.address': 'rates.internal', 'server.port': 80 } },
      ]),
    );
    await sendTraces(collector.otlpUrl, resource, roots);
    // 100 stalls of 1 s in another route of the same process, spread over the window.
    const stalls = Array.from({ length: 100 }, (_, i) => ({
      timeMs: now - 590_000 + i * 5_000,
      attributes: {
        'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 1000, 'headroom.stall.cpu_ms': 900,
        'code.function': 'render', 'code.filepath': '/app/export.js', 'code.lineno': 7, 'http.request.method': 'GET', 'http.route': '/export',
      },
    }));
    await sendLogs(collector.otlpUrl, resource, stalls);
    // Its cluster primary, which serves nothing, had one stall (a starved moment): it is no
    // process whose calls waited, and does not halve the share.
    await sendLogs(collector.otlpUrl, serviceResource('quote-advice', 'quote-primary', { 'headroom.cluster.role': 'primary' }), [
      { timeMs: now - 300_000, attributes: { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 1000, 'headroom.stall.cpu_ms': 100 } },
    ]);
    await collector.storage.flush();
    const res = await getJson<AdvisorResponse>(`${collector.httpUrl}/api/advisor?service=quote-advice&from=${now - 600_000}&to=${now + 60_000}`);
    assert.equal(res.status, 200);
    findings = res.body.findings;
  });

  after(async () => {
    await collector.dispose();
  });

  it('says part of the time may be the app\'s own loop, and does not say more processes would not help', () => {
    const f = findings.find((x) => x.kind === 'downstream.time-share');
    assert.ok(f, JSON.stringify(findings.map((x) => x.title)));
    assert.equal(f.evidence.figures.downstream, 'rates.internal:80');
    const windowMs = f.evidence.window.to - f.evidence.window.from;
    assert.equal(f.evidence.figures.loopBlockedShare, Math.round((100_000 / windowMs) * 1e4) / 1e4);
    assert.match(f.evidence.summary, /Part of it may be this app's own: stalls blocked its processes' event loops \d+ % of the time/);
    assert.match(f.cause, /or on its own event loop/);
    assert.doesNotMatch(f.cause, /would not shorten it/);
    assert.match(f.change, /^First move the blocking work off the event loop/);
  });
});
