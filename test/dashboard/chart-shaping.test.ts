import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventView, InstanceSeries, InstanceSeriesResponse, ServiceSeriesResponse, ServiceSummary } from '@headroom/collector/api-types';
import { eventLoopDelayChart, gcChart, memoryChart, shortInstance } from '../../dashboard/src/charts/instance-charts';
import { paletteColor } from '../../dashboard/src/charts/chart-spec';
import { responseTimeChart } from '../../dashboard/src/charts/response-time-chart';
import { apdexChart, errorRateChart, throughputChart } from '../../dashboard/src/charts/service-metric-charts';
import { sparklineChart } from '../../dashboard/src/charts/sparkline';
import { stallsChart } from '../../dashboard/src/charts/stalls-chart';
import { alignTables } from '../../dashboard/src/shape/align';
import { isolatedPoints } from '../../dashboard/src/shape/isolated-points';
import { clusterMarkers, flagRows } from '../../dashboard/src/charts/marker-clusters';
import { legendIndex } from '../../dashboard/src/charts/legend-index';
import { eventsToMarkers } from '../../dashboard/src/shape/markers';
import { stackParts } from '../../dashboard/src/shape/stack';

const serviceSeries: ServiceSeriesResponse = {
  from: 0, to: 180_000, service: 'api', route: null, instanceId: null, bucketMs: 60_000,
  t: [0, 60_000, 120_000],
  requests: [60, 120, 0], throughputRpm: [60, 120, 0], errorRate: [0, 0.1, null],
  p50Ms: [10, 12, null], p95Ms: [40, 80, null], p99Ms: [90, 300, null], apdex: [1, 0.8, null],
  queueWaitMs: [5, null, null], appMs: [20, 30, null], responseWriteMs: [1, 2, null], bodyReadMs: [0, 40, null], bodyReadPerRequestMs: [0, 4, null],
};

function instance(id: string, t: number[], rss: number[]): InstanceSeries {
  const nulls = t.map(() => null);
  return {
    instanceId: id, t, rssBytes: rss, heapUsedBytes: rss.map((r) => r / 2), heapTotalBytes: nulls, heapLimitBytes: t.map(() => 4e9),
    externalBytes: nulls, eventLoopDelayP99Ms: t.map(() => 12), eventLoopDelayMaxMs: t.map(() => 50), eventLoopUtilization: t.map(() => 0.3),
    inFlightMean: nulls, inFlightMax: nulls, gcPauseMs: nulls, gcPauseOnCpuMs: nulls,
  };
}

test('stacked parts are running sums; an all-null bucket stays a gap', () => {
  assert.deepEqual(stackParts([[5, null, null], [20, 30, null], [1, 2, null]]), [[5, 0, null], [25, 30, null], [26, 32, null]]);
});

test('the response-time chart stacks body read / app / write, draws queue wait (of only the requests with the header) as a line, and adds percentiles', () => {
  const c = responseTimeChart(serviceSeries);
  assert.equal(c.unit, 'ms');
  assert.deepEqual(c.x, serviceSeries.t);
  assert.deepEqual(c.series.map((s) => s.label), ['body read (mean)', 'app (mean)', 'response write (mean)', 'queue wait (requests with the header)', 'p50', 'p95', 'p99']);
  assert.deepEqual(c.series[0]?.values, [0, 4, null], 'body read per request at the bottom');
  assert.deepEqual(c.series[2]?.values, [21, 36, null], 'the top of the stack is body read + app + write, without queue wait');
  assert.deepEqual(c.series[2]?.legendValues, [1, 2, null], 'the legend shows the part, not the sum');
  assert.deepEqual(c.series[3]?.values, [5, null, null], 'queue wait as sent, not stacked');
  assert.equal(c.series[3]?.style, 'line');
  assert.deepEqual(c.series[5]?.values, [40, 80, null], 'p95');
  assert.deepEqual(c.bands?.map((b) => [b.upper, b.lower]), [[1, 0], [2, 1]]);
});

test('a series from an older collector (no bodyReadPerRequestMs) stacks app / write with an empty body-read part', () => {
  const { bodyReadPerRequestMs: _omitted, ...older } = serviceSeries;
  const c = responseTimeChart(older as typeof serviceSeries);
  assert.deepEqual(c.series[0]?.values, [0, 0, null]);
  assert.deepEqual(c.series[2]?.values, [21, 32, null]);
});

