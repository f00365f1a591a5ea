// SQL query text leaves the agent with its literals replaced by `?` (HEADROOM_DB_STATEMENT,
// default sanitized), as stored by the real collector; `raw` keeps it as recorded; other
// databases' statements are untouched.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SpanView, TraceResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, runServiceApps, sampledTraceparent, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SANITIZED = 'agent-e2e-db-sanitized';
const RAW = 'agent-e2e-db-raw';
const QUERIES = ['pg', 'mysql', 'redis'];

describe('database statements', () => {
  let collector: TestCollector;
  const apps = new Map<string, RunningApp>();
  /** Trace ids by `<service> <query>`. */
  const traces = new Map<string, string>();

  before(async () => {
    collector = await startTestCollector();
    await runServiceApps(
      collector,
      [
        { service: SANITIZED, script: `${FIXTURES}/db-statement-app.js` },
        { service: RAW, script: `${FIXTURES}/db-statement-app.js`, env: { HEADROOM_DB_STATEMENT: 'raw' } },
      ],
      async (app, service) => {
        for (const query of QUERIES) {
          const { traceId, header } = sampledTraceparent();
          const res = await fetch(`${app.base}/${query}`, { headers: { traceparent: header } });
          assert.equal(res.status, 200);
          await res.text();
          traces.set(`${service} ${query}`, traceId);
        }
      },
      apps,
    );
  });

  after(async () => {
    await Promise.all([...apps.values()].map((app) => app.stop()));
    await collector?.close();
  });

  const querySpan = (service: string, query: string): Promise<SpanView> => {
    const traceId = traces.get(`${service} ${query}`);
    assert.ok(traceId, 'the request was sent');
    return eventually(async () => {
      await collector.collector.storage.flush();
      const r = await fetch(`${collector.collector.httpUrl}/api/traces/${traceId}`);
      if (!r.ok) return undefined;
      return ((await r.json()) as TraceResponse).spans.find((s) => s.name === 'query');
    }, `the ${query} span of ${service}`);
  };

  test('PostgreSQL (db.statement): literals are ?, the $1 placeholder stays', async () => {
    const span = await querySpan(SANITIZED, 'pg');
    assert.equal(span.attributes['db.statement'], 'SELECT count(*) FROM orders WHERE customer = ? AND customer <> ? AND id = $1');
  });

  test('MySQL (db.query.text): numbers and double-quoted strings are ?', async () => {
    const span = await querySpan(SANITIZED, 'mysql');
    assert.equal(span.attributes['db.query.text'], 'UPDATE accounts SET balance = ? WHERE email = ?');
  });

  test("Redis's statement is not SQL: left as recorded", async () => {
    const span = await querySpan(SANITIZED, 'redis');
    assert.equal(span.attributes['db.statement'], 'set session:42 [1 other arguments]');
  });

  test('HEADROOM_DB_STATEMENT=raw keeps the text as recorded', async () => {
    const pg = await querySpan(RAW, 'pg');
    assert.equal(pg.attributes['db.statement'], "SELECT count(*) FROM orders WHERE customer = 'alice' AND customer <> 'sk_live_SECRET123' AND id = $1");
    const mysql = await querySpan(RAW, 'mysql');
    assert.equal(mysql.attributes['db.query.text'], 'UPDATE accounts SET balance = 100.50 WHERE email = "bob@example.com"');
    assert.doesNotMatch(apps.get(RAW)!.stderr(), /HR_AGENT_CONFIG/);
  });
});
