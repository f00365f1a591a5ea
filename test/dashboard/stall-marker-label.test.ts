// A stall marker's label says whose the stall was when it was no route's code: a GC pause
// (headroom.stall.gc, QA s13) or the agent's own work, not a bare "event loop blocked"; and one
// the process hardly ran through (under a third of it on CPU) says so, as the Event loop page does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventsResponse, EventView } from '@headroom/collector/api-types';
import { eventLabel } from '../../dashboard/src/shape/markers';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { postStalls } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const HARDLY_RAN = 'process hardly ran: machine busy or a blocking system call';

const stall = (patch: Partial<EventView>): EventView => ({
  id: 1, type: 'stall', service: 's', instanceId: 's-1', timeMs: 0, route: null, traceId: null, spanId: null, durationMs: 112, message: null, attributes: {}, ...patch,
});

test('a stall marker names garbage collection, the agent, the route, or nothing', () => {
  assert.equal(eventLabel(stall({ attributes: { 'headroom.stall.gc': true, 'headroom.stall.gc_ms': 105 } })), 'event loop blocked 112 ms by garbage collection');
  assert.equal(eventLabel(stall({ attributes: { 'headroom.stall.agent': true } })), "event loop blocked 112 ms by Headroom's agent");
  assert.equal(eventLabel(stall({ route: 'GET /users/:id' })), 'event loop blocked 112 ms in GET /users/:id');
  assert.equal(eventLabel(stall({})), 'event loop blocked 112 ms');
});

test('a stall marker the process hardly ran through says so; one that ran, or without a CPU time, does not', () => {
  assert.equal(eventLabel(stall({ durationMs: 566, attributes: { 'headroom.stall.cpu_ms': 2.6 } })), `event loop blocked 566 ms, ${HARDLY_RAN}`);
  assert.equal(eventLabel(stall({ durationMs: 300, route: 'GET /report', attributes: { 'headroom.stall.cpu_ms': 45 } })), `event loop blocked 300 ms in GET /report, ${HARDLY_RAN}`);
  assert.equal(eventLabel(stall({ durationMs: 165, attributes: { 'headroom.stall.gc': true, 'headroom.stall.cpu_ms': 2.7 } })), `event loop blocked 165 ms by garbage collection, ${HARDLY_RAN}`);
  assert.equal(eventLabel(stall({ durationMs: 150, route: 'GET /report', attributes: { 'headroom.stall.cpu_ms': 140 } })), 'event loop blocked 150 ms in GET /report');
  assert.equal(eventLabel(stall({ durationMs: 150, route: 'GET /report' })), 'event loop blocked 150 ms in GET /report');
});

test("the service page's marker list says which stalls the process hardly ran through, as the Event loop page does", async () => {
  // After a deploy on a busy host (the on-call walkthrough, s15): stalls outside any request with
  // 1–3 ms of CPU in 127–566 ms listed as "event loop blocked 566 ms", read as the new version's code.
  const service = 'starved-host';
  const t0 = Date.now() - 3 * 60_000;
  await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'p-1'), (m) => {
    m.histogram('http.server.request.duration', 's', Array<number>(20).fill(0.01), { 'http.request.method': 'GET', 'http.route': '/search', 'http.response.status_code': 200 });
  });
  await postStalls(rig.collector.otlpUrl, [
    { service, instanceId: 'p-1', startMs: t0, durationMs: 566, cpuMs: 2.6 },
    { service, instanceId: 'p-1', startMs: t0 + 10_000, durationMs: 150, cpuMs: 140, route: '/report', method: 'GET' },
  ]);
  await eventually('the stalls stored', () => api<EventsResponse>(rig.collector.httpUrl, `/api/events?service=${service}&range=15m`), (r) => r.events.length === 2);
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}?range=15m`);
    const lines = page.locator('[data-chart="response-time"] .chart-markers li');
    await eventually('two markers listed', () => lines.count(), (n) => n === 2);
    const texts = (await lines.allTextContents()).map((t) => t.replace(/^\d\d:\d\d:\d\d /, ''));
    assert.deepEqual(texts, [`event loop blocked 566 ms, ${HARDLY_RAN} (event loop)`, 'event loop blocked 150 ms in GET /report (event loop)']);
  } finally {
    await page.close();
  }
});