test('throughput, error rate and Apdex charts carry their unit and scale', () => {
  assert.equal(throughputChart(serviceSeries, [], 180_000).unit, 'rpm');
  assert.deepEqual(throughputChart(serviceSeries, [], 180_000).series[0]?.values, [60, 120, 0]);
  assert.equal(errorRateChart(serviceSeries).unit, 'percent');
  const apdex = apdexChart(serviceSeries, 250);
  assert.deepEqual(apdex.yRange, [0, 1]);
  assert.match(apdex.title, /T = 250 ms/);
});

test('instances on their own clocks are aligned on the union of times', () => {
  const { x, columns } = alignTables([
    { t: [0, 10], columns: [[1, 2]] },
    { t: [5, 10, 20], columns: [[7, 8, 9], [70, 80, 90]] },
  ]);
  assert.deepEqual(x, [0, 5, 10, 20]);
  assert.deepEqual(columns, [[1, null, 2, null], [null, 7, 8, 9], [null, 70, 80, 90]]);
});

test('memory per instance: RSS, heap used and heap limit per process, one colour each', () => {
  const r: InstanceSeriesResponse = {
    from: 0, to: 30, service: 'api', bucketMs: 10,
    instances: [instance('host-a:101', [0, 10], [100, 110]), instance('host-b:202', [10, 20], [200, 210])],
  };
  const c = memoryChart(r);
  assert.equal(c.unit, 'bytes');
  assert.deepEqual(c.x, [0, 10, 20]);
  assert.deepEqual(c.series.map((s) => s.label), [
    'host-a:101 RSS', 'host-a:101 heap used', 'host-a:101 heap limit',
    'host-b:202 RSS', 'host-b:202 heap used', 'host-b:202 heap limit',
  ]);
  assert.deepEqual(c.series[0]?.values, [100, 110, null]);
  assert.deepEqual(c.series[4]?.values, [null, 100, 105]);
  assert.equal(c.series[0]?.color, c.series[2]?.color);
  assert.notEqual(c.series[0]?.color, c.series[3]?.color);
  assert.ok(c.key.startsWith('memory:'), 'a new instance count rebuilds the chart');
  assert.deepEqual(c.yRange, [0, 210 * 1.15], 'a far-away heap limit does not flatten the chart');
  const near = memoryChart({ ...r, instances: [instance('h', [0], [3e9])] });
  assert.equal(near.yRange, undefined, 'usage near the limit: the limit is drawn to scale');
  assert.deepEqual(eventLoopDelayChart(r).series.map((s) => s.label).slice(0, 2), ['host-a:101 p99', 'host-a:101 max']);
});

test('per-instance legends list the processes by name, numbers in order, as the Instances page does (not first seen)', () => {
  const r: InstanceSeriesResponse = {
    from: 0, to: 30, service: 'api', bucketMs: 10,
    instances: [instance('w10', [0], [110]), instance('w2', [0], [102]), instance('p', [0], [100])],
  };
  const names = new Map([['w10', 'worker 10 · pid 310'], ['w2', 'worker 2 · pid 302'], ['p', 'primary · pid 300']]);
  const c = eventLoopDelayChart(r, [], names);
  assert.deepEqual(c.series.filter((s) => s.label.endsWith('p99')).map((s) => s.label), ['primary · pid 300 p99', 'worker 2 · pid 302 p99', 'worker 10 · pid 310 p99']);
  // Each keeps its own values, and the colours follow the order.
  assert.deepEqual(memoryChart(r, [], names).series.filter((s) => s.label.endsWith('RSS')).map((s) => s.values), [[100], [102], [110]]);
  assert.deepEqual(c.series.filter((s) => s.label.endsWith('p99')).map((s) => s.color), [0, 1, 2].map((i) => paletteColor(i)));
});

test('the GC chart draws, beside each process\'s pauses, the part on CPU where it was reported; else the pauses alone', () => {
  // QA: 1.9 s of pauses for 0.6 s of collection on a core shared with three busy processes.
  const on: InstanceSeries = { ...instance('web-1', [0, 60_000], [1, 1]), gcPauseMs: [1900, 40], gcPauseOnCpuMs: [600, 38] };
  const both = gcChart({ from: 0, to: 120_000, service: 'api', bucketMs: 60_000, instances: [on] });
  assert.deepEqual(both.series.map((s) => s.label), ['web-1 pauses', 'web-1 on CPU']);
  assert.deepEqual(both.series[1]?.values, [600, 38]);
  assert.ok(both.series[1]?.dash, 'the on-CPU line is dashed');
  assert.match(both.title, /on CPU/);
  const older = gcChart({ from: 0, to: 120_000, service: 'api', bucketMs: 60_000, instances: [{ ...on, gcPauseOnCpuMs: [null, null] }] });
  assert.deepEqual(older.series.map((s) => s.label), ['web-1']);
  assert.equal(older.title, 'GC pause time per bucket');
});

