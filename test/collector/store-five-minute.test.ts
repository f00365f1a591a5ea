// 5-minute request rollups (svc_5m, route_5m, inst_5m): the writer keeps them equal to the
// merge of their minute rows (late points and several commits included), series with 5- and
// 15-minute buckets answer as the minute rows would, the schema-5 migration fills them for a
// database written before they existed, and retention prunes them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { ServiceSeriesResponse } from '../../collector/src/api-types';
import { LatencySketch } from '../../collector/src/store/latency-sketch';
import { batchWith, DAY_MS, lognormal, openTestStore, prng, requestPoint, sdkHistogram, undoSchema7, undoSchema9, undoSchema12, undoSchema13, undoSchema14, undoSchema15, undoSchema16 } from './store-helpers';

const MINUTE = 60_000;
const FIVE = 5 * MINUTE;

interface Row {
  key: string;
  t: number;
  count: number;
  errors: number;
  dur_sum: number;
  dur_min: number | null;
  dur_max: number | null;
  sketch: Buffer | null;
  qw_sum: number;
}

const LEVELS = [
  { five: 'svc_5m', minute: 'svc_minute', key: `service` },
  { five: 'route_5m', minute: 'route_minute', key: `service || '|' || route` },
  { five: 'inst_5m', minute: 'inst_minute', key: `service || '|' || instance_id` },
];

/** Asserts every 5-minute row equals the merge of its minute rows, and that none is missing. */
function assertFiveMinuteRowsMatch(path: string): number {
  const db = new BetterSqlite3(path, { readonly: true });
  let checked = 0;
  try {
    for (const level of LEVELS) {
      const cols = `${level.key} AS key, t, count, errors, dur_sum, dur_min, dur_max, sketch, qw_sum`;
      const five = db.prepare(`SELECT ${cols} FROM ${level.five}`).all() as Row[];
      const expected = new Map<string, Row & { merged: LatencySketch }>();
      for (const m of db.prepare(`SELECT ${cols} FROM ${level.minute}`).all() as Row[]) {
        const t = m.t - (m.t % FIVE);
        const k = `${m.key}@${t}`;
        let e = expected.get(k);
        if (!e) expected.set(k, (e = { ...m, t, count: 0, errors: 0, dur_sum: 0, dur_min: null, dur_max: null, qw_sum: 0, merged: new LatencySketch() }));
        e.count += m.count;
        e.errors += m.errors;
        e.dur_sum += m.dur_sum;
        e.qw_sum += m.qw_sum;
        if (m.dur_min !== null && (e.dur_min === null || m.dur_min < e.dur_min)) e.dur_min = m.dur_min;
        if (m.dur_max !== null && (e.dur_max === null || m.dur_max > e.dur_max)) e.dur_max = m.dur_max;
        if (m.sketch) e.merged.mergeEncoded(m.sketch);
      }
      assert.equal(five.length, expected.size, `${level.five}: one row per key and 5 minutes with minute rows`);
      for (const r of five) {
        const e = expected.get(`${r.key}@${r.t}`);
        assert.ok(e, `${level.five} row ${r.key}@${r.t} has minute rows`);
        assert.equal(r.count, e.count);
        assert.equal(r.errors, e.errors);
        assert.equal(r.dur_min, e.dur_min);
        assert.equal(r.dur_max, e.dur_max);
        // Sums may differ in the last bits (addition order); sketches are integer bins: exact.
        assert.ok(Math.abs(r.dur_sum - e.dur_sum) <= 1e-9 * Math.abs(e.dur_sum), `${level.five} dur_sum`);
        assert.ok(Math.abs(r.qw_sum - e.qw_sum) <= 1e-9 * Math.abs(e.qw_sum) + 1e-12, `${level.five} qw_sum`);
        assert.deepEqual(r.sketch, e.merged.count > 0 ? Buffer.from(e.merged.encode()) : null);
        checked++;
      }
    }
  } finally {
    db.close();
  }
  return checked;
}

/** Series equal up to float rounding of the means (counts, percentiles and apdex exact). */
function assertSameSeries(a: ServiceSeriesResponse, b: ServiceSeriesResponse): void {
  assert.deepEqual(a.t, b.t);
  assert.deepEqual(a.requests, b.requests);
  assert.deepEqual(a.errorRate, b.errorRate);
  assert.deepEqual(a.p50Ms, b.p50Ms);
  assert.deepEqual(a.p95Ms, b.p95Ms);
  assert.deepEqual(a.p99Ms, b.p99Ms);
  assert.deepEqual(a.apdex, b.apdex);
  a.appMs.forEach((v, i) => {
    const w = b.appMs[i] ?? null;
    if (v === null || w === null) assert.equal(v, w);
    else assert.ok(Math.abs(v - w) <= 1e-9 * Math.abs(w), `appMs[${i}]`);
  });
}

