import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlightTracker } from '../../agent/src/signals/capacity';
import { EventLoopDelay } from '../../agent/src/signals/event-loop-delay';
import { blockedMs, splitStall, stallTimes, TICK_MS } from '../../agent/src/signals/stalls';

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
  assert.ok(taken.p50 <= 1e-6, `p50 ${taken.p50}`); // on time: the histogram's lowest value, 1 µs
  assert.ok(Math.abs(taken.max - 0.2) < 0.2 * 0.01, `max ${taken.max}`); // the histogram keeps 2 significant digits (≤ 0.5 % off)
  assert.ok(Math.abs(taken.p99 - 0.05) < 0.05 * 0.01, `p99 ${taken.p99}`);
  assert.equal(delay.take(), null); // reset
});

test('stall duration: the midpoint of what a late tick allows', () => {
  assert.equal(blockedMs(220, 20), 210);
  assert.equal(blockedMs(TICK_MS / 4), 0);
});

test('stall times: the tick estimate narrowed to what the span and the snapshot allow', () => {
  const estimate = { startEpochMs: 1_000, endEpochMs: 1_252 };
  const inside = (start: number | null, end: number | null, at: number) => ({ spanStartEpochMs: start, spanEndEpochMs: () => end, atEpochMs: at });
  // No snapshot: the estimate as is.
  assert.deepEqual(stallTimes(estimate, null), estimate);
  // The request started after the estimated start and ended before the tick fired: inside it.
  assert.deepEqual(stallTimes(estimate, inside(1_002, 1_250, 1_100)), { startEpochMs: 1_002, endEpochMs: 1_250 });
  // Still running at the tick: only the start is narrowed.
  assert.deepEqual(stallTimes(estimate, inside(1_002, null, 1_100)), { startEpochMs: 1_002, endEpochMs: 1_252 });
  // A span that had ended before the snapshot says nothing of the blocking code's end.
  assert.deepEqual(stallTimes(estimate, inside(900, 950, 1_100)), estimate);
  // The blocking code ran at the snapshot, whatever the estimate says.
  assert.deepEqual(stallTimes({ startEpochMs: 1_120, endEpochMs: 1_130 }, inside(null, null, 1_100)), { startEpochMs: 1_100, endEpochMs: 1_130 });
});

test('stall split: a blocked stretch is cut between the requests caught in it', () => {
  const estimate = { startEpochMs: 1_000, endEpochMs: 1_750 };
  const caught = (start: number | null, end: number | null, at: number) => ({ spanStartEpochMs: start, spanEndEpochMs: () => end, atEpochMs: at });
  // One request caught: the whole stretch is its.
  assert.deepEqual(splitStall(estimate, [caught(990, 1_740, 1_050)]), [estimate]);
  // The second request's span began after the first was caught: that is where its handler began.
  assert.deepEqual(splitStall(estimate, [caught(990, 1_250, 1_050), caught(1_251, 1_500, 1_300), caught(1_502, null, 1_550)]), [
    { startEpochMs: 1_000, endEpochMs: 1_251 },
    { startEpochMs: 1_251, endEpochMs: 1_502 },
    { startEpochMs: 1_502, endEpochMs: 1_750 },
  ]);
  // The second's span began earlier (an awaited continuation): the first's end, else halfway.
  assert.deepEqual(splitStall(estimate, [caught(990, 1_400, 1_050), caught(800, null, 1_500)]), [
    { startEpochMs: 1_000, endEpochMs: 1_400 },
    { startEpochMs: 1_400, endEpochMs: 1_750 },
  ]);
  assert.deepEqual(splitStall(estimate, [caught(990, null, 1_050), caught(800, null, 1_450)]), [
    { startEpochMs: 1_000, endEpochMs: 1_250 },
    { startEpochMs: 1_250, endEpochMs: 1_750 },
  ]);
  // Caught in an inner span that ended at 1,250, while its handler went on to call res.end() at
  // 1,500; then a callback of no request: the cut is the request's end, not the inner span's.
  const inInner = { ...caught(1_010, 1_250, 1_050), requestEndEpochMs: () => 1_500 };
  assert.deepEqual(splitStall(estimate, [inInner, caught(null, null, 1_600)]), [
    { startEpochMs: 1_000, endEpochMs: 1_500 },
    { startEpochMs: 1_500, endEpochMs: 1_750 },
  ]);
});

