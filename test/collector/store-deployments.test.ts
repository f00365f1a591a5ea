// Deployments in the store, at known times: a rolling deploy whose first minute holds both
// builds, compared process by process; and a file written before versions were kept, whose
// instances get theirs from the resources already stored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { InstanceSeen } from '../../collector/src/model';
import { batchWith, msToNs, openTestStore, requestPoint, sdkHistogram, undoSchema14, undoSchema15, undoSchema16 } from './store-helpers';

const MINUTE = 60_000;
const SERVICE = 'shop';

function seen(instanceId: string, timeMs: number, resource: InstanceSeen['resource']): InstanceSeen {
  return { service: SERVICE, instanceId, host: 'h', pid: 1, timeNs: msToNs(timeMs), resource: { 'service.name': SERVICE, ...resource } };
}

test('a rolling deploy: the new build after, the builds it replaced before, even within the minute they share', async (t) => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  const { storage, clock } = openTestStore(t, { now });
  const deployMinute = now - 10 * MINUTE;
  const deployAt = deployMinute + 20_000;
  const fast = await sdkHistogram(Array(10).fill(0.01));
  const slow = await sdkHistogram(Array(10).fill(0.1));
  const failing = await sdkHistogram(Array(5).fill(0.1));
  const old = { 'service.version': '1.0.0', 'vcs.ref.head.revision': 'aaa' };
  const batch = batchWith({
    instances: [
      // Two processes of 1.0.0 and one that sent no version, from 20 minutes before; one of
      // 1.0.0 is replaced in the deploy's minute, the other a minute later.
      seen('old-1', deployMinute - 20 * MINUTE, old),
      seen('old-1', deployMinute + 50_000, old),
      seen('old-2', deployMinute - 20 * MINUTE, old),
      seen('old-2', deployMinute + MINUTE + 30_000, old),
      seen('legacy', deployMinute - 20 * MINUTE, {}),
      seen('legacy', now, {}),
      seen('new-1', deployAt, { 'service.version': '1.1.0', 'vcs.ref.head.revision': 'bbb' }),
      seen('new-1', now, { 'service.version': '1.1.0', 'vcs.ref.head.revision': 'bbb' }),
    ],
    requests: [
      ...[-5, -1, 0].flatMap((m) => ['old-1', 'old-2'].map((instanceId) => requestPoint(fast, { service: SERVICE, instanceId, route: 'GET /x', timeMs: deployMinute + m * MINUTE + 30_000 }))),
      requestPoint(fast, { service: SERVICE, instanceId: 'old-2', route: 'GET /x', timeMs: deployMinute + MINUTE + 10_000 }),
      requestPoint(fast, { service: SERVICE, instanceId: 'legacy', route: 'GET /x', timeMs: deployMinute - 2 * MINUTE }),
      // The new build: slower, and a third of its requests fail; in its first minute too.
      ...[0, 1, 2].map((m) => requestPoint(slow, { service: SERVICE, instanceId: 'new-1', route: 'GET /x', timeMs: deployMinute + m * MINUTE + 40_000 })),
      requestPoint(failing, { service: SERVICE, instanceId: 'new-1', route: 'GET /x', timeMs: deployMinute + 2 * MINUTE + 40_000, error: true }),
    ],
  });
  assert.ok(storage.enqueue(batch));
  await storage.flush();

  const res = storage.deployments({ service: SERVICE, from: now - 60 * MINUTE, to: now, windowMs: 30 * MINUTE, now: clock.now });
  assert.deepEqual(res.deployments.map((d) => [d.version, d.revision, d.firstSeen, d.instances]), [
    ['1.1.0', 'bbb', deployAt, 1],
    ['1.0.0', 'aaa', deployMinute - 20 * MINUTE, 2],
  ]);
  const [deploy] = res.deployments;
  // Before: 1.0.0's two processes in their six minutes with requests and the unversioned one, to
  // the end of the deploy's minute, from when they started (20 minutes before it, not the
  // window's 30: the service did not run before, and its throughput is over the minutes it ran).
  assert.deepEqual(
    [deploy!.before.from, deploy!.before.to, deploy!.before.instances, deploy!.before.requests, deploy!.before.errorRate, deploy!.before.processes],
    [deployMinute - 20 * MINUTE, deployMinute + MINUTE, 3, 70, 0, 'others'],
  );
  assert.equal(deploy!.before.throughputRpm, 70 / 21);
  assert.ok(Math.abs(deploy!.before.p95Ms! - 10) < 0.2, `before p95 ${deploy!.before.p95Ms}`);
  // After: 1.1.0 alone, from its first minute to the current one (10 minutes), the old
  // process's request in the minute after not among them.
  assert.deepEqual(
    [deploy!.after.from, deploy!.after.to, deploy!.after.instances, deploy!.after.requests, deploy!.after.errorRate, deploy!.after.processes],
    [deployMinute, now, 1, 35, 5 / 35, 'deployed'],
  );
  assert.equal(deploy!.after.throughputRpm, 3.5);
  assert.ok(Math.abs(deploy!.after.p50Ms! - 100) < 2, `after p50 ${deploy!.after.p50Ms}`);
  // Apdex (T 500 ms): the 5 failed requests are frustrated, the 30 others satisfied.
  assert.ok(Math.abs(deploy!.after.apdex! - 30 / 35) < 1e-9, `after apdex ${deploy!.after.apdex}`);
  assert.equal(deploy!.before.apdex, 1);
  // Every request after is slower than the p95 before; the first deploy had nothing before it.
  assert.equal(deploy!.afterAboveBeforeP95, 1);
  assert.equal(res.deployments[1]!.afterAboveBeforeP95, null);

  // Each process with its version; the one that sent none has none.
  const listed = storage.instances({ service: SERVICE, from: now - 60 * MINUTE, to: now });
  assert.deepEqual(
    listed.instances.map((i) => [i.instanceId, i.version, i.revision]).sort(),
    [['legacy', null, null], ['new-1', '1.1.0', 'bbb'], ['old-1', '1.0.0', 'aaa'], ['old-2', '1.0.0', 'aaa']],
  );

  // A range after 1.0.0's last process lists only 1.1.0.
  const later = storage.deployments({ service: SERVICE, from: deployMinute + 5 * MINUTE, to: now, windowMs: 30 * MINUTE, now: clock.now });
  assert.deepEqual(later.deployments.map((d) => d.version), ['1.1.0']);
});

