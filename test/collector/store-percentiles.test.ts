// Percentiles read from the store stay within 2 % of the exact percentiles of the same
// generated latencies: for one minute of one instance, merged across instances and minutes,
// and from hour rollups. Histograms are built by the real OTel metrics SDK.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import {
  batchWith,
  exactPercentile,
  geometricBounds,
  lognormal,
  openTestStore,
  prng,
  requestPoint,
  sdkHistogram,
} from './store-helpers';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const TOLERANCE = 0.02;

function assertClose(got: number | null, exact: number, label: string): void {
  assert.ok(got !== null, `${label}: no value`);
  const err = Math.abs(got / exact - 1);
  assert.ok(err <= TOLERANCE, `${label}: store ${got.toFixed(3)} ms vs exact ${exact.toFixed(3)} ms (${(err * 100).toFixed(2)} %)`);
}

function checkSeries(
  s: { p50Ms: (number | null)[]; p95Ms: (number | null)[]; p99Ms: (number | null)[] },
  i: number,
  valuesMs: number[],
  label: string,
): void {
  assertClose(s.p50Ms[i] ?? null, exactPercentile(valuesMs, 0.5), `${label} p50`);
  assertClose(s.p95Ms[i] ?? null, exactPercentile(valuesMs, 0.95), `${label} p95`);
  assertClose(s.p99Ms[i] ?? null, exactPercentile(valuesMs, 0.99), `${label} p99`);
}

test('percentiles stay within 2 % per minute, across instances and minutes, and from hour rollups', async (t) => {
  const { storage, clock, path } = openTestStore(t);
  const hour = Math.floor(clock.now / HOUR) * HOUR - 2 * HOUR;
  const rand = prng(42);
  const instances = [
    { id: 'i1', medianS: 0.04 },
    { id: 'i2', medianS: 0.06 },
    { id: 'i3', medianS: 0.09 },
    { id: 'i4', medianS: 0.15 },
  ];
  const all: number[] = [];
  const byMinute = new Map<number, number[]>();
  const firstMinuteI1: number[] = [];
  for (let m = 0; m < 60; m++) {
    const minute = hour + m * MINUTE;
    const requests = [];
    for (const inst of instances) {
      // 1 000 requests a minute per instance, spread typical of one route (p99 ≈ 3 × p50).
      const values = lognormal(rand, 1000, inst.medianS, 0.5);
      const ms = values.map((v) => v * 1000);
      all.push(...ms);
      if (!byMinute.has(minute)) byMinute.set(minute, []);
      byMinute.get(minute)!.push(...ms);
      if (m === 0 && inst.id === 'i1') firstMinuteI1.push(...ms);
      const h = await sdkHistogram(values);
      requests.push(requestPoint(h, { service: 'api', instanceId: inst.id, route: '/r', timeMs: minute + MINUTE }));
    }
    assert.equal(storage.enqueue(batchWith({ requests })), true);
  }
  await storage.flush();

  // One minute of one instance.
  const one = storage.serviceSeries({ service: 'api', route: '/r', instanceId: 'i1', from: hour, to: hour + MINUTE, bucketMs: MINUTE });
  assert.equal(one.requests[0], 1000);
  checkSeries(one, 0, firstMinuteI1, 'minute i1');

  // Four instances and fifteen minutes merged (service-wide minute rollups).
  const quarter = storage.serviceSeries({ service: 'api', from: hour, to: hour + 15 * MINUTE, bucketMs: 15 * MINUTE });
  const quarterValues = [...Array(15).keys()].flatMap((m) => byMinute.get(hour + m * MINUTE)!);
  assert.equal(quarter.requests[0], quarterValues.length);
  checkSeries(quarter, 0, quarterValues, '15 minutes × 4 instances');

  // Roll the hour up, then prove the hour rows are what is read: drop its minute rows.
  clock.now = hour + 2 * HOUR;
  await storage.runMaintenance();
  const side = new BetterSqlite3(path);
  t.after(() => side.close());
  assert.ok((side.prepare('SELECT count(*) FROM req_hour WHERE t = ?').pluck().get(hour) as number) === 4);
  assert.ok((side.prepare('SELECT count(*) FROM route_hour WHERE t = ?').pluck().get(hour) as number) === 1);
  for (const table of ['req_minute', 'svc_minute', 'route_minute', 'inst_minute']) {
    side.prepare(`DELETE FROM ${table} WHERE t >= ? AND t < ?`).run(hour, hour + HOUR);
  }

  const hourly = storage.serviceSeries({ service: 'api', from: hour, to: hour + HOUR, bucketMs: HOUR });
  assert.equal(hourly.requests[0], all.length);
  checkSeries(hourly, 0, all, 'hour rollup, service');

  const i3 = storage.serviceSeries({ service: 'api', instanceId: 'i3', from: hour, to: hour + HOUR, bucketMs: HOUR });
  assert.equal(i3.requests[0], 60_000);

  const tx = storage.transactions({ service: 'api', from: hour, to: hour + HOUR });
  assert.equal(tx.transactions[0]!.requests, all.length);
  assertClose(tx.transactions[0]!.p95Ms, exactPercentile(all, 0.95), 'hour rollup, route p95');
  assertClose(tx.transactions[0]!.p50Ms, exactPercentile(all, 0.5), 'hour rollup, route p50');

  const summary = storage.services({ from: hour, to: hour + HOUR }).services[0]!;
  assertClose(summary.p99Ms, exactPercentile(all, 0.99), 'services p99');
  // Apdex from sketch ranks against the exact Apdex of the data (T = 500 ms default).
  const sat = all.filter((v) => v <= 500).length;
  const tol = all.filter((v) => v > 500 && v <= 2000).length;
  const exactApdex = (sat + tol / 2) / all.length;
  assert.ok(Math.abs(summary.apdex! - exactApdex) < 0.005, `apdex ${summary.apdex} vs ${exactApdex}`);
});

