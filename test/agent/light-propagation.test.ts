// Trace context across services for light requests: a light request's outgoing calls (fetch
// and http) carry the ids its own server span gets, unsampled, so when both sides fail, both
// partial traces are one trace, the callee's server span under the caller's.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SpanView, TraceResponse, TracesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, LIGHT_BUDGETS, randomHex, RANGE, runServiceApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const UP = 'light-propagation-up';
const DOWN = 'light-propagation-down';

describe('light requests propagate their trace context', () => {
  let collector: TestCollector;
  const apps: RunningApp[] = [];
  let up: RunningApp;

  before(async () => {
    collector = await startTestCollector();
    const down = await runServiceApp(collector, `${FIXTURES}/express-app.js`, DOWN, LIGHT_BUDGETS);
    apps.push(down);
    up = await runServiceApp(collector, `${FIXTURES}/express-app.js`, UP, { ...LIGHT_BUDGETS, DOWNSTREAM_URL: down.base });
    apps.push(up);
  });

  after(async () => {
    for (const app of apps) await app.stop();
    await collector?.close();
  });

  /** The stored trace once it holds the server spans of both services. */
  const crossTrace = (traceId: string): Promise<{ upSpan: SpanView; downSpan: SpanView }> =>
    eventually(async () => {
      const r = await fetch(`${collector.collector.httpUrl}/api/traces/${traceId}`);
      await collector.collector.storage.flush();
      if (!r.ok) return undefined;
      const t = (await r.json()) as TraceResponse;
      const upSpan = t.spans.find((s) => s.service === UP && s.kind === 2);
      const downSpan = t.spans.find((s) => s.service === DOWN && s.kind === 2);
      return upSpan && downSpan ? { upSpan, downSpan } : undefined;
    }, `both services' server spans in trace ${traceId}`);

  /** The newest stored trace of the caller's route for `client`, by its URL path. */
  const upTraceId = (client: string): Promise<string> =>
    eventually(async () => {
      const r = await collector.api<TracesResponse>(`/api/traces?service=${UP}&route=${encodeURIComponent('GET /call-down/:client')}&limit=50&${RANGE()}`);
      for (const summary of r.traces) {
        const t = await collector.api<TraceResponse>(`/api/traces/${summary.traceId}`);
        if (t.spans.some((s) => s.service === UP && s.attributes['url.path'] === `/call-down/${client}`)) return summary.traceId;
      }
      return undefined;
    }, `a ${client} trace of ${UP}`);

  for (const client of ['fetch', 'http']) {
    test(`${client}: the callee's failure is in the caller's trace, under the caller's server span`, async () => {
      assert.equal((await fetch(`${up.base}/call-down/${client}`)).status, 502);
      const { upSpan, downSpan } = await crossTrace(await upTraceId(client));
      assert.equal(upSpan.attributes['headroom.trace.partial'], true, 'the caller was light');
      assert.equal(downSpan.attributes['headroom.trace.partial'], true, 'the callee was light');
      assert.equal(downSpan.parentSpanId, upSpan.spanId);
    });
  }

  test("a caller's own unsampled trace goes on through both services", async () => {
    const traceId = randomHex(16);
    const parentId = randomHex(8);
    const res = await fetch(`${up.base}/call-down/fetch`, { headers: { traceparent: `00-${traceId}-${parentId}-00` } });
    assert.equal(res.status, 502);
    const { upSpan, downSpan } = await crossTrace(traceId);
    assert.equal(upSpan.parentSpanId, parentId);
    assert.equal(downSpan.parentSpanId, upSpan.spanId);
  });
});