test('a rollback is a deploy: 1.0.0 → 2.0.0 → 1.0.0, each compared with the build it replaced; an old worker re-forked beside its version is none', async (t) => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  const { storage, clock } = openTestStore(t, { now });
  const at = (minutesAgo: number, seconds = 0): number => now - minutesAgo * MINUTE + seconds * 1000;
  const fast = await sdkHistogram(Array(10).fill(0.01));
  const slow = await sdkHistogram(Array(10).fill(0.1));
  const v1 = { 'service.version': '1.0.0' };
  const v2 = { 'service.version': '2.0.0' };
  const minutes = (from: number, to: number): number[] => Array.from({ length: from - to + 1 }, (_, i) => from - i);
  const batch = batchWith({
    instances: [
      seen('one-a', at(90), v1),
      seen('one-a', at(40), v1),
      seen('two', at(41, 10), v2),
      seen('two', at(20), v2),
      // 1.0.0's worker re-forked 20 s into 2.0.0's rollout, while one-a still served: no deploy.
      seen('one-b', at(41, 30), v1),
      seen('one-b', at(38), v1),
      seen('one-again', at(21, 10), v1),
      seen('one-again', now, v1),
    ],
    requests: [
      ...minutes(60, 42).map((m) => requestPoint(fast, { service: SERVICE, instanceId: 'one-a', route: 'GET /x', timeMs: at(m, 30) })),
      ...minutes(41, 22).map((m) => requestPoint(slow, { service: SERVICE, instanceId: 'two', route: 'GET /x', timeMs: at(m, 40) })),
      ...minutes(21, 1).map((m) => requestPoint(fast, { service: SERVICE, instanceId: 'one-again', route: 'GET /x', timeMs: at(m, 40) })),
    ],
  });
  assert.ok(storage.enqueue(batch));
  await storage.flush();

  const res = storage.deployments({ service: SERVICE, from: now - 120 * MINUTE, to: now, windowMs: 30 * MINUTE, now: clock.now });
  assert.deepEqual(res.deployments.map((d) => [d.version, d.firstSeen, d.lastSeen, d.instances]), [
    ['1.0.0', at(21, 10), now, 1],
    ['2.0.0', at(41, 10), at(20), 1],
    ['1.0.0', at(90), at(38), 2],
  ]);
  const [rollback, upgrade] = res.deployments;
  // The rollback: 2.0.0's slow requests before (not 1.0.0's own earlier ones), its own process's after.
  assert.deepEqual([rollback!.before.instances, rollback!.before.requests, rollback!.after.instances, rollback!.after.requests], [1, 200, 1, 210]);
  assert.ok(Math.abs(rollback!.before.p50Ms! - 100) < 2 && Math.abs(rollback!.after.p50Ms! - 10) < 0.2, `p50 ${rollback!.before.p50Ms} → ${rollback!.after.p50Ms}`);
  assert.equal(rollback!.afterAboveBeforeP95, 0);
  // The upgrade: 1.0.0's first process before; after, 2.0.0 alone (not the rollback's process).
  assert.deepEqual([upgrade!.before.instances, upgrade!.before.requests, upgrade!.after.instances, upgrade!.after.requests], [1, 190, 1, 200]);
  assert.equal(upgrade!.afterAboveBeforeP95, 1);

  // A range after 2.0.0's last process lists the rollback alone.
  const later = storage.deployments({ service: SERVICE, from: at(15), to: now, windowMs: 30 * MINUTE, now: clock.now });
  assert.deepEqual(later.deployments.map((d) => [d.version, d.firstSeen]), [['1.0.0', at(21, 10)]]);
});

