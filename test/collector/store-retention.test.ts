// Retention: raw spans and events older than rawMs, rollups older than rollupMs, are pruned
// by the maintenance pass; newer rows stay.
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchWith, DAY_MS, lognormal, makeTrace, msToNs, openTestStore, prng, requestPoint, sdkHistogram } from './store-helpers';

const MINUTE = 60_000;

test('retention prunes old raw data and old rollups and keeps the new', async (t) => {
  const start = Date.now() - 40 * DAY_MS;
  const { storage, clock } = openTestStore(t, { now: start, rawMs: 3 * DAY_MS, rollupMs: 30 * DAY_MS });
  const rand = prng(9);
  const h = await sdkHistogram(lognormal(rand, 200, 0.05, 0.4));

  // A write at each of three moments: 40 days ago, 10 days ago and now (the clock moves).
  const writeAt = async (now: number, tag: string): Promise<string> => {
    clock.now = now;
    const spans = makeTrace(rand, { service: 'api', instanceId: `i-${tag}`, route: '/r', startMs: now - 1000, durationMs: 10 });
    // Enough spans to need several delete steps.
    const filler = Array.from({ length: 60 }, () => makeTrace(rand, { service: 'api', instanceId: `i-${tag}`, route: '/r', startMs: now - 900, durationMs: 5, children: 99 })).flat();
    storage.enqueue(
      batchWith({
        instances: [{ service: 'api', instanceId: `i-${tag}`, host: 'h', pid: 1, timeNs: msToNs(now), resource: {} }],
        spans: [...spans, ...filler],
        requests: [requestPoint(h, { service: 'api', instanceId: `i-${tag}`, route: '/r', timeMs: now })],
        gauges: [{ service: 'api', instanceId: `i-${tag}`, metric: 'memory.rss', timeNs: msToNs(now), count: 1, sum: 1, min: 1, max: 1, last: 1 }],
        events: [{ service: 'api', instanceId: `i-${tag}`, type: 'stall', timeNs: msToNs(now), traceId: null, spanId: null, route: '/r', durationMs: 100, message: tag, attributes: {} }],
      }),
    );
    await storage.flush();
    return spans[0]!.traceId;
  };
  const oldTrace = await writeAt(start, 'old');
  const midTrace = await writeAt(start + 30 * DAY_MS, 'mid');
  const newTrace = await writeAt(start + 40 * DAY_MS, 'new');
  const now = clock.now;

  await storage.runMaintenance();

  // Raw: only the newest write is within 3 days.
  assert.equal(storage.trace(oldTrace), null);
  assert.equal(storage.trace(midTrace), null);
  assert.ok(storage.trace(newTrace));
  const everything = { from: start - DAY_MS, to: now + DAY_MS };
  assert.deepEqual(storage.events({ ...everything, limit: 10 }).events.map((e) => e.message), ['new']);
  assert.equal(storage.traces({ ...everything, limit: 1000 }).traces.length, 61);

  // Rollups: 40 days old gone, 10 days old kept.
  const perInstance = storage
    .instanceSeries({ service: 'api', from: start - DAY_MS, to: now + MINUTE, bucketMs: DAY_MS })
    .instances.map((i) => i.instanceId);
  assert.deepEqual(perInstance, ['i-mid', 'i-new']);
  const tx = storage.transactions({ service: 'api', ...everything });
  assert.equal(tx.transactions[0]!.requests, 400);
  assert.deepEqual(storage.instances({ service: 'api', ...everything }).instances.map((i) => i.instanceId), ['i-mid', 'i-new']);
});

test("the route budget's names go once their rollups have; the budget still counts a day's new routes after", async (t) => {
  const start = Date.now() - 40 * DAY_MS;
  const { storage, clock, path } = openTestStore(t, { now: start, rawMs: 3 * DAY_MS, rollupMs: 30 * DAY_MS, maxNewRoutesPerDay: 2 });
  const h = await sdkHistogram([0.01, 0.02]);
  const writeAt = async (now: number, routes: string[]): Promise<void> => {
    clock.now = now;
    storage.enqueue(batchWith({ requests: routes.map((route) => requestPoint(h, { service: 'api', instanceId: 'i-1', route, timeMs: now })) }));
    await storage.flush();
  };
  await writeAt(start, ['/gone', '/kept']);
  await writeAt(start + 20 * DAY_MS, ['/kept']);
  await writeAt(start + 40 * DAY_MS, ['/new']);
  await storage.runMaintenance();

  const names = (): string[] => {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare('SELECT route FROM route_names WHERE service = ? ORDER BY route').pluck().all('api') as string[]);
    } finally {
      db.close();
    }
  };
  assert.deepEqual(names(), ['/kept', '/new'], 'a name with no rollup row left within the retention is gone');

  // The budget reloaded what is left: /new took one of today's two, /gone comes back as new and
  // takes the other, and a third new route today folds.
  await writeAt(clock.now + MINUTE, ['/gone', '/third']);
  const routes = storage.transactions({ service: 'api', from: clock.now - 10 * MINUTE, to: clock.now + MINUTE }).transactions.map((x) => x.route).sort();
  assert.deepEqual(routes, ['(other routes)', '/gone', '/new']);
  assert.deepEqual(names(), ['/gone', '/kept', '/new']);
});
