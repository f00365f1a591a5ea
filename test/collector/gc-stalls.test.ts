// A stall the agent marks as the garbage collector's (headroom.stall.gc: GC pauses filled at
// least half of it, QA s13) is counted apart by the stalls API and blamed on no code by the
// advisor; the same stalls without the marker are "code outside any request". Stall events
// through the real OTLP receiver.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StallsResponse } from '../../collector/src/api-types';
import { createAdvisor } from '../../collector/src/advisor';
import { getJson, sendLogs, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';

let collector: TestCollector;
before(async () => {
  collector = await startTestCollector();
});
after(async () => {
  await collector.dispose();
});

// As the agent sends a GC stall: no route, no code location.
const gcStall = (timeMs: number, gc: boolean) => ({
  timeMs,
  attributes: {
    'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 800, 'headroom.stall.cpu_ms': 790, 'headroom.stall.gc_ms': 760,
    ...(gc && { 'headroom.stall.gc': true }),
  },
});

test('GC stalls are a group of their own, counted as the collector\'s, beside an unknown location outside a request', async () => {
  const t0 = Date.now() - 120_000;
  await sendLogs(collector.otlpUrl, serviceResource('grouped', 'grouped-1'), [
    gcStall(t0, true),
    gcStall(t0 + 1000, true),
    gcStall(t0 + 2000, false),
    { timeMs: t0 + 3000, attributes: { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 150, 'http.route': '/busy', 'http.request.method': 'GET', 'code.function': 'busy', 'code.filepath': '/app/busy.js', 'code.lineno': 3 } },
  ]);
  await collector.storage.flush();
  const { status, body } = await getJson<StallsResponse>(`${collector.httpUrl}/api/services/grouped/stalls?range=15m`);
  assert.equal(status, 200);
  assert.deepEqual(body.groups.map((g) => [g.route, g.location, g.count, g.gc]).sort(), [
    ['GET /busy', 'busy (/app/busy.js:3)', 1, 0],
    [null, null, 1, 0],
    [null, null, 2, 2],
  ].sort());
});

test("the garbage collector's stalls are not blamed on the app's code", async () => {
  const t0 = Date.now() - 120_000;
  await sendLogs(collector.otlpUrl, serviceResource('collecting', 'collecting-1'), [gcStall(t0, true), gcStall(t0 + 1000, true), gcStall(t0 + 2000, true)]);
  await sendLogs(collector.otlpUrl, serviceResource('spinning', 'spinning-1'), [gcStall(t0, false), gcStall(t0 + 1000, false), gcStall(t0 + 2000, false)]);
  await collector.storage.flush();
  const advisor = createAdvisor(collector.storage, { windowMs: 10 * 60_000 });
  const kinds = (service: string) => advisor.findings({ from: Date.now() - 600_000, to: Date.now() + 1000, service }).findings.map((f) => f.kind);
  assert.ok(kinds('spinning').includes('eventloop.blocking-route'), 'the same stalls, unmarked, are blamed');
  assert.ok(!kinds('collecting').includes('eventloop.blocking-route'), "the collector's are not");
});
