import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveAggregate, ServiceSeriesResponse } from '@headroom/collector/api-types';
import { backoffDelay } from '../../dashboard/src/live/backoff';
import { parseLiveMessage } from '../../dashboard/src/live/parse-message';
import { canMerge, mergeAggregate } from '../../dashboard/src/shape/live-merge';

const MIN = 60_000;

function series(ts: number[]): ServiceSeriesResponse {
  const col = (v: number) => ts.map(() => v);
  return {
    from: ts[0] ?? 0, to: (ts[ts.length - 1] ?? 0) + MIN, service: 'api', route: null, instanceId: null, bucketMs: MIN,
    t: ts, requests: col(10), throughputRpm: col(10), errorRate: col(0), p50Ms: col(5), p95Ms: col(20), p99Ms: col(40),
    apdex: col(1), queueWaitMs: col(1), appMs: col(4), responseWriteMs: col(0.5), bodyReadMs: col(0), bodyReadPerRequestMs: col(0),
  };
}

function agg(t: number, requests: number): LiveAggregate {
  return { service: 'api', t, requests, errorRate: 0.5, p50Ms: 7, p95Ms: 70, p99Ms: 700, queueWaitMs: 2, appMs: 6, responseWriteMs: 1, bodyReadPerRequestMs: 0.25 };
}

test('an aggregate for a new minute extends the series and scrolls the window', () => {
  const s = series([0, MIN, 2 * MIN]);
  const next = mergeAggregate(s, agg(3 * MIN, 30), MIN, 4 * MIN);
  assert.ok(next);
  assert.deepEqual(next.t, [MIN, 2 * MIN, 3 * MIN]);
  assert.deepEqual(next.requests, [10, 10, 30]);
  assert.deepEqual(next.throughputRpm, [10, 10, 30]);
  assert.deepEqual(next.p95Ms, [20, 20, 70]);
  assert.deepEqual(next.apdex, [1, 1, null], 'the stream carries no Apdex: unknown, not stale');
  assert.equal(next.t.length, next.bodyReadMs.length);
  assert.deepEqual(next.bodyReadPerRequestMs, [0, 0, 0.25], 'the body-read part of the stack comes live too');
  assert.deepEqual(s.t, [0, MIN, 2 * MIN], 'the input is not changed');
});

test('an aggregate for the current minute replaces it (it is the minute as it stands)', () => {
  const next = mergeAggregate(series([0, MIN]), agg(MIN, 99), 0, 2 * MIN);
  assert.ok(next);
  assert.deepEqual(next.t, [0, MIN]);
  assert.deepEqual(next.requests, [10, 99]);
  assert.deepEqual(next.apdex, [1, 1], 'an existing Apdex stays');
});

test('a late minute goes in time order', () => {
  const next = mergeAggregate(series([0, 2 * MIN]), agg(MIN, 5), 0, 3 * MIN);
  assert.ok(next);
  assert.deepEqual(next.t, [0, MIN, 2 * MIN]);
  assert.deepEqual(next.requests, [10, 5, 10]);
});

test('only whole-service minute series take aggregates', () => {
  const s = series([0]);
  assert.equal(canMerge(s, agg(0, 1)), true);
  assert.equal(mergeAggregate({ ...s, route: 'GET /' }, agg(0, 1), 0, MIN), null);
  assert.equal(mergeAggregate({ ...s, bucketMs: 5 * MIN }, agg(0, 1), 0, MIN), null);
  assert.equal(mergeAggregate(s, { ...agg(0, 1), service: 'other' }, 0, MIN), null);
});

test('live frames are checked before use', () => {
  assert.deepEqual(parseLiveMessage('{"type":"hello","serverTime":5}'), { type: 'hello', serverTime: 5 });
  assert.equal(parseLiveMessage('{"type":"aggregate","aggregate":{"service":"a","t":1}}')?.type, 'aggregate');
  assert.equal(parseLiveMessage('{"type":"resync","reason":"slow"}')?.type, 'resync');
  assert.equal(parseLiveMessage('not json'), null);
  assert.equal(parseLiveMessage('{"type":"aggregate"}'), null);
  assert.equal(parseLiveMessage('{"type":"trace","trace":{}}'), null);
  assert.equal(parseLiveMessage('{"type":"boom"}'), null);
  assert.equal(parseLiveMessage('[1]'), null);
});

test('reconnect delays grow, are jittered, and are capped', () => {
  const opts = { baseMs: 500, maxMs: 15_000 };
  assert.equal(backoffDelay(0, 0, opts), 250);
  assert.equal(backoffDelay(0, 0.999999, opts), 500);
  assert.equal(backoffDelay(3, 0, opts), 2000);
  assert.equal(backoffDelay(50, 0.999999, opts), 15_000);
  assert.ok(backoffDelay(2, 0.5, opts) > backoffDelay(1, 0.5, opts));
});
