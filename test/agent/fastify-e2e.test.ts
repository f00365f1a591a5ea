// A fastify 5 app under the agent → the real collector: routes come from fastify's
// diagnostics channel, stalls are attributed to the fastify route.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventsResponse, TransactionsResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'agent-e2e-fastify';

describe('agent on a fastify 5 app', () => {
  let collector: TestCollector;
  let app: RunningApp;

  before(async () => {
    collector = await startTestCollector();
    app = await runApp(`${FIXTURES}/fastify-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: SERVICE });
    for (let i = 0; i < 20; i++) await fetch(`${app.base}/items/${i}`).then((r) => r.text());
  });

  after(async () => {
    await app?.stop();
    await collector?.close();
  });

  test('requests are recorded by route', async () => {
    const res = await eventually(async () => {
      const r = await collector.api<TransactionsResponse>(`/api/services/${SERVICE}/transactions?${RANGE()}`);
      return r.transactions.some((t) => t.route === 'GET /items/:id' && t.requests >= 20) ? r : undefined;
    }, 'fastify transactions');
    assert.ok(!res.transactions.some((t) => t.route === 'GET'), 'no request without its route');
  });

  test('requests answered before their handler (a hook, the body parser) keep their route', async () => {
    const denied = await fetch(`${app.base}/admin/users/7`);
    assert.equal(denied.status, 401);
    const allowed = await fetch(`${app.base}/admin/users/7`, { headers: { authorization: 'Bearer letmein' } });
    assert.equal(allowed.status, 200);
    const badJson = await fetch(`${app.base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    assert.equal(badJson.status, 400);
    await Promise.all([denied.text(), allowed.text(), badJson.text()]);
    const res = await eventually(async () => {
      const r = await collector.api<TransactionsResponse>(`/api/services/${SERVICE}/transactions?${RANGE()}`);
      const routes = new Map(r.transactions.map((t) => [t.route, t.requests]));
      return (routes.get('GET /admin/users/:id') ?? 0) >= 2 && (routes.get('POST /echo') ?? 0) >= 1 ? r : undefined;
    }, 'the hook-answered requests under their routes').catch(async (error: unknown) => {
      const r = await collector.api<TransactionsResponse>(`/api/services/${SERVICE}/transactions?${RANGE()}`);
      throw new Error(`${String(error)}; transactions: ${JSON.stringify(r.transactions.map((t) => [t.route, t.requests]))}`);
    });
    assert.deepEqual(res.transactions.filter((t) => t.route === 'GET' || t.route === 'POST'), [], 'no request without its route');
  });

  test('a busy handler is a stall attributed to its route', async () => {
    await fetch(`${app.base}/busy/150`).then((r) => r.text());
    const stall = await eventually(async () => {
      const r = await collector.api<EventsResponse>(`/api/events?service=${SERVICE}&type=stall&${RANGE()}`);
      return r.events.find((e) => e.route === 'GET /busy/:ms');
    }, 'fastify stall');
    assert.ok(stall.durationMs !== null && stall.durationMs >= 120 && stall.durationMs <= 300, `stall ${String(stall.durationMs)} ms (CPU ${String(stall.attributes['headroom.stall.cpu_ms'])} ms)`);
    assert.ok(stall.traceId, 'the stall names its trace');
  });
});
