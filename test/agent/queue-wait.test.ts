import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_FUTURE_MS, parseRequestStart, queueWaitFrom, queueWaitFromHeaders } from '../../agent/src/signals/queue-wait';

const NOW = 1_760_000_000_000; // epoch ms

const near = (actual: number | null, expected: number): void => {
  assert.ok(actual !== null && Math.abs(actual - expected) < 0.001, `${String(actual)} ≠ ${expected}`);
};

test('units are told apart by magnitude, with or without t=', () => {
  const startMs = NOW - 250;
  near(parseRequestStart(`t=${(startMs / 1000).toFixed(3)}`), startMs); // nginx t=${msec}
  near(parseRequestStart(`${startMs}`), startMs); // Heroku ms
  near(parseRequestStart(`t=${startMs * 1000}`), startMs); // Apache %t / t=%D µs
  near(parseRequestStart(`${BigInt(startMs) * 1_000_000n}`), startMs); // ns
  near(parseRequestStart(`${startMs / 1000}`), startMs); // seconds without t=
  near(parseRequestStart(`  t= ${startMs} `), startMs);
});

test('queue wait in ms for each format', () => {
  for (const value of [`t=${(NOW - 40) / 1000}`, `${NOW - 40}`, `t=${(NOW - 40) * 1000}`, `${BigInt(NOW - 40) * 1_000_000n}`]) {
    const result = queueWaitFrom(value, NOW);
    assert.equal(result.kind, 'ok', value);
    assert.ok(result.kind === 'ok' && Math.abs(result.ms - 40) < 0.01, value);
  }
});

test('a start slightly in the future (clock skew) counts as 0', () => {
  assert.deepEqual(queueWaitFrom(`${NOW + 300}`, NOW), { kind: 'ok', ms: 0 });
});

test('far-future, absurd and unreadable values are dropped with a reason', () => {
  assert.deepEqual(queueWaitFrom(`${NOW + MAX_FUTURE_MS + 1000}`, NOW), { kind: 'dropped', reason: 'future' });
  assert.deepEqual(queueWaitFrom(`${NOW - 3_600_000}`, NOW), { kind: 'dropped', reason: 'absurd' });
  assert.deepEqual(queueWaitFrom('t=1', NOW), { kind: 'dropped', reason: 'absurd' });
  assert.deepEqual(queueWaitFrom('yesterday', NOW), { kind: 'dropped', reason: 'invalid' });
  assert.deepEqual(queueWaitFrom('', NOW), { kind: 'dropped', reason: 'invalid' });
  assert.deepEqual(queueWaitFrom('1e300', NOW), { kind: 'dropped', reason: 'absurd' });
  assert.deepEqual(queueWaitFrom('99999999999999999999999', NOW), { kind: 'dropped', reason: 'invalid' });
});

test('headers: X-Request-Start first, then X-Queue-Start; none is null', () => {
  assert.equal(queueWaitFromHeaders({}, () => NOW), null);
  assert.deepEqual(queueWaitFromHeaders({ 'x-queue-start': `t=${NOW - 10}` }, () => NOW), { kind: 'ok', ms: 10 });
  assert.deepEqual(queueWaitFromHeaders({ 'x-request-start': `${NOW - 5}`, 'x-queue-start': `${NOW - 10}` }, () => NOW), { kind: 'ok', ms: 5 });
  assert.deepEqual(queueWaitFromHeaders({ 'x-request-start': [`${NOW - 7}`, `${NOW - 9}`] }, () => NOW), { kind: 'ok', ms: 7 });
});
