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
