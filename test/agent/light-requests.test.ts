// Requests over the trace budget (HEADROOM_TRACES_PER_SECOND and
// HEADROOM_RECORDED_TRACES_PER_SECOND both 0 here, as on a busy process): no spans while they
// run, metrics for every one, and the server span written at the end of those that matter.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventsResponse, TraceResponse, TracesResponse, TransactionsResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, LIGHT_BUDGETS, randomHex, RANGE, runServiceApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'agent-e2e-light';

describe('light requests (over the trace budget)', () => {
  let collector: TestCollector;
  let app: RunningApp;

  before(async () => {
    collector = await startTestCollector();
    app = await runServiceApp(collector, `${FIXTURES}/express-app.js`, SERVICE, { ...LIGHT_BUDGETS, OTEL_METRIC_EXPORT_INTERVAL: '1000' });
  });

  after(async () => {
    await app?.stop();
    await collector?.close();
  });

  const traces = async (query: string): Promise<TracesResponse> => {
    await collector.collector.storage.flush();
    return collector.api<TracesResponse>(`/api/traces?service=${SERVICE}&${query}&${RANGE()}`);
  };
  /** The trace once it is stored with at least `minSpans` spans. */
  const storedTrace = (traceId: string, minSpans = 1): Promise<TraceResponse> =>
    eventually(async () => {
      await collector.collector.storage.flush();
      const r = await fetch(`${collector.collector.httpUrl}/api/traces/${traceId}`);
      const t = r.ok ? ((await r.json()) as TraceResponse) : undefined;
      return t && t.spans.length >= minSpans ? t : undefined;
    }, `trace ${traceId}`);
  /** The route's row in the transactions once it counts at least `minRequests`. */
  const transaction = (route: string, minRequests: number) =>
    eventually(async () => {
      const res = await collector.api<TransactionsResponse>(`/api/services/${SERVICE}/transactions?${RANGE()}`);
      return res.transactions.find((t) => t.route === route && t.requests >= minRequests);
    }, `${route} in the transactions`);

  test('every request is counted in the metrics, by route; ordinary ones leave no trace', async () => {
    for (let i = 0; i < 40; i++) await fetch(`${app.base}/hello`).then((r) => r.text());
    const hello = await transaction('GET /hello', 40);
    assert.equal(hello.requests, 40);
    assert.equal(hello.errors, 0);
    const kept = await traces(`route=${encodeURIComponent('GET /hello')}`);
    assert.ok(kept.traces.every((t) => t.durationMs >= 2000 || t.stallMs > 0), 'only slow or stalled /hello requests (a loaded machine) leave a trace');
  });

  test("an error keeps its server span, marked partial, and no span of what it called", async () => {
    const res = await fetch(`${app.base}/call-then-fail`);
    assert.equal(res.status, 502);
    await res.text();
    const summary = await eventually(async () => (await traces('error=true')).traces.find((t) => t.route === 'GET /call-then-fail'), 'error trace');
    const detail = await storedTrace(summary.traceId);
    assert.equal(detail.spans.length, 1, `spans: ${detail.spans.map((s) => s.name).join(', ')}`);
    const server = detail.spans[0]!;
    assert.equal(server.kind, 2);
    assert.equal(server.name, 'GET /call-then-fail');
    assert.equal(server.attributes['headroom.trace.partial'], true);
    assert.equal(server.attributes['http.response.status_code'], 502);
    assert.equal(server.status.code, 2);
    // The outgoing call ran with tracing suppressed: no orphan trace rooted at a client span.
    const all = await traces('limit=200');
    // (Every server span of this app has a route; a root without one would be such a client span.)
    assert.deepEqual(all.traces.filter((t) => t.route === null), [], 'no orphan client-span trace');
  });

  test('garbage in propagation and queue headers is served as usual, and counted', async () => {
    const headers = { traceparent: '00-zz-not-a-trace-01', baggage: '%%%;;;=', 'x-request-start': 't=9999999999999999999999' };
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${app.base}/async-wait/1`, { headers });
      assert.equal(res.status, 200);
      await res.text();
    }
    const row = await transaction('GET /async-wait/:ms', 5);
    assert.equal(row.requests, 5);
    assert.equal(row.queueWaitMs, null, 'an absurd queue start is dropped, not recorded');
  });

  test('a caller\'s unsampled trace is continued by the late server span', async () => {
    const traceId = randomHex(16);
    const parentId = randomHex(8);
    await fetch(`${app.base}/fail`, { headers: { traceparent: `00-${traceId}-${parentId}-00` } }).then((r) => r.text());
    const detail = await storedTrace(traceId);
    assert.equal(detail.spans[0]?.parentSpanId, parentId);
    assert.equal(detail.spans[0]?.attributes['http.route'], '/fail');
  });

  test('a stall inside a light request hangs under its late server span', async () => {
    await fetch(`${app.base}/busy/200`).then((r) => r.text());
    const stall = await eventually(async () => {
      const res = await collector.api<EventsResponse>(`/api/events?service=${SERVICE}&type=stall&${RANGE()}`);
      return res.events.find((e) => e.route === 'GET /busy/:ms');
    }, 'stall event');
    assert.ok(stall.traceId, 'the stall names a trace');
    // (Its accuracy, 200 ms ± 20 %, is express-e2e's to check; here it is the attribution.)
    assert.ok(stall.durationMs !== null && stall.durationMs >= 160, `stall ${String(stall.durationMs)} ms`);
    const detail = await storedTrace(stall.traceId, 2);
    const server = detail.spans.find((s) => s.kind === 2);
    const blocked = detail.spans.find((s) => s.name === 'event loop blocked');
    assert.ok(server && blocked, `spans: ${detail.spans.map((s) => s.name).join(', ')}`);
    assert.equal(blocked.parentSpanId, server.spanId);
    assert.equal(server.attributes['http.route'], '/busy/:ms');
    assert.equal(server.attributes['headroom.trace.partial'], true);
    assert.ok(BigInt(blocked.startNs) >= BigInt(server.startNs), 'the stall starts inside the request');
  });
});