async function fill(t: Parameters<typeof openTestStore>[0], now: number) {
  const opened = openTestStore(t, { now });
  const { storage } = opened;
  const rand = prng(55);
  const fast = await sdkHistogram(lognormal(rand, 300, 0.02, 0.5));
  const slow = await sdkHistogram(lognormal(rand, 200, 0.3, 0.8));
  const first = Math.floor((now - 40 * MINUTE) / FIVE) * FIVE + 2 * MINUTE; // not on a 5-minute boundary
  // Two commits per minute, spreading each minute's points over both; then late points into
  // minutes already written.
  for (let m = 0; m < 33; m++) {
    for (const part of [0, 1]) {
      const requests = [];
      for (const route of ['/a', '/b']) {
        for (const instanceId of ['i-1', 'i-2']) {
          if ((m + part + route.length + instanceId.length) % 3 === 0) continue;
          requests.push(requestPoint(route === '/a' ? fast : slow, { service: 'api', instanceId, route, timeMs: first + m * MINUTE + 30_000, error: m % 7 === 0 && part === 1 }));
        }
      }
      storage.enqueue(batchWith({ requests, routeSums: [{ service: 'api', instanceId: 'i-1', route: '/a', metric: 'queue_wait', timeNs: BigInt(first + m * MINUTE + 30_000) * 1_000_000n, count: 10, sum: 0.013 * (m + 1), max: null }] }));
      await storage.flush();
    }
  }
  storage.enqueue(batchWith({ requests: [requestPoint(slow, { service: 'api', instanceId: 'i-2', route: '/a', timeMs: first + 3 * MINUTE + 1 })] }));
  storage.enqueue(batchWith({ requests: [requestPoint(fast, { service: 'api', instanceId: 'i-1', route: '/b', timeMs: first + 12 * MINUTE + 1 })] }));
  await storage.flush();
  return { ...opened, first };
}

const FILTERS = [{}, { route: '/a' }, { route: '/b' }, { instanceId: 'i-2' }, { route: '/a', instanceId: 'i-1' }];

test('5-minute rollups equal the merge of their minute rows, and 5- and 15-minute series add up the minutes', async (t) => {
  const now = Date.now();
  const { storage, path, first } = await fill(t, now);
  await storage.flush();
  assert.ok(assertFiveMinuteRowsMatch(path) > 20);

  // Unaligned ranges: edges come from minute rows, the middle from 5-minute rows.
  for (const filter of FILTERS) {
    const from = first - 3 * MINUTE + 17_000;
    const to = first + 31 * MINUTE + 5_000;
    for (const bucketMs of [FIVE, 3 * FIVE]) {
      const series = storage.serviceSeries({ service: 'api', ...filter, from, to, bucketMs });
      // Buckets are whole (aligned start, the last one past \`to\`): the minutes over the same span.
      const start = series.t[0]!;
      const minutes = storage.serviceSeries({ service: 'api', ...filter, from: start, to: start + series.t.length * bucketMs, bucketMs: MINUTE });
      const sums = series.t.map((b) => minutes.t.reduce((n, tm, i) => (tm >= b && tm < b + bucketMs ? n + (minutes.requests[i] ?? 0) : n), 0));
      assert.deepEqual(series.requests, sums, `${JSON.stringify(filter)} ${bucketMs}`);
      assert.ok(series.requests.reduce((a, b) => a + b, 0) > 0);
    }
  }
});

test('opening a database written before 5-minute rollups existed fills them from the minute rows', async (t) => {
  const now = Date.now();
  const { storage, path, dir, first } = await fill(t, now);
  const range = { from: first - 10 * MINUTE, to: first + 40 * MINUTE };
  await storage.close();
  // A file of schema 4 has no failed requests' sketches (schema 9, Apdex): the series before
  // are read without them too, so the two compare like for like.
  const stripped = new BetterSqlite3(path);
  undoSchema9(stripped);
  undoSchema12(stripped);
  undoSchema13(stripped);
  undoSchema14(stripped);
  undoSchema15(stripped);
  undoSchema16(stripped);
  stripped.pragma('user_version = 8');
  stripped.close();
  const middle = openTestStore(t, { dir, now });
  const before = FILTERS.flatMap((filter) => [FIVE, 3 * FIVE].map((bucketMs) => middle.storage.serviceSeries({ service: 'api', ...filter, ...range, bucketMs })));
  await middle.storage.close();

  // Back to schema 4: no 5-minute tables (and none of schema 7 or 9).
  const db = new BetterSqlite3(path);
  db.exec('DROP TABLE svc_5m; DROP TABLE route_5m; DROP TABLE inst_5m;');
  undoSchema7(db);
  undoSchema9(db);
  undoSchema12(db);
  undoSchema13(db);
  undoSchema14(db);
  undoSchema15(db);
  undoSchema16(db);
  db.pragma('user_version = 4');
  db.close();

  const reopened = openTestStore(t, { dir, now });
  assert.ok(assertFiveMinuteRowsMatch(path) > 20);
  const after = FILTERS.flatMap((filter) => [FIVE, 3 * FIVE].map((bucketMs) => reopened.storage.serviceSeries({ service: 'api', ...filter, ...range, bucketMs })));
  before.forEach((series, i) => assertSameSeries(series, after[i]!));
});

test('retention prunes 5-minute rollups with the minute rows', async (t) => {
  const now = Date.now();
  const { storage, path, clock } = await fill(t, now);
  clock.now = now + 31 * DAY_MS;
  await storage.runMaintenance();
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    for (const level of LEVELS) assert.equal(db.prepare(`SELECT count(*) FROM ${level.five}`).pluck().get(), 0, level.five);
  } finally {
    db.close();
  }
});