test('a file from before versions were kept: its instances get theirs from their stored resources, text only', async (t) => {
  const now = Date.now();
  const first = openTestStore(t, { now });
  assert.ok(
    first.storage.enqueue(
      batchWith({
        instances: [
          seen('a', now - MINUTE, { 'service.version': '2.0.0', 'vcs.repository.ref.revision': 'older-attr' }),
          seen('b', now - MINUTE, { 'service.version': 7 }),
          seen('c', now - MINUTE, {}),
        ],
      }),
    ),
  );
  await first.storage.close();
  const db = new BetterSqlite3(first.path);
  undoSchema14(db);
  undoSchema15(db);
  undoSchema16(db);
  db.pragma('user_version = 13');
  db.close();

  const reopened = openTestStore(t, { dir: first.dir, now });
  const listed = reopened.storage.instances({ service: SERVICE, from: now - 10 * MINUTE, to: now });
  assert.deepEqual(listed.instances.map((i) => [i.instanceId, i.version, i.revision]), [['a', '2.0.0', 'older-attr'], ['b', null, null], ['c', null, null]]);
  const res = reopened.storage.deployments({ service: SERVICE, from: now - 10 * MINUTE, to: now, windowMs: 30 * MINUTE, now });
  assert.deepEqual(res.deployments.map((d) => [d.version, d.revision, d.instances]), [['2.0.0', 'older-attr', 1]]);
});

test('a rollback a minute after the old process stopped is a deploy; without its stop event the old one may still run, and it is none', async (t) => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  const at = (minutesAgo: number, seconds = 0): number => now - minutesAgo * MINUTE + seconds * 1000;
  const v1 = { 'service.version': '1.0.0' };
  const v2 = { 'service.version': '2.0.0' };
  const instances = [seen('one', at(60), v1), seen('one', at(30), v1), seen('two', at(31), v2), seen('two', at(25), v2), seen('back', at(29), v1), seen('back', now, v1)];
  const stop = { service: SERVICE, instanceId: 'one', type: 'stop' as const, timeNs: msToNs(at(30)), traceId: null, spanId: null, route: null, durationMs: null, message: 'process stopped by SIGTERM', attributes: {} };
  const listed = async (withStop: boolean): Promise<[string | null, number][]> => {
    const { storage, clock } = openTestStore(t, { now });
    assert.ok(storage.enqueue(batchWith({ instances, events: withStop ? [stop] : [] })));
    await storage.flush();
    return storage.deployments({ service: SERVICE, from: now - 120 * MINUTE, to: now, windowMs: 30 * MINUTE, now: clock.now }).deployments.map((d) => [d.version, d.firstSeen]);
  };
  assert.deepEqual(await listed(true), [['1.0.0', at(29)], ['2.0.0', at(31)], ['1.0.0', at(60)]]);
  assert.deepEqual(await listed(false), [['2.0.0', at(31)], ['1.0.0', at(60)]]);
});