test('explicit-bucket histograms: fine buckets within 2 %, coarse ones inside the true bucket', async (t) => {
  const { storage, clock } = openTestStore(t);
  const minute = Math.floor(clock.now / MINUTE) * MINUTE - 10 * MINUTE;
  const values = lognormal(prng(5), 5000, 0.07, 0.7);
  const ms = values.map((v) => v * 1000);
  const fine = await sdkHistogram(values, geometricBounds(0.0005, 30, 1.02));
  const coarseBounds = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
  const coarse = await sdkHistogram(values, coarseBounds);
  storage.enqueue(
    batchWith({
      requests: [
        requestPoint(fine, { service: 'fine', instanceId: 'x', route: '/r', timeMs: minute + MINUTE }),
        requestPoint(coarse, { service: 'coarse', instanceId: 'x', route: '/r', timeMs: minute + MINUTE }),
      ],
    }),
  );
  await storage.flush();
  const f = storage.serviceSeries({ service: 'fine', from: minute, to: minute + MINUTE, bucketMs: MINUTE });
  checkSeries(f, 0, ms, 'fine explicit');

  const c = storage.serviceSeries({ service: 'coarse', from: minute, to: minute + MINUTE, bucketMs: MINUTE });
  const boundsMs = [0, ...coarseBounds.map((b) => b * 1000), Infinity];
  for (const [q, got] of [[0.5, c.p50Ms[0]], [0.95, c.p95Ms[0]], [0.99, c.p99Ms[0]]] as const) {
    const exact = exactPercentile(ms, q);
    const i = boundsMs.findIndex((b) => b >= exact);
    assert.ok(got !== null && got !== undefined);
    assert.ok(got > boundsMs[i - 1]! * 0.99 && got <= boundsMs[i]! * 1.01, `coarse p${q * 100}: ${got} outside (${boundsMs[i - 1]}, ${boundsMs[i]}]`);
  }
});

test('a point arriving after its hour was rolled up is merged into the hour again', async (t) => {
  const { storage, clock } = openTestStore(t);
  const hour = Math.floor(clock.now / HOUR) * HOUR - 3 * HOUR;
  const rand = prng(8);
  const early = lognormal(rand, 500, 0.05, 0.4);
  const late = lognormal(rand, 500, 0.5, 0.2);
  storage.enqueue(batchWith({ requests: [requestPoint(await sdkHistogram(early), { service: 'api', instanceId: 'a', route: '/r', timeMs: hour + 10 * MINUTE })] }));
  await storage.flush();
  await storage.runMaintenance();
  const before = storage.serviceSeries({ service: 'api', from: hour, to: hour + HOUR, bucketMs: HOUR });
  assert.equal(before.requests[0], 500);

  // A late export for minute 30 of that hour: the hour is rolled again on the next pass.
  storage.enqueue(batchWith({ requests: [requestPoint(await sdkHistogram(late), { service: 'api', instanceId: 'a', route: '/r', timeMs: hour + 31 * MINUTE })] }));
  await storage.flush();
  await storage.runMaintenance();
  const after = storage.serviceSeries({ service: 'api', from: hour, to: hour + HOUR, bucketMs: HOUR });
  assert.equal(after.requests[0], 1000);
  const all = [...early, ...late].map((v) => v * 1000);
  checkSeries(after, 0, all, 'hour after a late point');
  assert.equal(storage.transactions({ service: 'api', from: hour, to: hour + HOUR }).transactions[0]!.requests, 1000);
});