test('long instance ids are shortened for legends only', () => {
  assert.equal(shortInstance('short'), 'short');
  const long = '2f1c9a7e-3b44-4f0e-9a51-0c2d5e6f7a8b';
  assert.equal(shortInstance(long), '2f1c9a7e-3…5e6f7a8b');
});

function ev(partial: Partial<EventView>): EventView {
  return {
    id: 1, type: 'stall', service: 'api', instanceId: 'i-1', timeMs: 0, route: null, traceId: null, spanId: null,
    durationMs: null, message: null, attributes: {}, ...partial,
  };
}

test('events become labelled markers inside the window, oldest first, each with where its listed entry leads', () => {
  const markers = eventsToMarkers([
    ev({ id: 1, timeMs: 500, durationMs: 230, route: 'GET /slow', traceId: 'aa01' }),
    ev({ id: 2, timeMs: 100, type: 'restart', instanceId: 'web-2' }),
    ev({ id: 3, timeMs: 5000, durationMs: 10 }),
    ev({ id: 4, timeMs: 300, type: 'uncaught_exception', message: 'boom' }),
    ev({ id: 5, timeMs: 600, durationMs: 120 }),
    ev({ id: 6, timeMs: 700, type: 'unhandled_rejection', message: 'nope', traceId: 'aa02' }),
    ev({ id: 7, timeMs: 800, durationMs: 150, route: 'GET /report' }),
  ], 0, 1000);
  assert.deepEqual(markers, [
    { timeMs: 100, kind: 'restart', label: 'process restarted (web-2)', link: { page: 'instances' } },
    // A crash outside a request: no page lists it, so nothing to open.
    { timeMs: 300, kind: 'error', label: 'uncaught exception: boom' },
    { timeMs: 500, kind: 'stall', label: 'event loop blocked 230 ms in GET /slow', link: { page: 'trace', traceId: 'aa01' } },
    // A stall outside a request: the event-loop page lists it.
    { timeMs: 600, kind: 'stall', label: 'event loop blocked 120 ms', link: { page: 'event-loop', route: null } },
    { timeMs: 700, kind: 'error', label: 'unhandled rejection: nope', link: { page: 'trace', traceId: 'aa02' } },
    // A route's stall whose trace was not kept: the event-loop page, filtered to that route.
    { timeMs: 800, kind: 'stall', label: 'event loop blocked 150 ms in GET /report', link: { page: 'event-loop', route: 'GET /report' } },
  ]);
});

test("a process's start, restart or stop marker names it as the pages do, not by its instance id", () => {
  const names = new Map([['6b17d5e7-a000-4000-8000-0000b3fcd381', 'worker 2 · pid 8675']]);
  const labels = eventsToMarkers([
    ev({ id: 1, timeMs: 100, type: 'start', instanceId: '6b17d5e7-a000-4000-8000-0000b3fcd381' }),
    ev({ id: 2, timeMs: 200, type: 'restart', instanceId: '6b17d5e7-a000-4000-8000-0000b3fcd381' }),
    ev({ id: 3, timeMs: 300, type: 'stop', instanceId: '6b17d5e7-a000-4000-8000-0000b3fcd381' }),
    ev({ id: 4, timeMs: 400, type: 'start', instanceId: 'not-listed' }),
  ], 0, 1000, names).map((m) => m.label);
  assert.deepEqual(labels, ['process started (worker 2 · pid 8675)', 'process restarted (worker 2 · pid 8675)', 'process stopped (worker 2 · pid 8675)', 'process started (not-listed)']);
});

test('the stalls chart has one point per stall, the longer kept on a shared millisecond', () => {
  const c = stallsChart([
    ev({ id: 1, timeMs: 200, durationMs: 80 }),
    ev({ id: 2, timeMs: 100, durationMs: 300 }),
    ev({ id: 3, timeMs: 200, durationMs: 120 }),
    ev({ id: 4, timeMs: 150, type: 'start' }),
  ]);
  assert.deepEqual(c.x, [100, 200]);
  assert.deepEqual(c.series[0]?.values, [300, 120]);
  assert.equal(c.series[0]?.style, 'points');
});

test('lone values are found so they can be drawn as dots', () => {
  assert.deepEqual(isolatedPoints([null, null, 5]), [2]);
  assert.deepEqual(isolatedPoints([1, null, 3, 4, null, 6]), [0, 5]);
  assert.equal(isolatedPoints([1, 2, 3]), null);
  assert.equal(isolatedPoints([]), null);
});

