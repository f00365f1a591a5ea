// The wait for a pooled database connection, end to end (real OTel exporters → receiver →
// SQLite → time breakdown and GET /api/advisor): neither the database's time nor the app's.
// QA s15 (a pool of 2, 20 requests at once each holding a connection 100 ms): 460 ms of waiting
// beside a 100 ms query read as 100 % postgresql, its top statement "pg-pool.connect", and the
// advice was to EXPLAIN it; on mysql2 (no checkout span before the agent made one) the wait read
// as the app's own code.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { AdvisorResponse, Finding, TimeBreakdownResponse } from '../../collector/src/api-types';
import { getJson, sendMetrics, sendTraces, serviceResource, startTestCollector, type SpanSpec, type TestCollector } from './support/collector-harness';

const SERVICE = 'pool-wait';
const TRACES = 6;

function request(route: string, t0: number, durationMs: number, children: SpanSpec[]): SpanSpec {
  return { name: `GET ${route}`, startMs: t0, durationMs, attributes: { 'http.route': route, 'http.request.method': 'GET' }, children };
}

function query(system: string, text: string, startMs: number, durationMs: number): SpanSpec {
  return { name: 'query', kind: SpanKind.CLIENT, startMs, durationMs, attributes: { 'db.system.name': system, 'db.query.text': text } };
}

/**
 * pg: 460 ms waiting in pg-pool.connect, then a 102 ms query, in a 565 ms request. The first
 * request's checkout opened a new connection (pg.connect, 10 ms inside the wait): the
 * database's time, so that request waited 450.
 */
function pgHold(t0: number, i: number): SpanSpec {
  const setUp: SpanSpec[] = i === 0 ? [{ name: 'pg.connect', kind: SpanKind.CLIENT, startMs: t0 + 400, durationMs: 10, attributes: { 'db.system.name': 'postgresql' } }] : [];
  return request('/pg/hold', t0, 565, [
    { name: 'pg-pool.connect', kind: SpanKind.CLIENT, startMs: t0 + 1, durationMs: 460, attributes: { 'db.system.name': 'postgresql' }, children: setUp },
    query('postgresql', 'SELECT pg_sleep(0.1)', t0 + 461, 102),
  ]);
}

/** mysql2: 300 ms in the agent's checkout span (a pool of 2), then a 100 ms query, in a 402 ms request. */
function mysqlHold(t0: number): SpanSpec {
  return request('/my/hold', t0, 402, [
    { name: 'mysql2-pool.getConnection', kind: SpanKind.CLIENT, startMs: t0 + 1, durationMs: 300, attributes: { 'db.system.name': 'mysql', 'db.client.connection.pool.max': 2 } },
    query('mysql', 'SELECT SLEEP(0.1)', t0 + 301, 100),
  ]);
}

/** 30 ms of waiting in a 200 ms request (15 %): below poolWaitShare. */
function shortWait(t0: number): SpanSpec {
  return request('/pg/short-wait', t0, 200, [
    { name: 'pg-pool.connect', kind: SpanKind.CLIENT, startMs: t0 + 1, durationMs: 30, attributes: { 'db.system.name': 'postgresql' } },
    query('postgresql', 'SELECT 1', t0 + 31, 20),
  ]);
}

