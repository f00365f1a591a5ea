// The series' dropped counts as the charts' hatched spans and their words, and an instance's
// counts as its card says them: plain functions, no browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TelemetryDropped } from '@headroom/collector/api-types';
import { droppedText, instanceDroppedText, telemetryGaps } from '../../dashboard/src/shape/telemetry-gaps';

const MINUTE = 60_000;
const none = { spans: 0, metricPoints: 0, logs: 0 };

test('droppedText: metric points first, only the signals that lost something, thousands separated', () => {
  assert.equal(droppedText({ spans: 581, metricPoints: 201, logs: 0 }, 2), '201 metric points, 581 spans dropped by 2 instances');
  assert.equal(droppedText({ spans: 0, metricPoints: 0, logs: 1 }, 1), '1 log record dropped by 1 instance');
  assert.equal(droppedText({ spans: 12_345, metricPoints: 1, logs: 0 }, 1), '1 metric point, 12,345 spans dropped by 1 instance');
});

test('telemetryGaps: neighbouring incomplete buckets make one span around their points; its words add up the gaps in it', () => {
  const t0 = 1_800_000_000_000;
  const dropped: TelemetryDropped = {
    buckets: [
      { t: t0, instances: 1, ...none },
      { t: t0 + MINUTE, instances: 2, spans: 581, metricPoints: 251, logs: 0 },
      { t: t0 + 5 * MINUTE, instances: 1, spans: 0, metricPoints: 0, logs: 3 },
    ],
    gaps: [
      { instanceId: 'a', fromMs: t0 + 20_000, toMs: t0 + MINUTE + 10_000, spans: 581, metricPoints: 201, logs: 0 },
      { instanceId: 'b', fromMs: t0 + MINUTE, toMs: t0 + MINUTE + 30_000, spans: 0, metricPoints: 50, logs: 0 },
      { instanceId: 'a', fromMs: t0 + 5 * MINUTE, toMs: t0 + 5 * MINUTE + 20_000, spans: 0, metricPoints: 0, logs: 3 },
    ],
    total: { spans: 581, metricPoints: 251, logs: 3 },
  };
  assert.deepEqual(telemetryGaps(dropped, MINUTE), [
    { fromMs: t0 - 30_000, toMs: t0 + MINUTE + 30_000, label: 'telemetry incomplete: 251 metric points, 581 spans dropped by 2 instances' },
    { fromMs: t0 + 5 * MINUTE - 30_000, toMs: t0 + 5 * MINUTE + 30_000, label: 'telemetry incomplete: 3 log records dropped by 1 instance' },
  ]);
  // An older collector sends no `dropped`; nothing dropped draws nothing.
  assert.deepEqual(telemetryGaps(undefined, MINUTE), []);
  assert.deepEqual(telemetryGaps({ buckets: [], gaps: [], total: none }, MINUTE), []);
});

test('instanceDroppedText: not reported, nothing, all in the range, part of it', () => {
  assert.deepEqual(instanceDroppedText({ dropped: null, droppedInRange: null }), { text: 'not reported (an agent other than Headroom’s, or an older one)', lost: false });
  assert.deepEqual(instanceDroppedText({ dropped: none, droppedInRange: none }), { text: 'nothing', lost: false });
  const lost = { spans: 581, metricPoints: 201, logs: 0 };
  assert.equal(instanceDroppedText({ dropped: lost, droppedInRange: lost }).text, '581 spans, 201 metric points, 0 log records since start (all in this range)');
  assert.equal(instanceDroppedText({ dropped: lost, droppedInRange: none }).text, '581 spans, 201 metric points, 0 log records since start (none in this range)');
  assert.equal(
    instanceDroppedText({ dropped: lost, droppedInRange: { spans: 281, metricPoints: 0, logs: 0 } }).text,
    '581 spans, 201 metric points, 0 log records since start (in this range: 281 spans, 0 metric points, 0 log records)',
  );
});
