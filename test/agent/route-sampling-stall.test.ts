// A light request that blocks the loop long enough for the stall watchdog to snapshot it (half
// the threshold), but not past the threshold, is still kept when it was slow for its route.
// The snapshot makes its server span wait for the tail processor's decision (is it a
// stall?); its slow-for-route keep was never tried on that path, so the trace was dropped once
// the stall turned out too short, where the same request waiting on a timer was kept.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TraceResponse, TracesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, requestsByRoute, runServiceApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'agent-e2e-route-sampling-stall';
const ROUTE = 'GET /busy/:ms';
/**
 * The watchdog looks every 50 ms (half the threshold) and snapshots a callback that kept the
 * loop blocked through one whole look: an 85 ms one about 7 times in 10. A stall is a tick
 * late by the threshold, which an 85 ms callback never makes.
 */
const THRESHOLD_MS = 100;
const SLOW_MS = 85;
/** Slow requests sent: none of them caught by the watchdog (all kept before the fix) about once in 100 runs. */
const SLOW_SENT = 4;

let collector: TestCollector;
let app: RunningApp;

before(async () => {
  collector = await startTestCollector();
  app = await runServiceApp(collector, `${FIXTURES}/express-app.js`, SERVICE, {
    HEADROOM_TRACES_PER_SECOND: '0',
    // One recorded trace a second: a request just after another's is light. (The routes'
    // keeps share this figure as their total.)
    HEADROOM_RECORDED_TRACES_PER_SECOND: '1',
    HEADROOM_STALL_THRESHOLD_MS: String(THRESHOLD_MS),
    // "Slow for its route" from 10 ms (a tenth of Apdex T), well under the slow requests.
    HEADROOM_APDEX_T: '100',
    HEADROOM_SLOW_TRACE_MS: '5000',
    // The service is known from its metrics, whether a trace is kept or not.
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
  });
});

after(async () => {
  await app?.stop();
  await collector?.close();
});

const get = async (path: string): Promise<void> => {
  const res = await fetch(`${app.base}${path}`);
  await res.text();
};

test('a light request slow for its route keeps its server span when the stall it was caught in is under the threshold', async () => {
  // The route's p90 first: 30 requests of 1 ms.
  for (let i = 0; i < 30; i++) await get('/busy/1');
  for (let i = 0; i < SLOW_SENT; i++) {
    // The route's keeps (one a second) and the recorded budget refill; another path takes the
    // recorded token, so the slow request right after it is light.
    await new Promise((r) => setTimeout(r, 1100));
    await get('/hello');
    await get(`/busy/${SLOW_MS}`);
  }
  await requestsByRoute(collector, SERVICE, 30 + 2 * SLOW_SENT);

  let last: TraceResponse['spans'] = [];
  const kept = await eventually(async () => {
    await collector.collector.storage.flush();
    const list = await collector.api<TracesResponse>(`/api/traces?service=${SERVICE}&route=${encodeURIComponent(ROUTE)}&limit=100&${RANGE()}`).catch(() => ({ traces: [] }));
    const slow: TraceResponse['spans'] = [];
    for (const summary of list.traces) {
      const spans = (await collector.api<TraceResponse>(`/api/traces/${summary.traceId}`)).spans;
      const server = spans.find((s) => s.kind === 2 && s.attributes['url.path'] === `/busy/${SLOW_MS}`);
      if (server) slow.push(server);
    }
    last = slow;
    return slow.length >= SLOW_SENT ? slow : undefined;
  }, `${SLOW_SENT} traces of ${SLOW_MS} ms ${ROUTE} requests`).catch((err: unknown) => {
    throw new Error(`${String(err)}; kept: ${JSON.stringify(last.map((s) => [s.durationMs, s.attributes['headroom.route.p90_ms']]))}`);
  });
  // Light (the server span alone) and kept for being slow for the route.
  for (const server of kept) {
    assert.equal(server.attributes['headroom.trace.partial'], true, JSON.stringify(server.attributes));
    assert.equal(typeof server.attributes['headroom.route.p90_ms'], 'number', JSON.stringify(server.attributes));
  }
});
