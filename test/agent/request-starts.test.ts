// The request starts that cut a blocked stretch (signals/request-starts.ts): the parts of it in
// which no request started, and only those long enough to be a stall.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestStarts } from '../../agent/src/signals/request-starts';

test('a stretch with no request start is one window, whole', () => {
  const starts = new RequestStarts(100);
  assert.deepEqual(starts.windows(1_000, 1_300), [{ startMs: 1_000, endMs: 1_300 }]);
});

test('requests started back to back under the threshold leave no window', () => {
  const starts = new RequestStarts(100);
  for (let t = 1_005; t < 1_300; t += 20) starts.started(t);
  assert.deepEqual(starts.windows(1_000, 1_300), []);
});

test('the parts at least the threshold long are the windows: before the first start, between two, after the last', () => {
  const starts = new RequestStarts(100);
  for (const t of [1_120, 1_140, 1_400, 1_420]) starts.started(t);
  assert.deepEqual(starts.windows(1_000, 1_600), [
    { startMs: 1_000, endMs: 1_120 },
    { startMs: 1_140, endMs: 1_400 },
    { startMs: 1_420, endMs: 1_600 },
  ]);
});

test("starts before the stretch's estimated start cut nothing in it; a window across it is clipped to it", () => {
  const starts = new RequestStarts(100);
  for (const t of [900, 1_190]) starts.started(t);
  assert.deepEqual(starts.windows(1_000, 1_280), [{ startMs: 1_000, endMs: 1_190 }]);
});

test('a tick starts the interval over: the starts before it cut no later stretch', () => {
  const starts = new RequestStarts(100);
  for (const t of [1_000, 1_150, 1_170]) starts.started(t);
  starts.tick();
  assert.deepEqual(starts.windows(1_200, 1_500), [{ startMs: 1_200, endMs: 1_500 }]);
  // Nor does the time since the last start before the tick make a window of its own.
  starts.started(1_400);
  assert.deepEqual(starts.windows(1_200, 1_450), [{ startMs: 1_200, endMs: 1_400 }]);
});
