import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlightTracker } from '../../agent/src/signals/capacity';
import { delaySeconds } from '../../agent/src/signals/event-loop-delay';
import { blockedMs, TICK_MS } from '../../agent/src/signals/stalls';

test('in-flight: time-weighted mean and peak per interval', () => {
  const t = new InFlightTracker(0);
  t.change(1, 0);
  t.change(1, 500); // 1 in flight for 500 ms, then 2
  t.change(-1, 750); // 2 for 250 ms, then 1 for 250 ms
  const first = t.take(1000);
  assert.equal(first.max, 2);
  assert.equal(first.mean, (1 * 500 + 2 * 250 + 1 * 250) / 1000);
  const second = t.take(2000); // 1 in flight throughout
  assert.deepEqual(second, { mean: 1, max: 1 });
});

test('event-loop delay: the histogram resolution is subtracted, never below zero', () => {
  assert.equal(delaySeconds(20e6, 20), 0);
  assert.equal(delaySeconds(15e6, 20), 0);
  assert.ok(Math.abs(delaySeconds(120e6, 20) - 0.1) < 1e-12);
});

test('stall duration: the midpoint of what a late tick allows', () => {
  assert.equal(blockedMs(220, 20), 210);
  assert.equal(blockedMs(TICK_MS / 4), 0);
});

