import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlightTracker } from '../../agent/src/signals/capacity';
import { EventLoopDelay } from '../../agent/src/signals/event-loop-delay';
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

test('event-loop delay: percentiles of how late the ticks fired, in seconds, one interval per take', () => {
  const delay = new EventLoopDelay();
  assert.equal(delay.take(), null);
  for (let i = 0; i < 98; i++) delay.record(0);
  delay.record(50);
  delay.record(200);
  const taken = delay.take();
  assert.ok(taken);
  assert.ok(taken.p50 < 1e-6, `p50 ${taken.p50}`);
  assert.ok(Math.abs(taken.max - 0.2) < 0.2 * 0.01, `max ${taken.max}`); // the histogram keeps ~3 significant digits
  assert.ok(Math.abs(taken.p99 - 0.05) < 0.05 * 0.01, `p99 ${taken.p99}`);
  assert.equal(delay.take(), null); // reset
});

test('stall duration: the midpoint of what a late tick allows', () => {
  assert.equal(blockedMs(220, 20), 210);
  assert.equal(blockedMs(TICK_MS / 4), 0);
});

