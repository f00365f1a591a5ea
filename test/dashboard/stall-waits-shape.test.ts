// A call's server span that started late because its process's loop was blocked by another
// request's stall (shape/stall-waits.ts): found only when the callee's own instance stalled
// through most of the gap.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventView, SpanView } from '@headroom/collector/api-types';
import { blockerText, stallWaits } from '../../dashboard/src/shape/stall-waits';

function span(spanId: string, parentSpanId: string | null, patch: Partial<SpanView>): SpanView {
  return {
    spanId, parentSpanId, service: 'orders', instanceId: 'orders-1', name: spanId, kind: 1, startNs: '0', startMs: 0, durationMs: 1,
    status: { code: 0, message: '' }, attributes: {}, events: [], isStall: false, ...patch,
  };
}

function stall(id: number, timeMs: number, durationMs: number, patch: Partial<EventView> = {}): EventView {
  return {
    id, type: 'stall', service: 'catalog', instanceId: 'catalog-1', timeMs, route: 'GET /busy/:n', traceId: 'b'.repeat(32), spanId: null,
    durationMs, message: null, attributes: {}, ...patch,
  };
}

const call = [
  span('root', null, { kind: 2, startMs: 1000, durationMs: 150 }),
  span('client', 'root', { kind: 3, startMs: 1003, durationMs: 142 }),
  span('server', 'client', { kind: 2, service: 'catalog', instanceId: 'catalog-1', startMs: 1138, durationMs: 6 }),
];

test('a server span that started 135 ms late while its instance stalled: waited, with the stall named', () => {
  const waits = stallWaits(call, [stall(1, 980, 150)]);
  assert.deepEqual([...waits.keys()], ['server']);
  const w = waits.get('server');
  assert.equal(w?.waitedMs, 135);
  assert.equal(w?.blockedMs, 127, 'the stall covers the gap from the call to its end at 1130');
  assert.equal(w?.stalls[0]?.route, 'GET /busy/:n');
});

test('no wait without a stall of that very instance through most of the gap', () => {
  assert.equal(stallWaits(call, []).size, 0);
  assert.equal(stallWaits(call, [stall(1, 980, 150, { instanceId: 'catalog-2' })]).size, 0, 'another process of catalog');
  assert.equal(stallWaits(call, [stall(1, 980, 150, { service: 'billing' })]).size, 0, 'another service');
  assert.equal(stallWaits(call, [stall(1, 1120, 100)]).size, 0, '18 ms of a 135 ms gap is not the reason');
  assert.equal(stallWaits(call, [stall(1, 1140, 100)]).size, 0, 'a stall after the span started');
  const prompt = [call[0] as SpanView, call[1] as SpanView, { ...(call[2] as SpanView), startMs: 1008 }];
  assert.equal(stallWaits(prompt, [stall(1, 900, 200)]).size, 0, 'a 5 ms hop is no wait');
});

test("the stall's blocker in words: its route, garbage collection or the agent (which name no route), else code outside a request", () => {
  assert.equal(blockerText(stall(1, 0, 150)), 'GET /busy/:n');
  assert.equal(blockerText(stall(2, 0, 150, { route: null, attributes: { 'headroom.stall.gc': true, 'headroom.stall.gc_ms': 140 } })), 'garbage collection');
  assert.equal(blockerText(stall(3, 0, 150, { route: null, attributes: { 'headroom.stall.agent': true } })), "Headroom's agent");
  assert.equal(blockerText(stall(4, 0, 150, { route: null })), 'code outside any request');
});