describe('the wait for a pooled connection: its own part of a route’s time, and its own finding', () => {
  let collector: TestCollector;
  let findings: Finding[];
  const now = Date.now();
  const range = `from=${now - 600_000}&to=${now + 60_000}`;

  before(async () => {
    collector = await startTestCollector();
    const resource = serviceResource(SERVICE, 'pool-wait-1');
    await sendMetrics(collector.otlpUrl, resource, (m) => {
      for (const [route, seconds] of [['/pg/hold', 0.565], ['/my/hold', 0.402], ['/pg/short-wait', 0.2]] as const) {
        m.histogram('http.server.request.duration', 's', Array<number>(TRACES).fill(seconds), { 'http.request.method': 'GET', 'http.route': route, 'http.response.status_code': 200 });
      }
    });
    const roots: SpanSpec[] = [];
    for (let i = 0; i < TRACES; i++) {
      const t0 = now - 120_000 + i * 5_000;
      roots.push(pgHold(t0, i), mysqlHold(t0 + 1000), shortWait(t0 + 2000));
    }
    await sendTraces(collector.otlpUrl, resource, roots);
    await collector.storage.flush();
    const res = await getJson<AdvisorResponse>(`${collector.httpUrl}/api/advisor?service=${SERVICE}&${range}`);
    assert.equal(res.status, 200);
    findings = res.body.findings;
  });

  after(async () => {
    await collector.dispose();
  });

  const breakdown = async (route: string): Promise<TimeBreakdownResponse> =>
    (await getJson<TimeBreakdownResponse>(`${collector.httpUrl}/api/services/${SERVICE}/time-breakdown?route=${encodeURIComponent(route)}&${range}`)).body;
  const near = (actual: number, expected: number, what: string): void => assert.ok(Math.abs(actual - expected) < 0.01, `${what}: ${actual}, expected ${expected}`);

  it('splits the wait from the queries: pool wait, database and app, the set-up of a new connection the database’s', async () => {
    const b = await breakdown('GET /pg/hold');
    assert.equal(b.traces, TRACES);
    near(b.poolWaitMs, TRACES * 460 - 10, 'pool wait');
    near(b.databaseMs, TRACES * 102 + 10, 'database');
    near(b.appMs, TRACES * 3, 'app');
    near(b.poolWaitShare + b.databaseShare + b.appShare, 1, 'shares');
    assert.deepEqual(b.pools.map((p) => [p.name, Math.round(p.totalMs * 1000) / 1000, p.calls, p.maxConnections]), [['postgresql', TRACES * 460 - 10, TRACES, null]]);
    assert.deepEqual(b.databases.map((d) => [d.name, Math.round(d.totalMs * 1000) / 1000, d.calls]), [['postgresql', TRACES * 102 + 10, TRACES + 1]]);
    // The checkouts are no statement: what ran is the query (and the new connection's set-up).
    assert.deepEqual(b.statements.map((s) => s.statement), ['SELECT pg_sleep(?)', 'pg.connect']);

    const my = await breakdown('GET /my/hold');
    near(my.poolWaitMs, TRACES * 300, 'mysql pool wait');
    near(my.databaseMs, TRACES * 100, 'mysql database');
    near(my.appMs, TRACES * 2, 'mysql app');
    assert.deepEqual(my.pools.map((p) => [p.name, p.calls, p.maxConnections]), [['mysql', TRACES, 2]]);
  });

  it('says the route waits for a connection, with the statement that holds them, instead of sending the wait to EXPLAIN', () => {
    const waits = findings.filter((f) => f.kind === 'downstream.pool-wait');
    assert.deepEqual(waits.map((f) => f.evidence.figures.route).sort(), ['GET /my/hold', 'GET /pg/hold'], JSON.stringify(findings.map((f) => f.title)));
    const pg = waits.find((f) => f.evidence.figures.route === 'GET /pg/hold') as Finding;
    assert.equal(pg.title, 'Route GET /pg/hold waits 81 % of its time for a postgresql connection from its pool');
    assert.equal(pg.severity, 'warning');
    assert.deepEqual(
      { ...pg.evidence.figures, exampleTrace: undefined },
      { route: 'GET /pg/hold', system: 'postgresql', poolWaitShare: 0.8112, meanPoolWaitMs: 458.3, meanDatabaseMs: 103.7, meanRequestMs: 565, databaseShare: 0.1835, appShare: 0.0053, traces: TRACES, topStatement: 'SELECT pg_sleep(?)', exampleTrace: undefined },
    );
    assert.match(String(pg.evidence.figures.exampleTrace), new RegExp(`^/services/${SERVICE}/traces/[0-9a-f]{32}$`));
    assert.match(pg.evidence.summary, /waited 458 ms of the mean 565 ms for a free connection from the postgresql pool, and spent 104 ms in queries/);
    assert.match(pg.cause, /Every connection of the pool was in use/);
    const my = waits.find((f) => f.evidence.figures.route === 'GET /my/hold') as Finding;
    assert.equal(my.evidence.figures.maxConnections, 2);
    assert.equal(my.evidence.figures.topStatement, 'SELECT SLEEP(?)');
    assert.match(my.evidence.summary, /from the mysql pool of 2 connections/);
    // The queries are a fifth of the time: no "spends its time in the database" finding.
    assert.deepEqual(findings.filter((f) => f.kind === 'downstream.time-share').map((f) => f.title), []);
  });

  it('a short wait (15 % of the route’s time) gets no finding', () => {
    assert.ok(!findings.some((f) => f.evidence.figures.route === 'GET /pg/short-wait'), JSON.stringify(findings.map((f) => f.title)));
  });
});
