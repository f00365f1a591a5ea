// Where a route's time goes, end to end: spans with known timings through the real OTel
// exporter → receiver → SQLite → /api/services/:service/time-breakdown. Parallel queries
// count their wall time once; a nested local root (the service calling itself) is not the
// outer request's own database time; literals never reach the page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { TimeBreakdownResponse } from '../../collector/src/api-types';
import { normaliseStatement } from '../../collector/src/store/downstream-spans';
import { unionLength } from '../../collector/src/store/interval-union';
import { getJson, sendTraces, serviceResource, startTestCollector, type SpanSpec, type TestCollector } from './support/collector-harness';

const SERVICE = 'orders';
const ITEMS = 'GET /orders/:id/items';

function pg(text: string, startMs: number, durationMs: number): SpanSpec {
  return { name: `pg.query:${text.split(' ')[0] ?? ''}`, kind: SpanKind.CLIENT, startMs, durationMs, attributes: { 'db.system.name': 'postgresql', 'db.query.text': text } };
}

/**
 * One N+1 request, 100 ms: the pool's connect 2–4 (2 ms waiting for a connection) and the
 * order 4–8 (4 ms), 12 item queries of 3 ms (36 ms), two parallel queries 70–80 and 75–85
 * (15 ms of wall time, 20 of span time), a fetch to catalog 86–96 (10 ms) with a redis GET
 * 88–90 beside it (2 ms, inside the fetch's time). Database 4 + 36 + 15 + 2 = 57 ms
 * (postgresql 55, redis 2), pool wait 2, external 10, app 100 − (6 + 36 + 15 + 10) = 33.
 */
function itemsTrace(t0: number, orderId: number): SpanSpec {
  const items = Array.from({ length: 12 }, (_, i) => pg(`SELECT * FROM items WHERE order_id = ${orderId} AND n = ${i}`, t0 + 10 + 5 * i, 3));
  return {
    name: ITEMS,
    startMs: t0,
    durationMs: 100,
    attributes: { 'http.route': '/orders/:id/items', 'http.request.method': 'GET' },
    children: [
      {
        name: 'request handler',
        startMs: t0 + 1,
        durationMs: 98,
        children: [
          { name: 'pg-pool.connect', startMs: t0 + 2, durationMs: 2, attributes: { 'db.system': 'postgresql' } },
          pg('SELECT * FROM orders WHERE id = $1', t0 + 4, 4),
          ...items,
          pg('SELECT count(*) FROM reviews', t0 + 70, 10),
          pg('SELECT count(*) FROM stock', t0 + 75, 10),
          {
            name: 'GET',
            kind: SpanKind.CLIENT,
            startMs: t0 + 86,
            durationMs: 10,
            attributes: { 'http.request.method': 'GET', 'server.address': 'catalog.local', 'server.port': 3001 },
            // The service calling itself: its own request, not this one's database time.
            children: [
              { name: 'GET', kind: SpanKind.SERVER, startMs: t0 + 87, durationMs: 8, attributes: { 'http.request.method': 'GET' }, children: [pg('SELECT 1', t0 + 88, 6)] },
            ],
          },
          { name: 'redis-GET', kind: SpanKind.CLIENT, startMs: t0 + 88, durationMs: 2, attributes: { 'db.system': 'redis', 'db.operation.name': 'GET' } },
        ],
      },
    ],
  };
}