test("a replaced version's after side ends where its last process stopped, not at the window's end, and says so", async (t) => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  const at = (minutesAgo: number, seconds = 0): number => now - minutesAgo * MINUTE + seconds * 1000;
  const fast = await sdkHistogram(Array(10).fill(0.01));
  const v1 = { 'service.version': '1.0.0' };
  const v2 = { 'service.version': '2.0.0' };
  const v3 = { 'service.version': '3.0.0' };
  const minutes = (from: number, to: number): number[] => Array.from({ length: from - to + 1 }, (_, i) => from - i);
  const { storage, clock } = openTestStore(t, { now });
  // 2.0.0 ran 12 minutes (at(50) to its stop at at(39, 30)), then 3.0.0 replaced it; 3.0.0 still runs.
  const stop = (instanceId: string, timeMs: number) => ({ service: SERVICE, instanceId, type: 'stop' as const, timeNs: msToNs(timeMs), traceId: null, spanId: null, route: null, durationMs: null, message: 'process stopped by SIGTERM', attributes: {} });
  assert.ok(
    storage.enqueue(
      batchWith({
        instances: [seen('one', at(80), v1), seen('one', at(50, 20), v1), seen('two', at(50, 10), v2), seen('two', at(39, 30), v2), seen('three', at(39), v3), seen('three', now, v3)],
        events: [stop('one', at(50, 20)), stop('two', at(39, 30))],
        requests: [
          ...minutes(79, 51).map((m) => requestPoint(fast, { service: SERVICE, instanceId: 'one', route: 'GET /x', timeMs: at(m, 30) })),
          ...minutes(50, 39).map((m) => requestPoint(fast, { service: SERVICE, instanceId: 'two', route: 'GET /x', timeMs: at(m, 30) })),
          ...minutes(38, 1).map((m) => requestPoint(fast, { service: SERVICE, instanceId: 'three', route: 'GET /x', timeMs: at(m, 40) })),
        ],
      }),
    ),
  );
  await storage.flush();
  const res = storage.deployments({ service: SERVICE, from: now - 120 * MINUTE, to: now, windowMs: 30 * MINUTE, now: clock.now });
  const [three, two] = res.deployments;
  assert.deepEqual([two!.version, two!.stoppedAt], ['2.0.0', at(39, 30)]);
  // Its after side: its first minute to the end of the minute its last process stopped in, 12
  // minutes of its own 120 requests, not 30 minutes to at(20) and 4 rpm; its rate over the time it
  // reported, from its first report's minute (it sent no start event) to its stop: 11.5 minutes.
  assert.deepEqual([two!.after.from, two!.after.to, two!.after.requests, two!.after.throughputRpm], [at(50), at(38), 120, 120 / 11.5]);
  // 3.0.0 still runs: it has not stopped, and its after side is its whole 30 minutes.
  assert.deepEqual([three!.version, three!.stoppedAt, three!.after.to], ['3.0.0', null, at(9)]);
});

