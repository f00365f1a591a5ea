// A stall marker's label says whose the stall was when it was no route's code: a GC pause
// (headroom.stall.gc, QA s13) or the agent's own work, not a bare "event loop blocked".
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventView } from '@headroom/collector/api-types';
import { eventLabel } from '../../dashboard/src/shape/markers';

const stall = (patch: Partial<EventView>): EventView => ({
  id: 1, type: 'stall', service: 's', instanceId: 's-1', timeMs: 0, route: null, traceId: null, spanId: null, durationMs: 112, message: null, attributes: {}, ...patch,
});

test('a stall marker names garbage collection, the agent, the route, or nothing', () => {
  assert.equal(eventLabel(stall({ attributes: { 'headroom.stall.gc': true, 'headroom.stall.gc_ms': 105 } })), 'event loop blocked 112 ms by garbage collection');
  assert.equal(eventLabel(stall({ attributes: { 'headroom.stall.agent': true } })), "event loop blocked 112 ms by Headroom's agent");
  assert.equal(eventLabel(stall({ route: 'GET /users/:id' })), 'event loop blocked 112 ms in GET /users/:id');
  assert.equal(eventLabel(stall({})), 'event loop blocked 112 ms');
});
