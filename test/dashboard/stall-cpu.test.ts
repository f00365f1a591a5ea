// A stall the process spent mostly off the CPU (collector/src/store/stall-cpu.ts) is told apart
// from code blocking the loop: the rule, and the stalls chart's separate grey series.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventView } from '@headroom/collector/api-types';
import { hardlyRan, stallCpuMs } from '../../collector/src/store/stall-cpu';
import { stallsChart } from '../../dashboard/src/charts/stalls-chart';

test('under a third of the duration on CPU: the process hardly ran; unknown CPU is not judged', () => {
  assert.equal(hardlyRan(370, 8.9), true, 'QA: 370 ms with 8.9 ms of CPU on a loaded machine');
  assert.equal(hardlyRan(400, 45), true);
  assert.equal(hardlyRan(250, 58.8), true);
  assert.equal(hardlyRan(1342.9, 270.8), true, 'QA: a starved process still burns CPU on its other threads');
  assert.equal(hardlyRan(200, 123), false, 'a busy loop on a crowded host still burns most of its time');
  assert.equal(hardlyRan(150, 50), false, 'exactly a third counts as running');
  assert.equal(hardlyRan(150, null), false);
  assert.equal(hardlyRan(null, 1), false);
  assert.equal(stallCpuMs({ 'headroom.stall.cpu_ms': 8.9 }), 8.9);
  assert.equal(stallCpuMs({ 'headroom.stall.cpu_ms': '8.9' }), null);
  assert.equal(stallCpuMs({}), null);
});

function stall(id: number, timeMs: number, durationMs: number, cpuMs?: number): EventView {
  return {
    id, type: 'stall', service: 's', instanceId: 'i', timeMs, route: null, traceId: null, spanId: null, durationMs, message: null,
    attributes: cpuMs === undefined ? {} : { 'headroom.stall.cpu_ms': cpuMs },
  };
}

test('the stalls chart draws off-CPU stalls as their own series, only when there are some', () => {
  const c = stallsChart([stall(1, 100, 300, 290), stall(2, 200, 370, 8.9), stall(3, 200, 120, 118), stall(4, 300, 140)]);
  assert.deepEqual(c.x, [100, 200, 300]);
  assert.deepEqual(c.series.map((s) => [s.label, s.values]), [
    ['blocked for', [300, 120, 140]],
    ['process hardly ran', [null, 370, null]],
  ]);
  assert.equal(stallsChart([stall(1, 100, 300, 290)]).series.length, 1);
});