test('the legend reads every series at the newest bucket that has data in any of them', () => {
  const spec = { key: 'k', title: 't', unit: 'ms' as const, x: [0, 60_000, 120_000, 180_000], series: [
    { label: 'queue', values: [300, null, null, null], color: '#000', style: 'line' as const },
    { label: 'app', values: [5, 6, 7, null], legendValues: [5, 6, 7, null], color: '#000', style: 'line' as const },
  ] };
  assert.equal(legendIndex(spec), 2, 'queue wait has no value there: its legend shows a dash, not 300');
  assert.equal(legendIndex({ ...spec, series: [{ ...spec.series[0]!, values: [null, null, null, null] }] }), null);
});

test('markers a few pixels apart share one line with a count; other kinds and far ones keep their own', () => {
  const stalls = Array.from({ length: 65 }, (_, i) => ({ x: 100 + (i % 13) * 0.5, kind: 'stall' }));
  const clusters = clusterMarkers([...stalls, { x: 101, kind: 'restart' }, { x: 300, kind: 'stall' }], 8);
  assert.deepEqual(clusters, [
    { x: 100, kind: 'stall', count: 65 },
    { x: 101, kind: 'restart', count: 1 },
    { x: 300, kind: 'stall', count: 1 },
  ]);
});

test("a deploy, its processes' starts and the old ones' restarts in the same second each keep a flag: other kinds close by take the next row", () => {
  // QA: a rolling deploy's teal deploy flag lay under its two starts' purple one, and their counts on each other.
  const clusters = clusterMarkers([{ x: 500, kind: 'deploy' }, { x: 500, kind: 'start' }, { x: 501, kind: 'start' }, { x: 503, kind: 'restart' }, { x: 520, kind: 'stall' }, { x: 530, kind: 'stall' }, { x: 700, kind: 'deploy' }], 8);
  assert.deepEqual(clusters.map((c) => [c.kind, c.count]), [['deploy', 1], ['start', 2], ['restart', 1], ['stall', 1], ['stall', 1], ['deploy', 1]]);
  // The stalls 20 and 30 px on share a row (one kind) clear of the three above; a deploy far off is back on the first.
  assert.deepEqual(flagRows(clusters, 36), [0, 1, 2, 3, 3, 0]);
  assert.deepEqual(flagRows(clusterMarkers([{ x: 100, kind: 'stall' }, { x: 110, kind: 'stall' }, { x: 120, kind: 'stall' }], 8), 36), [0, 0, 0], 'one kind: one row, however close');
  // A count reaches past the next flag of its kind a few pixels on (QA s14, 390 px): that one takes the next row.
  assert.deepEqual(flagRows(clusterMarkers([{ x: 100, kind: 'stall' }, { x: 104, kind: 'stall' }, { x: 110, kind: 'stall' }, { x: 200, kind: 'stall' }], 8), 36), [0, 1, 0], 'after "×2", the next cluster of its kind is a row down');
});

test("the throughput of a bucket still filling is its requests over the time gone by, not over the whole bucket", () => {
  // 2,800 requests in the first 35 s of the current minute read 2,800 rpm against 4,800 before it:
  // a fall in traffic at the right edge of every live chart that was never there.
  const filling: ServiceSeriesResponse = { ...serviceSeries, t: [0, 60_000, 120_000], requests: [4800, 4800, 2800], throughputRpm: [4800, 4800, 2800] };
  assert.deepEqual(throughputChart(filling, [], 120_000 + 35_000).series[0]?.values, [4800, 4800, 4800]);
  // Under 30 s into it the count says too little: the bucket is left out (the legend reads the one before).
  assert.deepEqual(throughputChart(filling, [], 120_000 + 10_000).series[0]?.values, [4800, 4800, null]);
  // Done buckets, and every bucket of a range that ended, stay as they are.
  assert.deepEqual(throughputChart(filling, [], 180_000).series[0]?.values, [4800, 4800, 2800]);
  // An hour's bucket 15 minutes in: its requests over 15 minutes.
  const hours: ServiceSeriesResponse = { ...serviceSeries, bucketMs: 3_600_000, t: [0, 3_600_000], requests: [60_000, 15_000], throughputRpm: [1000, 250] };
  assert.deepEqual(throughputChart(hours, [], 3_600_000 + 900_000).series[0]?.values, [1000, 1000]);
});

test("the overview's sparkline reads its bucket still filling the same way", () => {
  const summary = { service: 'api', sparkline: { t: [0, 300_000, 600_000], throughputRpm: [100, 100, 20], p95Ms: [null, null, null] } } as unknown as ServiceSummary;
  // 100 requests (20 rpm over five minutes) in the first minute of the bucket: 100 rpm.
  assert.deepEqual(sparklineChart(summary, 600_000 + 60_000).series[0]?.values, [100, 100, 100]);
});
