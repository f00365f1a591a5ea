// A hot fast route and a rare slow one under concurrent load, default recorded budget, no
// sampled share (every kept trace is kept for a reason): the rare route's slow requests keep
// whole traces (its path's share of the recorded budget, then "slow for its route"), and what
// is kept for being slow for a route stays within HEADROOM_ROUTE_SLOW_TRACES_PER_SECOND.
// Taken first come, first served, the hot route took every recorded token and the rare
// route's 300 ms requests (well under HEADROOM_SLOW_TRACE_MS) left nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TraceResponse, TracesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runServiceApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'agent-e2e-route-fairness';
const RARE = 'GET /async-wait/:ms';
const RARE_SLOW_MS = 600;
/** Kept per route and second for being slow for it. */
const CAP = 2;

let collector: TestCollector;
let app: RunningApp;

before(async () => {
  collector = await startTestCollector();
  app = await runServiceApp(collector, `${FIXTURES}/express-app.js`, SERVICE, {
    HEADROOM_TRACES_PER_SECOND: '0',
    HEADROOM_ROUTE_SLOW_TRACES_PER_SECOND: String(CAP),
    // The hot route takes well under a millisecond: Apdex T 1 ms puts the floor of "slow for
    // its route" (a tenth of T) under it; the service-wide slow threshold stays at 2 s.
    HEADROOM_APDEX_T: '1',
    HEADROOM_SLOW_TRACE_MS: '2000',
    // A crowded machine's stalls would keep traces for another reason.
    HEADROOM_STALL_THRESHOLD_MS: '5000',
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

const traces = async (route: string): Promise<TracesResponse> => {
  await collector.collector.storage.flush();
  return collector.api<TracesResponse>(`/api/traces?service=${SERVICE}&route=${encodeURIComponent(route)}&limit=500&${RANGE()}`);
};

const detail = (traceId: string): Promise<TraceResponse> => collector.api<TraceResponse>(`/api/traces/${traceId}`);

test('a rare slow route keeps whole traces of its slow requests beside a hot route; the per-route cap holds', async () => {
  const started = Date.now();
  let running = true;
  let hot = 0;
  const hotLoop = async (): Promise<void> => {
    while (running) {
      await get('/hello');
      hot++;
    }
  };
  const hotLoops = Array.from({ length: 8 }, hotLoop);
  // The rare route's ordinary requests first, under the same load, so its p90 is known.
  for (let i = 0; i < 40; i++) await get('/async-wait/50');
  // Then two requests a second (its path's share of the recorded budget), every fifth one slow:
  // few enough that the slow ones stay above the route's p90 (with every third one slow, the
  // p90 recomputed after the fourth was the slow ones' own, and only two or three of six could
  // be kept: flaky against the bar of half).
  let slowSent = 0;
  for (let i = 0; i < 20; i++) {
    const slow = i % 5 === 4;
    const t0 = Date.now();
    await get(`/async-wait/${slow ? RARE_SLOW_MS : 50}`);
    if (slow) slowSent++;
    await new Promise((r) => setTimeout(r, Math.max(0, 500 - (Date.now() - t0))));
  }
  running = false;
  await Promise.all(hotLoops);
  const elapsedS = (Date.now() - started) / 1000;
  // What the test is about: the hot route alone asked for more than the recorded budget (20 a second).
  assert.ok(hot > 20 * elapsedS, `the hot route asked for the whole budget: ${hot} requests in ${elapsedS} s`);

  // Whole traces: the express layer spans are there, the server span is not partial. (The
  // rare route's ordinary requests above its p90 take from the same cap: a slow one can find
  // it spent; and on a crowded test machine, its ordinary requests' p90 can reach the slow
  // ones'.) Without the fair share no slow rare request was kept at all; half is the bar.
  // The slow ones are told by their path, not their duration: a 600 ms timer can fire up to a
  // millisecond early (libuv's loop clock counts whole milliseconds: nodejs/node#26578,
  // libuv/libuv#4773): a kept slow request's server span of 599.6 ms went uncounted, and with
  // three of four measured so the test timed out (1 run in 10), though all four were kept.
  const wanted = Math.ceil(slowSent / 2);
  const rareSlow = await eventually(async () => {
    const kept: { spans: TraceResponse['spans']; server: TraceResponse['spans'][number] }[] = [];
    for (const summary of (await traces(RARE)).traces) {
      const spans = (await detail(summary.traceId)).spans;
      const server = spans.find((s) => s.kind === 2);
      if (server?.attributes['url.path'] === `/async-wait/${RARE_SLOW_MS}`) kept.push({ spans, server });
    }
    return kept.length >= wanted ? kept : undefined;
  }, `${wanted} slow ${RARE} traces`);
  let whole = 0;
  for (const { spans, server } of rareSlow) {
    if (spans.length > 1 && server.attributes['headroom.trace.partial'] !== true) whole++;
    assert.equal(typeof server.attributes['headroom.route.p90_ms'], 'number', `kept for being slow for its route: ${JSON.stringify(server.attributes)}`);
  }
  assert.ok(whole >= wanted, `${whole} of ${slowSent} slow rare requests kept whole`);

  // The hot route: 10 % of its requests were slower than its p90; at most CAP a second were kept for it.
  await collector.collector.storage.flush();
  const hotKept = (await traces('GET /hello')).traces.filter((t) => !t.error && t.stallMs === 0 && t.durationMs < 2000);
  let forRoute = 0;
  for (const summary of hotKept) {
    const server = (await detail(summary.traceId)).spans.find((s) => s.kind === 2);
    if (typeof server?.attributes['headroom.route.p90_ms'] === 'number') forRoute++;
  }
  assert.ok(forRoute >= 1, 'the hot route kept its slow-for-route traces too');
  assert.ok(forRoute <= CAP * (Math.ceil(elapsedS) + 1), `${forRoute} kept for the hot route in ${elapsedS} s (cap ${CAP} a second)`);
});