test('a rollback within 2 minutes of a silent old process is a deploy when the new version started after its last data; a rolling one within them is not', async (t) => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  const at = (minutesAgo: number, seconds = 0): number => now - minutesAgo * MINUTE + seconds * 1000;
  const v1 = { 'service.version': '1.0.0' };
  const v2 = { 'service.version': '2.0.0' };
  // No stop events: an app under another OTel SDK. 1.0.0's process last reported at(30).
  const listed = async (twoStarts: number): Promise<[string | null, number, number | null][]> => {
    const instances = [seen('one', at(60), v1), seen('one', at(30), v1), seen('two', twoStarts, v2), seen('two', at(25), v2), seen('back', at(29), v1), seen('back', now, v1)];
    const { storage, clock } = openTestStore(t, { now });
    assert.ok(storage.enqueue(batchWith({ instances })));
    await storage.flush();
    return storage.deployments({ service: SERVICE, from: now - 120 * MINUTE, to: now, windowMs: 30 * MINUTE, now: clock.now }).deployments.map((d) => [d.version, d.firstSeen, d.stoppedAt]);
  };
  // 2.0.0 started 20 s after 1.0.0's last data: 1.0.0 had stopped there, and came back a minute later.
  assert.deepEqual(await listed(at(30, 20)), [['1.0.0', at(29), null], ['2.0.0', at(30, 20), at(25)], ['1.0.0', at(60), at(30)]]);
  // 2.0.0 started while 1.0.0 still reported: 1.0.0 may still have run a minute later, so 'back' joins it.
  assert.deepEqual(await listed(at(31)), [['2.0.0', at(31), at(25)], ['1.0.0', at(60), null]]);
});

test("a fresh deploy's throughput is over the time its processes ran, not the minutes it touched: a steady service reads the same before and after", async (t) => {
  // 60 requests a minute throughout. 1.0.0 started 17:20:00 and stopped 17:40:49; 1.1.0 started
  // then and runs at 17:42:30 (now). Both sent start events (Headroom's agent does).
  const now = Date.UTC(2026, 10, 28, 17, 42, 30);
  const at = (h: number, m: number, s = 0): number => Date.UTC(2026, 10, 28, h, m, s);
  const { storage, clock } = openTestStore(t, { now });
  const hist = (n: number) => sdkHistogram(Array(n).fill(0.01));
  const event = (instanceId: string, type: 'start' | 'stop', timeMs: number) => ({ service: SERVICE, instanceId, type, timeNs: msToNs(timeMs), traceId: null, spanId: null, route: null, durationMs: null, message: type === 'stop' ? 'process stopped by SIGTERM' : 'process started', attributes: {} });
  const minute = async (instanceId: string, timeMs: number, n: number) => requestPoint(await hist(n), { service: SERVICE, instanceId, route: 'GET /x', timeMs });
  const requests = [];
  for (let m = 20; m < 40; m++) requests.push(await minute('old', at(17, m, 30), 60));
  requests.push(await minute('old', at(17, 40, 20), 49), await minute('new', at(17, 40, 55), 11), await minute('new', at(17, 41, 30), 60), await minute('new', at(17, 42, 15), 30));
  assert.ok(
    storage.enqueue(
      batchWith({
        instances: [seen('old', at(17, 20), { 'service.version': '1.0.0' }), seen('old', at(17, 40, 49), { 'service.version': '1.0.0' }), seen('new', at(17, 40, 49), { 'service.version': '1.1.0' }), seen('new', now, { 'service.version': '1.1.0' })],
        events: [event('old', 'start', at(17, 20)), event('old', 'stop', at(17, 40, 49)), event('new', 'start', at(17, 40, 49))],
        requests,
      }),
    ),
  );
  await storage.flush();
  const [deploy] = storage.deployments({ service: SERVICE, from: now - 60 * MINUTE, to: now, windowMs: 30 * MINUTE, now: clock.now }).deployments;
  assert.deepEqual([deploy!.version, deploy!.before.requests, deploy!.after.requests], ['1.1.0', 1249, 101]);
  // 1,249 requests in 20 min 49 s, 101 in 1 min 41 s: 60 rpm both (it read 59.5 and 33.7, over
  // 21 minutes and over 17:40–17:43).
  assert.ok(Math.abs(deploy!.before.throughputRpm - 60) < 1e-6, `before ${deploy!.before.throughputRpm}`);
  assert.ok(Math.abs(deploy!.after.throughputRpm - 60) < 1e-6, `after ${deploy!.after.throughputRpm}`);
});
