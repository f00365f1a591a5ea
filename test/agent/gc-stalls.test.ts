// A stall the garbage collector filled is the collector's, not the code it interrupted: an
// express app under the agent runs a long major GC inside a router's param() (QA s13: a 105 ms
// major GC there was reported as GET /users/:id's stall, at param()'s code location) and, for
// contrast, a busy loop in another route. Through the real collector: the event, the request's
// trace and the stalls API's groups.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { EventsResponse, EventView, StallsResponse, TraceResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runApp, sampledTraceparent, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'gc-stalls';
let tc: TestCollector;
let app: RunningApp;
before(async () => {
  tc = await startTestCollector();
  app = await runApp(
    `${FIXTURES}/gc-stall-app.js`,
    { OTEL_SERVICE_NAME: SERVICE, OTEL_EXPORTER_OTLP_ENDPOINT: tc.collector.otlpUrl, HEADROOM_STALL_THRESHOLD_MS: '40', HEADROOM_TRACES_PER_SECOND: '0' },
    { nodeArgs: ['--expose-gc', '--single-threaded-gc'] },
  );
});
after(async () => {
  await app.stop();
  await tc.close();
});

test('a stall filled by a GC pause is the collector\'s: no route, no code location, no stall span; a busy loop beside it stays its route\'s', async () => {
  const gcReq = sampledTraceparent();
  await fetch(`${app.base}/users/42`, { headers: { traceparent: gcReq.header } }).then((r) => r.text());
  const busyReq = sampledTraceparent();
  await fetch(`${app.base}/busy/150`, { headers: { traceparent: busyReq.header } }).then((r) => r.text());

  const stalls = await eventually(async () => {
    const res = await tc.api<EventsResponse>(`/api/events?service=${SERVICE}&type=stall&${RANGE()}`);
    const gc = res.events.find((e) => e.attributes['headroom.stall.gc'] === true || e.traceId === gcReq.traceId);
    const busy = res.events.find((e) => e.route === 'GET /busy/:ms');
    return gc && busy ? { gc, busy } : undefined;
  }, 'the GC stall and the busy stall', 30_000);

  const gc: EventView = stalls.gc;
  const durationMs = Number(gc.attributes['headroom.stall.duration_ms']);
  const gcMs = Number(gc.attributes['headroom.stall.gc_ms']);
  assert.equal(gc.attributes['headroom.stall.gc'], true, `the GC stall is marked the collector's: ${JSON.stringify(gc.attributes)}`);
  assert.ok(gcMs >= durationMs / 2 && gcMs <= durationMs, `${gcMs} ms of GC in a ${durationMs} ms stall`);
  assert.equal(gc.route, null, 'no route is blamed');
  assert.equal(gc.attributes['http.request.method'], undefined);
  assert.equal(gc.attributes['code.function'], undefined, 'no code location: the code did not block');
  assert.match(gc.message ?? '', /^event loop blocked \d+ ms by garbage collection \(\d+ ms of GC pauses\)$/);

  const busy = stalls.busy;
  assert.equal(busy.attributes['headroom.stall.gc'], undefined, 'the busy loop is no GC stall');
  assert.equal(busy.attributes['code.function'], 'busy');
  assert.ok(Number(busy.attributes['headroom.stall.gc_ms'] ?? 0) < Number(busy.attributes['headroom.stall.duration_ms']) / 2);

  // The GC request's trace holds no stall span; the busy one's does.
  const traceOf = (id: string): Promise<TraceResponse> => eventually(() => tc.api<TraceResponse>(`/api/traces/${id}`).catch(() => undefined), `trace ${id}`);
  const gcTrace = await traceOf(gcReq.traceId);
  assert.ok(!gcTrace.spans.some((s) => s.isStall), 'no "event loop blocked" span under GET /users/:id');
  await eventually(async () => ((await traceOf(busyReq.traceId)).spans.some((s) => s.isStall) ? true : undefined), 'the busy request\'s stall span');

  // The stalls API counts it as the collector's (the advisor's reading: test/collector/gc-stalls.test.ts).
  const groups = (await tc.api<StallsResponse>(`/api/services/${SERVICE}/stalls?${RANGE()}`)).groups;
  const gcGroup = groups.find((g) => g.gc > 0);
  assert.ok(gcGroup && gcGroup.gc === gcGroup.count && gcGroup.route === null && gcGroup.location === null, JSON.stringify(groups));
  assert.equal(groups.find((g) => g.route === 'GET /busy/:ms')?.gc, 0);
});
