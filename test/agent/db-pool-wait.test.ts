// Pool exhaustion against real databases (a throwaway PostgreSQL and MariaDB): an express app
// with a pool of 2 connections per driver, 20 requests at once each holding a connection for a
// 100 ms query. Each request measures its own wait for a connection and its query (the truth,
// GET /truth), and the collector's time breakdown must tell the same: the wait neither the
// database's time nor the app's own, and the advisor's finding about the pool names the
// statement that holds the connections. QA s15: pg's wait read as postgresql's time (its top
// statement "pg-pool.connect"); mysql2's, with no span for the checkout, as the app's own code.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AdvisorResponse, Finding, TimeBreakdownResponse, TraceResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runServiceApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';
import { startMariaDb, type TestMariaDb } from './support/mariadb';
import { startPostgres, type TestPostgres } from './support/postgres';

const SERVICE = 'agent-e2e-pool-wait';
const AT_ONCE = 20;

interface Truth {
  requests: number;
  waitMs: number;
  queryMs: number;
}

const DRIVERS = [
  { driver: 'pg', route: 'GET /pg/hold', checkout: 'pg-pool.connect', system: 'postgresql', statement: 'SELECT pg_sleep(?)' },
  { driver: 'my', route: 'GET /my/hold', checkout: 'mysql2-pool.getConnection', system: 'mysql', statement: 'SELECT SLEEP(?)' },
] as const;

/** Within 10 ms or 5 % of the truth: the spans and the app's clock bracket the same awaits. */
function close(actual: number, truth: number, what: string): void {
  assert.ok(Math.abs(actual - truth) <= Math.max(10, truth * 0.05), `${what}: Headroom ${actual.toFixed(1)} ms, the app measured ${truth.toFixed(1)} ms`);
}

describe('pool exhaustion on pg and mysql2: the wait for a connection is told apart from queries and the app', () => {
  let postgres: TestPostgres | undefined;
  let mariadb: TestMariaDb | undefined;
  let collector: TestCollector;
  let app: RunningApp;
  const truth = new Map<string, Truth>();

  before(async () => {
    [postgres, mariadb] = await Promise.all([startPostgres(), startMariaDb()]);
    collector = await startTestCollector();
    // Every request traced: the breakdown's means are over the same requests as the truth's.
    app = await runServiceApp(collector, `${FIXTURES}/db-qa-app.js`, SERVICE, { ...postgres.env, ...mariadb.env, HEADROOM_TRACES_PER_SECOND: '1000' });
    for (const { driver } of DRIVERS) {
      const answers = await Promise.all(Array.from({ length: AT_ONCE }, () => fetch(`${app.base}/${driver}/hold`).then((r) => r.status)));
      assert.deepEqual(answers, Array<number>(AT_ONCE).fill(200));
    }
    const measured = (await (await fetch(`${app.base}/truth`)).json()) as Record<string, Truth>;
    for (const [route, t] of Object.entries(measured)) truth.set(route, t);
  });

  after(async () => {
    await app?.stop();
    await collector?.close();
    await Promise.all([postgres?.stop(), mariadb?.stop()]);
  });

  const breakdown = (route: string): Promise<TimeBreakdownResponse> =>
    eventually(async () => {
      const b = await collector.api<TimeBreakdownResponse>(`/api/services/${SERVICE}/time-breakdown?route=${encodeURIComponent(route)}&${RANGE()}`);
      return b.traces >= AT_ONCE ? b : undefined;
    }, `${AT_ONCE} traces of ${route}`, 30_000);

  for (const d of DRIVERS) {
    test(`${d.driver}: each request's trace has its checkout span, and the breakdown's wait and query time are what the app measured`, async () => {
      const b = await breakdown(d.route);
      const t = truth.get(d.route) as Truth;
      assert.equal(t.requests, AT_ONCE);
      // Most requests waited: 20 at once on 2 connections, 100 ms each.
      assert.ok(t.waitMs / t.requests > 300, `the app waited ${(t.waitMs / t.requests).toFixed(0)} ms on average`);

      const example = await collector.api<TraceResponse>(`/api/traces/${b.exampleTraceId as string}`);
      assert.deepEqual(example.spans.filter((s) => s.name === d.checkout).length, 1, `spans: ${example.spans.map((s) => s.name).join(', ')}`);

      close(b.poolWaitMs / b.traces, t.waitMs / t.requests, 'mean wait for a connection');
      close(b.databaseMs / b.traces, t.queryMs / t.requests, 'mean time in queries');
      assert.ok(b.appShare < 0.05, `the app's own share ${b.appShare}`);
      assert.deepEqual(b.pools.map((p) => [p.name, p.calls]), [[d.system, AT_ONCE]]);
      assert.equal(b.statements[0]?.statement, d.statement);
    });
  }

  test('the advisor says each route waits for its pool, naming the statement that holds the connections', async () => {
    await Promise.all(DRIVERS.map((d) => breakdown(d.route)));
    const { findings } = await collector.api<AdvisorResponse>(`/api/advisor?service=${SERVICE}&${RANGE()}`);
    const about = (route: string): Finding[] => findings.filter((f) => f.evidence.figures.route === route);
    for (const d of DRIVERS) {
      assert.deepEqual(about(d.route).map((f) => f.kind), ['downstream.pool-wait'], JSON.stringify(findings.map((f) => f.title)));
      const f = about(d.route)[0] as Finding;
      assert.equal(f.evidence.figures.system, d.system);
      assert.equal(f.evidence.figures.topStatement, d.statement);
      assert.ok(Number(f.evidence.figures.poolWaitShare) > 0.5, `share ${f.evidence.figures.poolWaitShare}`);
    }
    // mysql2's checkout span carries the pool's size.
    assert.equal(about('GET /my/hold')[0]?.evidence.figures.maxConnections, 2);
  });
});
