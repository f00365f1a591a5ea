// Cumulative → delta per stream: first-point rule, duplicates, resets, exponential rescaling,
// staged commits, and the bounded state map.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CumulativeToDelta, type ExponentialState } from '../../collector/src/receiver/cumulative-to-delta';

const S = 1_000_000_000n; // one second in ns
const T0 = 1_700_000_000n * S;

function sum(c: CumulativeToDelta, key: string, start: bigint, time: bigint, v: number): number | null {
  const tx = c.begin(0);
  const d = tx.sum(key, start, time, v);
  tx.commit();
  return d;
}

test('first point: a delta from its start when the start is recent, else it only seeds', () => {
  const c = new CumulativeToDelta({ firstPointMaxAgeMs: 600_000 });
  assert.equal(sum(c, 'fresh', T0, T0 + 60n * S, 5), 5);
  assert.equal(sum(c, 'old', T0, T0 + 3600n * S, 500), null); // started an hour ago: seed only
  assert.equal(sum(c, 'old', T0, T0 + 3660n * S, 530), 30);
  assert.equal(sum(c, 'unknown-start', 0n, T0, 7), null); // no start time: seed only
  assert.equal(sum(c, 'unknown-start', 0n, T0 + 60n * S, 9), 2);
});

test('duplicates and out-of-order points give no delta; resets by start time or by a value going down', () => {
  const c = new CumulativeToDelta();
  assert.equal(sum(c, 'k', T0, T0 + 60n * S, 10), 10);
  assert.equal(sum(c, 'k', T0, T0 + 60n * S, 10), null); // same point again
  assert.equal(sum(c, 'k', T0, T0 + 30n * S, 4), null); // older than the last
  assert.equal(sum(c, 'k', T0, T0 + 120n * S, 25), 15);
  assert.equal(sum(c, 'k', T0 + 200n * S, T0 + 260n * S, 3), 3); // new start time: restarted
  assert.equal(sum(c, 'k', 0n, T0 + 320n * S, 1), 1); // went down without a start time: reset
});

test('explicit histograms subtract bucket by bucket; changed bounds count as a reset', () => {
  const c = new CumulativeToDelta();
  const tx = c.begin(0);
  assert.deepEqual(tx.explicit('h', T0, T0 + 10n * S, { count: 3, sum: 3, bounds: [1, 2], counts: [1, 1, 1] }), { count: 3, sum: 3, bounds: [1, 2], counts: [1, 1, 1] });
  // Within one transaction the staged state is what the next point is compared with.
  assert.deepEqual(tx.explicit('h', T0, T0 + 20n * S, { count: 5, sum: 4.5, bounds: [1, 2], counts: [2, 2, 1] }), { count: 2, sum: 1.5, bounds: [1, 2], counts: [1, 1, 0] });
  tx.commit();
  const tx2 = c.begin(0);
  assert.deepEqual(tx2.explicit('h', T0, T0 + 30n * S, { count: 6, sum: 5, bounds: [1, 5], counts: [3, 2, 1] }), { count: 6, sum: 5, bounds: [1, 5], counts: [3, 2, 1] });
});

test('exponential histograms: a lowered scale is handled by downscaling the previous buckets', () => {
  const c = new CumulativeToDelta();
  const first: ExponentialState = { count: 4, sum: 10, scale: 3, zeroCount: 1, offset: 8, counts: [1, 1, 1] }; // indexes 8, 9, 10
  const tx = c.begin(0);
  assert.deepEqual(tx.exponential('e', T0, T0 + 10n * S, first), first);
  // At scale 2, old indexes 8,9 → 4 and 10 → 5.
  const second: ExponentialState = { count: 7, sum: 20, scale: 2, zeroCount: 1, offset: 4, counts: [3, 2, 1] };
  assert.deepEqual(tx.exponential('e', T0, T0 + 20n * S, second), { count: 3, sum: 10, scale: 2, zeroCount: 0, offset: 4, counts: [1, 1, 1] });
  // A raised scale cannot come from the same cumulative stream: treated as a reset.
  const third: ExponentialState = { count: 9, sum: 21, scale: 3, zeroCount: 1, offset: 8, counts: [4, 3, 1] };
  assert.deepEqual(tx.exponential('e', T0, T0 + 30n * S, third), third);
});

test('a transaction that is not committed leaves the state as it was', () => {
  const c = new CumulativeToDelta();
  assert.equal(sum(c, 'k', T0, T0 + 10n * S, 5), 5);
  const tx = c.begin(0);
  assert.equal(tx.sum('k', T0, T0 + 20n * S, 8), 3); // not committed (the store said "queue full")
  assert.equal(sum(c, 'k', T0, T0 + 20n * S, 8), 3); // the retry gives the same delta
});

test('the state map is bounded by size (least recently updated first) and by age', () => {
  const c = new CumulativeToDelta({ maxStreams: 3, ttlMs: 1000 });
  for (const k of ['a', 'b', 'c', 'd']) sum(c, k, T0, T0 + S, 1);
  assert.equal(c.size, 3);
  // 'a' was evicted: its next point only seeds (start long before), no delta.
  const tx = c.begin(0);
  assert.equal(tx.sum('a', T0 - 3600n * S, T0 + 2n * S, 2), null);
  const late = c.begin(10_000);
  late.sum('z', T0, T0 + S, 1);
  late.commit(); // everything not updated within the last second is swept
  assert.equal(c.size, 1);
});