describe('time breakdown from kept traces', () => {
  let collector: TestCollector;
  let api: string;
  const now = Date.now();
  let ids: string[];

  before(async () => {
    collector = await startTestCollector();
    api = `${collector.httpUrl}/api/services/${SERVICE}/time-breakdown`;
    ids = await sendTraces(collector.otlpUrl, serviceResource(SERVICE, 'orders-1'), [
      itemsTrace(now - 30_000, 7),
      itemsTrace(now - 20_000, 8),
      {
        name: 'POST /login',
        startMs: now - 10_000,
        durationMs: 40,
        attributes: { 'http.route': '/login', 'http.request.method': 'POST' },
        children: [
          pg("SELECT id FROM users WHERE name = 'ann' AND password = 'hunter2'", now - 9_990, 20),
          // A key-value store's text holds its keys: the command alone is the statement.
          { name: 'get', kind: SpanKind.CLIENT, startMs: now - 9_960, durationMs: 1, attributes: { 'db.system': 'redis', 'db.statement': 'get session:s3cr3t-token' } },
        ],
      },
      // Outside the asked range.
      itemsTrace(now - 900_000, 9),
      // A request over the agent's recording budget: its server span alone, marked partial.
      { name: ITEMS, startMs: now - 5_000, durationMs: 500, attributes: { 'http.route': '/orders/:id/items', 'http.request.method': 'GET', 'headroom.trace.partial': true } },
      // A request with no database call.
      { name: 'GET /health', startMs: now - 4_000, durationMs: 1, attributes: { 'http.route': '/health', 'http.request.method': 'GET' } },
    ]);
    await collector.storage.flush();
  });

  after(async () => {
    await collector.dispose();
  });

  const range = (): string => `from=${now - 600_000}&to=${now + 60_000}`;

  it('splits a route\'s server time into database, external and app, overlaps counted once', async () => {
    const res = await getJson<TimeBreakdownResponse>(`${api}?${range()}&route=${encodeURIComponent(ITEMS)}`);
    assert.equal(res.status, 200);
    const b = res.body;
    assert.equal(b.route, ITEMS);
    assert.equal(b.traces, 2, 'the partial trace is left out');
    assert.equal(b.tracesWithDatabase, 2);
    assert.equal(b.traceLimit, 100);
    assert.ok(Math.abs(b.totalMs - 200) < 0.01, `total ${b.totalMs}`);
    assert.ok(Math.abs(b.databaseMs - 114) < 0.01, `database ${b.databaseMs}`);
    assert.ok(Math.abs(b.poolWaitMs - 4) < 0.01, `pool wait ${b.poolWaitMs}`);
    assert.ok(Math.abs(b.externalMs - 20) < 0.01, `external ${b.externalMs}`);
    assert.ok(Math.abs(b.appMs - 66) < 0.01, `app ${b.appMs}`);
    assert.ok(Math.abs(b.databaseShare - 0.57) < 1e-4);
    assert.ok(Math.abs(b.poolWaitShare - 0.02) < 1e-4);
    assert.ok(Math.abs(b.appShare - 0.33) < 1e-4);
    assert.deepEqual(b.databases.map((d) => [d.name, Math.round(d.totalMs * 1000) / 1000, d.calls]), [['postgresql', 110, 2 * 15], ['redis', 4, 2]]);
    assert.deepEqual(b.pools.map((d) => [d.name, Math.round(d.totalMs * 1000) / 1000, d.calls]), [['postgresql', 4, 2]]);
    assert.deepEqual(b.externals.map((d) => [d.name, Math.round(d.totalMs * 1000) / 1000, d.calls]), [['catalog.local:3001', 20, 2]]);
    assert.ok(b.exampleTraceId !== null && ids.slice(0, 2).includes(b.exampleTraceId));
  });

  it('lists the route\'s statements with their literals replaced, calls per request and time', async () => {
    const b = (await getJson<TimeBreakdownResponse>(`${api}?${range()}&route=${encodeURIComponent(ITEMS)}`)).body;
    const items = b.statements[0];
    assert.ok(items);
    assert.equal(items.statement, 'SELECT * FROM items WHERE order_id = ? AND n = ?');
    assert.equal(items.system, 'postgresql');
    assert.equal(items.calls, 24);
    assert.equal(items.callsPerRequest, 12);
    assert.equal(items.medianPerRequest, 12);
    assert.equal(items.maxPerRequest, 12);
    assert.ok(Math.abs(items.meanMs - 3) < 0.01 && Math.abs(items.totalMs - 72) < 0.01);
    const names = b.statements.map((s) => s.statement);
    assert.ok(names.includes('SELECT * FROM orders WHERE id = $1'));
    assert.ok(names.includes('GET'), 'a statement without text is named by its operation');
    assert.ok(!names.includes('pg-pool.connect'), 'a pool checkout is a wait for a connection, not a statement');
    assert.equal(items.source, 'query');
    assert.ok(!names.includes('SELECT ?'), 'the nested local root\'s query is not this route\'s');
  });

  it('a whole service without a route reads every route\'s traces; no literal reaches the answer', async () => {
    const res = await getJson<TimeBreakdownResponse>(`${api}?${range()}`);
    assert.equal(res.body.route, null);
    // Two items requests, their two nested local roots (requests of their own), the login and
    // the health check; all but the health check called the database.
    assert.equal(res.body.traces, 6);
    assert.equal(res.body.tracesWithDatabase, 5);
    const login = res.body.statements.find((s) => s.statement.includes('users'));
    assert.equal(login?.statement, 'SELECT id FROM users WHERE name = ? AND password = ?');
    assert.ok(!JSON.stringify(res.body).includes('hunter2'));
    assert.deepEqual(res.body.statements.filter((s) => s.system === 'redis').map((s) => [s.statement, s.source]), [['GET', 'operation']]);
    assert.ok(!JSON.stringify(res.body).includes('s3cr3t'));
  });

  it('a route with no kept traces answers zeros, and an unknown service 404', async () => {
    const empty = await getJson<TimeBreakdownResponse>(`${api}?${range()}&route=${encodeURIComponent('GET /nothing')}`);
    assert.equal(empty.status, 200);
    assert.equal(empty.body.traces, 0);
    assert.equal(empty.body.databaseShare, 0);
    assert.equal(empty.body.exampleTraceId, null);
    assert.deepEqual(empty.body.statements, []);
    const unknown = await getJson(`${collector.httpUrl}/api/services/nobody/time-breakdown?${range()}`);
    assert.equal(unknown.status, 404);
    // A path without its method would match no trace and read as a route with none: a 400 says what to write.
    const pathOnly = await getJson(`${api}?${range()}&route=${encodeURIComponent('/orders/:id/items')}`);
    assert.equal(pathOnly.status, 400);
  });

  it('unions overlapping intervals and normalises literals', () => {
    assert.equal(unionLength([[0, 10], [5, 15], [20, 25], [24, 30], [40, 40], [50, 45]]), 25);
    assert.equal(unionLength([[0, 100], [10, 20]]), 100);
    assert.equal(unionLength([]), 0);
    assert.equal(normaliseStatement("SELECT a1, $1 FROM t WHERE x IN (1, 2, 3) AND y = 'it''s' AND z > -2.5e3"), 'SELECT a1, $1 FROM t WHERE x IN (?) AND y = ? AND z > ?');
  });
});
