import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axisLabel, formatAge, formatApdex, formatBytes, formatMs, formatPercent, formatRpm, formatTick, formatValue, unitLabel } from '../../dashboard/src/format/units';
import { timeTicks } from '../../dashboard/src/format/time-ticks';

test('durations pick a unit that reads well', () => {
  assert.equal(formatMs(0), '0 ms');
  assert.equal(formatMs(0.25), '250 µs');
  assert.equal(formatMs(3.456), '3.46 ms');
  assert.equal(formatMs(42.34), '42.3 ms');
  assert.equal(formatMs(230), '230 ms');
  assert.equal(formatMs(1234), '1.23 s');
  assert.equal(formatMs(90_000), '1.5 min');
  assert.equal(formatMs(null), '–');
  assert.equal(formatMs(Number.NaN), '–');
});

test('bytes use binary units', () => {
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(150 * 1024 * 1024), '150 MiB');
  assert.equal(formatBytes(2 * 1024 ** 3), '2 GiB');
  assert.equal(formatBytes(undefined), '–');
});

test('ratios, throughput and Apdex', () => {
  assert.equal(formatPercent(0.1234), '12.3 %');
  assert.equal(formatPercent(0.0004), '<0.1 %');
  assert.equal(formatPercent(0), '0 %');
  assert.equal(formatPercent(0.95, 0), '95 %');
  assert.equal(formatPercent(0.004, 0), '<1 %', 'in whole percents, a share that is not 0 does not read 0');
  assert.equal(formatPercent(0.006, 0), '<1 %');
  assert.equal(formatPercent(0, 0), '0 %');
  assert.equal(formatRpm(1200), '1200 rpm');
  assert.equal(formatRpm(12_000), '12 k rpm');
  assert.equal(formatRpm(2.5), '2.5 rpm');
  assert.equal(formatApdex(0.876), '0.88');
  assert.equal(formatApdex(null), '–');
});

test('every unit has an axis label and tick text', () => {
  for (const unit of ['ms', 'bytes', 'rpm', 'percent', 'apdex', 'count'] as const) {
    assert.ok(unitLabel(unit).length > 0, unit);
    assert.notEqual(formatTick(unit, 1), '');
    assert.notEqual(formatValue(unit, 1), '');
  }
  assert.equal(formatTick('percent', 0.5), '50 %');
  assert.equal(formatTick('bytes', 1024 * 1024), '1 MiB');
});

test('ages read as uptime', () => {
  assert.equal(formatAge(42_000), '42 s');
  assert.equal(formatAge(5 * 60_000), '5 min');
  assert.equal(formatAge(3 * 3_600_000 + 7 * 60_000), '3 h 7 min');
  assert.equal(formatAge(3 * 86_400_000), '3 d 0 h');
  assert.equal(formatAge(-1), '–');
});

test('the time axis reads as the rest of the page: 24-hour clock, days as 11-28 (as in 2026-11-28), not 8:05am and 11/28/26', () => {
  const at = (h: number, m: number, s = 0, day = 28) => new Date(2026, 10, day, h, m, s).getTime();
  const MINUTE = 60_000;
  // Minutes: the clock, the day under the first tick and where the day changes.
  assert.deepEqual(timeTicks([at(8, 0), at(8, 5), at(8, 10)], 5 * MINUTE), ['08:00\n11-28', '08:05', '08:10']);
  assert.deepEqual(timeTicks([at(23, 0), at(0, 0, 0, 29), at(1, 0, 0, 29)], 60 * MINUTE), ['23:00\n11-28', '00:00\n11-29', '01:00']);
  // Seconds when the ticks are under a minute apart; days alone when they are a day or more apart.
  assert.deepEqual(timeTicks([at(8, 0, 10), at(8, 0, 20)], 10_000), ['08:00:10\n11-28', '08:00:20']);
  assert.deepEqual(timeTicks([at(0, 0, 0, 27), at(0, 0, 0, 28)], 24 * 60 * MINUTE), ['11-27', '11-28']);
});

test('an axis whose ticks change unit (µs, ms, s; B to GiB) is named for what it measures, not for one of those units', () => {
  // "6 s" on an axis labelled "ms" (event-loop delay, GC pauses), "1 GiB" on one labelled "bytes".
  assert.equal(formatTick('ms', 6000), '6 s');
  assert.equal(axisLabel('ms'), 'duration');
  assert.equal(formatTick('bytes', 2 ** 30), '1 GiB');
  assert.equal(axisLabel('bytes'), 'size');
  // Ticks in the label's own unit keep it.
  assert.equal(axisLabel('rpm'), 'requests/min');
  assert.equal(axisLabel('percent'), '%');
});
