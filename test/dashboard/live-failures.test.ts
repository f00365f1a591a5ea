// Whether a live aggregate brought new failed requests (dashboard/src/shape/live-failures.ts):
// the Errors page's live refresh, without a browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveAggregate } from '@headroom/collector/api-types';
import { newFailures, readFailures } from '../../dashboard/src/shape/live-failures';

const MINUTE = 60_000;

function aggregate(t: number, requests: number, errorRate: number | null): LiveAggregate {
  return { service: 's', t, requests, errorRate, p50Ms: null, p95Ms: null, p99Ms: null, queueWaitMs: null, appMs: null, responseWriteMs: null };
}

test("a minute's failed-request count that grows is new failures; the same count or none is not", () => {
  const seen = new Map<number, number>();
  const t = 100 * MINUTE;
  assert.equal(newFailures(seen, aggregate(t, 50, 0)), false);
  assert.equal(newFailures(seen, aggregate(t, 80, null)), false);
  assert.equal(newFailures(seen, aggregate(t, 100, 0.03)), true, '3 failed');
  assert.equal(newFailures(seen, aggregate(t, 150, 0.02)), false, 'still 3, more requests');
  assert.equal(newFailures(seen, aggregate(t, 200, 0.02)), true, '4 failed');
  // A new minute starts from none.
  assert.equal(newFailures(seen, aggregate(t + MINUTE, 10, 0.1)), true);
  assert.equal(newFailures(seen, aggregate(t + MINUTE, 10, 0.1)), false);
});

test('minutes older than the live range are forgotten', () => {
  const seen = new Map<number, number>();
  for (let i = 0; i < 40; i++) newFailures(seen, aggregate(i * MINUTE, 10, 0.1));
  assert.ok(seen.size <= 17, `${seen.size} minutes kept`);
  assert.ok(seen.has(39 * MINUTE) && seen.has(23 * MINUTE) && !seen.has(22 * MINUTE));
});

test("the minutes' counts the page has read are not news: an aggregate repeating one is not new failures, one past it is", () => {
  const seen = new Map<number, number>();
  const t = 100 * MINUTE;
  readFailures(seen, [{ t: t - MINUTE, count: 2 }, { t, count: 3 }]);
  assert.equal(newFailures(seen, aggregate(t, 100, 0.03)), false, 'the 3 read');
  assert.equal(newFailures(seen, aggregate(t - MINUTE, 50, 0.04)), false, 'the 2 read');
  assert.equal(newFailures(seen, aggregate(t, 100, 0.04)), true, 'a fourth');
  // An answer read before an aggregate it predates does not lower what was seen.
  readFailures(seen, [{ t, count: 3 }]);
  assert.equal(newFailures(seen, aggregate(t, 100, 0.04)), false);
});
