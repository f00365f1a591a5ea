// Restart detection (docs/collector-store.md): a process start is a restart when the start
// event says so, when its instance id had started before, or when an established instance of
// the same service on the same host was seen within two minutes before it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventRecord, InstanceSeen } from '../../collector/src/model';
import { batchWith, msToNs, openTestStore } from './store-helpers';

const MINUTE = 60_000;

function seen(instanceId: string, host: string, timeMs: number): InstanceSeen {
  return { service: 'api', instanceId, host, pid: 1, timeNs: msToNs(timeMs), resource: { 'host.name': host } };
}

function start(instanceId: string, timeMs: number, attributes: EventRecord['attributes'] = {}): EventRecord {
  return { service: 'api', instanceId, type: 'start', timeNs: msToNs(timeMs), traceId: null, spanId: null, route: null, durationMs: 850, message: null, attributes };
}

test('restart detection: replaced process, reused instance id, flag; not cluster siblings or other hosts', async (t) => {
  const { storage, clock } = openTestStore(t);
  const t0 = Math.floor(clock.now / MINUTE) * MINUTE - 60 * MINUTE;
  const write = async (parts: { instances?: InstanceSeen[]; events?: EventRecord[] }): Promise<void> => {
    assert.equal(storage.enqueue(batchWith(parts)), true);
    await storage.flush();
  };

  // A single process on h1, reporting for ten minutes, with its settings in the start event.
  await write({ instances: [seen('a', 'h1', t0)], events: [start('a', t0, { 'headroom.setting.keepAliveTimeout': 5000, 'headroom.setting.cpus': 4 })] });
  await write({ instances: [seen('a', 'h1', t0 + 10 * MINUTE)] });
  // It dies; its replacement starts 30 s after its last report: a restart.
  await write({ instances: [seen('b', 'h1', t0 + 10.5 * MINUTE)], events: [start('b', t0 + 10.5 * MINUTE)] });

  // A cluster of three workers starting together on h2: plain starts.
  const c = t0 + 20 * MINUTE;
  await write({
    instances: [seen('w1', 'h2', c), seen('w2', 'h2', c + 200), seen('w3', 'h2', c + 400)],
    events: [start('w1', c), start('w2', c + 200), start('w3', c + 400)],
  });
  // A process on another host while b runs on h1: a plain start.
  await write({ instances: [seen('d', 'h3', t0 + 11 * MINUTE)], events: [start('d', t0 + 11 * MINUTE)] });
  // An instance id that starts twice (PM2-style stable ids): the second is a restart.
  await write({ instances: [seen('e', 'h4', t0 + 30 * MINUTE)], events: [start('e', t0 + 30 * MINUTE)] });
  await write({ instances: [seen('e', 'h4', t0 + 35 * MINUTE)], events: [start('e', t0 + 35 * MINUTE)] });
  // The agent says so itself.
  await write({ instances: [seen('f', 'h5', t0 + 40 * MINUTE)], events: [start('f', t0 + 40 * MINUTE, { 'headroom.process.restart': true })] });
  // A predecessor silent for ten minutes is not replaced by this start: a plain start.
  await write({ instances: [seen('g', 'h1', t0 + 21 * MINUTE)], events: [start('g', t0 + 21 * MINUTE)] });

  const range = { from: t0 - MINUTE, to: t0 + 60 * MINUTE };
  const events = storage.events({ ...range, service: 'api', limit: 100 }).events.reverse();
  assert.deepEqual(
    events.map((e) => `${e.instanceId}:${e.type}`),
    ['a:start', 'b:restart', 'd:start', 'w1:start', 'w2:start', 'w3:start', 'g:start', 'e:start', 'e:restart', 'f:restart'],
  );
  assert.equal(events.find((e) => e.instanceId === 'b')!.attributes['headroom.restart.previous_instance'], 'a');
  assert.equal(storage.events({ ...range, type: 'restart', limit: 10 }).events.length, 3);

  const instances = new Map(storage.instances({ ...range, service: 'api' }).instances.map((i) => [i.instanceId, i]));
  assert.equal(instances.get('b')!.restarts, 1);
  assert.equal(instances.get('e')!.restarts, 1);
  assert.equal(instances.get('w2')!.restarts, 0);
  assert.equal(instances.get('a')!.restarts, 0);
  assert.equal(instances.get('a')!.startedAt, t0);
  assert.equal(instances.get('e')!.startedAt, t0 + 35 * MINUTE);
  assert.deepEqual(instances.get('a')!.settings, { keepAliveTimeout: 5000, cpus: 4 });
});

test('a process added beside a running one is a start once the running one reports again; of two candidates, the silent one was replaced', async (t) => {
  const { storage, clock } = openTestStore(t);
  const t0 = Math.floor(clock.now / MINUTE) * MINUTE - 60 * MINUTE;
  const write = async (parts: { instances?: InstanceSeen[]; events?: EventRecord[] }): Promise<void> => {
    assert.equal(storage.enqueue(batchWith(parts)), true);
    await storage.flush();
  };
  const typeOf = (instanceId: string) => storage.events({ from: t0 - MINUTE, to: t0 + 60 * MINUTE, service: 'api', limit: 100 }).events.find((e) => e.instanceId === instanceId);

  // p has run on h6 for ten minutes; q starts beside it (a worker added to a long-running
  // cluster). At first q looks like p's replacement...
  await write({ instances: [seen('p', 'h6', t0)] });
  await write({ instances: [seen('p', 'h6', t0 + 10 * MINUTE)] });
  await write({ instances: [seen('q', 'h6', t0 + 10.2 * MINUTE)], events: [start('q', t0 + 10.2 * MINUTE)] });
  assert.equal(typeOf('q')?.type, 'restart');
  // ... until p reports data from after q's start.
  await write({ instances: [seen('p', 'h6', t0 + 10.3 * MINUTE)] });
  assert.equal(typeOf('q')?.type, 'start');
  assert.equal(typeOf('q')?.attributes['headroom.restart.previous_instance'], undefined);
  const instances = () => new Map(storage.instances({ from: t0, to: t0 + 60 * MINUTE, service: 'api' }).instances.map((i) => [i.instanceId, i]));
  assert.equal(instances().get('q')!.restarts, 0);

  // r's data from after s's start is stored before s's start event arrives: a plain start at once.
  await write({ instances: [seen('r', 'h7', t0)] });
  await write({ instances: [seen('r', 'h7', t0 + 12.5 * MINUTE)] });
  await write({ instances: [seen('s', 'h7', t0 + 12 * MINUTE)], events: [start('s', t0 + 12 * MINUTE)] });
  assert.equal(typeOf('s')?.type, 'start');

  // Two workers on h8; x1 dies, x3 starts; x2 (seen last, so named first) reports on: x3 replaced x1.
  await write({ instances: [seen('x1', 'h8', t0), seen('x2', 'h8', t0)] });
  await write({ instances: [seen('x1', 'h8', t0 + 14.9 * MINUTE), seen('x2', 'h8', t0 + 14.95 * MINUTE)] });
  await write({ instances: [seen('x3', 'h8', t0 + 15 * MINUTE)], events: [start('x3', t0 + 15 * MINUTE)] });
  assert.equal(typeOf('x3')?.attributes['headroom.restart.previous_instance'], 'x2');
  await write({ instances: [seen('x2', 'h8', t0 + 15.1 * MINUTE), seen('x3', 'h8', t0 + 15.1 * MINUTE)] });
  await write({ instances: [seen('x2', 'h8', t0 + 18 * MINUTE), seen('x3', 'h8', t0 + 18 * MINUTE)] });
  assert.equal(typeOf('x3')?.type, 'restart');
  assert.equal(typeOf('x3')?.attributes['headroom.restart.previous_instance'], 'x1');
  assert.equal(instances().get('x3')!.restarts, 1);
});

test('a deploy is no restart: a replacement on another build, or after a clean stop; a crashed or silent process\'s replacement is', async (t) => {
  const { storage, clock } = openTestStore(t);
  const t0 = Math.floor(clock.now / MINUTE) * MINUTE - 60 * MINUTE;
  const write = async (parts: { instances?: InstanceSeen[]; events?: EventRecord[] }): Promise<void> => {
    assert.equal(storage.enqueue(batchWith(parts)), true);
    await storage.flush();
  };
  const built = (instanceId: string, host: string, timeMs: number, version: string): InstanceSeen => {
    const s = seen(instanceId, host, timeMs);
    return { ...s, resource: { ...s.resource, 'service.version': version } };
  };
  const stop = (instanceId: string, timeMs: number, attributes: EventRecord['attributes']): EventRecord => ({ ...start(instanceId, timeMs), type: 'stop', durationMs: null, attributes });
  const SIGTERM = { 'headroom.stop.reason': 'signal', 'headroom.stop.signal': 'SIGTERM' };
  const CRASH = { 'headroom.stop.reason': 'uncaught_exception', 'headroom.stop.exit_code': 1 };
  /** A process on `host` from t0 to `endMin` minutes, on `version`. */
  const ran = async (id: string, host: string, endMin: number, version = '1.4.0'): Promise<void> => {
    await write({ instances: [built(id, host, t0, version)], events: [start(id, t0)] });
    await write({ instances: [built(id, host, t0 + endMin * MINUTE, version)] });
  };
  const at = (min: number): number => t0 + min * MINUTE;

  // A deploy: 1.4.0 goes silent (its stop event lost, or SIGKILL after the grace), 1.5.0 starts 20 s later.
  await ran('old', 'h1', 10);
  await write({ instances: [built('new', 'h1', at(10.3), '1.5.0')], events: [start('new', at(10.3))] });
  // The same build, but the process before it was stopped by SIGTERM (a deploy tool, a scale-down).
  await ran('term', 'h2', 10);
  await write({ events: [stop('term', at(10) - 500, SIGTERM)] });
  await write({ instances: [built('after-term', 'h2', at(10.3))], events: [start('after-term', at(10.3))] });
  // A crash, and a process gone silent (SIGKILL, the OOM killer): their same-build replacements are restarts.
  await ran('crash', 'h3', 10);
  await write({ events: [stop('crash', at(10) - 500, CRASH)] });
  await write({ instances: [built('after-crash', 'h3', at(10.3))], events: [start('after-crash', at(10.3))] });
  await ran('killed', 'h4', 10);
  await write({ instances: [built('after-kill', 'h4', at(10.3))], events: [start('after-kill', at(10.3))] });
  // Of two silent peers, the one scaled down by SIGTERM was not restarted: the crashed one was.
  await ran('crashed-peer', 'h5', 9.9);
  await write({ events: [stop('crashed-peer', at(9.9) - 500, { 'headroom.stop.reason': 'exit', 'headroom.stop.exit_code': 1 })] });
  await ran('scaled-down', 'h5', 10);
  await write({ events: [stop('scaled-down', at(10) - 500, SIGTERM)] });
  await write({ instances: [built('after-both', 'h5', at(10.3))], events: [start('after-both', at(10.3))] });
  // The stop event of the process a start was taken to replace arrives after that start (its last export was late).
  await ran('late', 'h6', 10);
  await write({ instances: [built('after-late', 'h6', at(10.3))], events: [start('after-late', at(10.3))] });
  await write({ events: [stop('late', at(10) - 500, { 'headroom.stop.reason': 'exit', 'headroom.stop.exit_code': 0 })] });
  // Stable ids (pm2): web-1 reloaded by SIGINT; web-2 restarted on a new build; web-3 exited with an error.
  await ran('web-1', 'h7', 10);
  await write({ events: [stop('web-1', at(10), { ...SIGTERM, 'headroom.stop.signal': 'SIGINT' })] });
  await write({ instances: [built('web-1', 'h7', at(10.1))], events: [start('web-1', at(10.1))] });
  await ran('web-2', 'h8', 10);
  await write({ instances: [built('web-2', 'h8', at(10.1), '1.5.0')], events: [start('web-2', at(10.1))] });
  await ran('web-3', 'h9', 10);
  await write({ events: [stop('web-3', at(10), { 'headroom.stop.reason': 'exit', 'headroom.stop.exit_code': 1 })] });
  await write({ instances: [built('web-3', 'h9', at(10.1))], events: [start('web-3', at(10.1))] });

  const range = { service: 'api', from: at(10.2), to: at(11) };
  const startsOf = storage.events({ ...range, limit: 100 }).events.filter((e) => e.type === 'start' || e.type === 'restart');
  assert.deepEqual(
    Object.fromEntries(startsOf.map((e) => [e.instanceId, `${e.type} ${String(e.attributes['headroom.restart.previous_instance'] ?? '')}`.trim()]).sort()),
    {
      new: 'start',
      'after-term': 'start',
      'after-crash': 'restart crash',
      'after-kill': 'restart killed',
      'after-both': 'restart crashed-peer',
      'after-late': 'start',
    },
  );
  const stable = storage.events({ ...range, from: at(10), limit: 100 }).events.filter((e) => e.instanceId.startsWith('web-') && e.type !== 'stop');
  assert.deepEqual(Object.fromEntries(stable.map((e) => [e.instanceId, e.type]).sort()), { 'web-1': 'start', 'web-2': 'start', 'web-3': 'restart' });
  const restarts = new Map(storage.instances({ service: 'api', from: t0, to: at(60) }).instances.map((i) => [i.instanceId, i.restarts]));
  assert.deepEqual([...restarts].filter(([, n]) => n > 0).sort(), [['after-both', 1], ['after-crash', 1], ['after-kill', 1], ['web-3', 1]]);
  // The restart.count alert series counts the same (process-restarts.ts).
  assert.equal(storage.countRestarts({ service: 'api', from: at(10), to: at(11) }), 4);
});

test("a reused id's previous run's clean stop that arrives after the new start still makes it a plain start; a crash, its own later stop or a flagged start do not", async (t) => {
  const { storage, clock } = openTestStore(t);
  const t0 = Math.floor(clock.now / MINUTE) * MINUTE - 60 * MINUTE;
  const at = (min: number): number => t0 + min * MINUTE;
  const write = async (parts: { instances?: InstanceSeen[]; events?: EventRecord[] }): Promise<void> => {
    assert.equal(storage.enqueue(batchWith(parts)), true);
    await storage.flush();
  };
  const stop = (instanceId: string, timeMs: number, attributes: EventRecord['attributes']): EventRecord => ({ ...start(instanceId, timeMs), type: 'stop', durationMs: null, attributes });
  const SIGINT = { 'headroom.stop.reason': 'signal', 'headroom.stop.signal': 'SIGINT' };
  /** A pm2-style stable id on its own host: a run from t0 to 10 min, then a start at 10.1 min. */
  const rerun = async (id: string, host: string, startAttributes: EventRecord['attributes'] = {}): Promise<void> => {
    await write({ instances: [seen(id, host, at(0))], events: [start(id, at(0))] });
    await write({ instances: [seen(id, host, at(10))] });
    await write({ instances: [seen(id, host, at(10.1))], events: [start(id, at(10.1), startAttributes)] });
  };
  const typeOf = (id: string): string | undefined =>
    storage.events({ service: 'api', from: at(10.05), to: at(11), limit: 100 }).events.find((e) => e.instanceId === id && (e.type === 'start' || e.type === 'restart'))?.type;

  // pm2 reload: the previous run's SIGINT stop (its last export) comes after the new run's start.
  await rerun('late', 'h1');
  assert.equal(typeOf('late'), 'restart');
  await write({ events: [stop('late', at(10) - 500, SIGINT)] });
  // The same two in one write, the start first.
  await write({ instances: [seen('same-write', 'h2', at(0))], events: [start('same-write', at(0))] });
  await write({ instances: [seen('same-write', 'h2', at(10.1))], events: [start('same-write', at(10.1)), stop('same-write', at(10) - 500, { 'headroom.stop.reason': 'exit', 'headroom.stop.exit_code': 0 })] });
  // A late crash is a crash; nor does a clean stop of the new run (after its start) speak for the one before.
  await rerun('late-crash', 'h3');
  await write({ events: [stop('late-crash', at(10) - 500, { 'headroom.stop.reason': 'uncaught_exception', 'headroom.stop.exit_code': 1 })] });
  await rerun('own-stop', 'h4');
  await write({ events: [stop('own-stop', at(10.5), SIGINT)] });
  // The previous run stopped cleanly, then crashed on its way out: its latest word, the crash, stands.
  await rerun('crash-then-late-clean', 'h5');
  await write({ events: [stop('crash-then-late-clean', at(10) - 200, { 'headroom.stop.reason': 'exit', 'headroom.stop.exit_code': 1 })] });
  await write({ events: [stop('crash-then-late-clean', at(10) - 500, SIGINT)] });
  // A start that says it is a restart stays one.
  await rerun('flagged', 'h6', { 'headroom.process.restart': true });
  await write({ events: [stop('flagged', at(10) - 500, SIGINT)] });

  assert.deepEqual(
    Object.fromEntries(['late', 'same-write', 'late-crash', 'own-stop', 'crash-then-late-clean', 'flagged'].map((id) => [id, typeOf(id)])),
    { late: 'start', 'same-write': 'start', 'late-crash': 'restart', 'own-stop': 'restart', 'crash-then-late-clean': 'restart', flagged: 'restart' },
  );
  const restarts = new Map(storage.instances({ service: 'api', from: t0, to: at(60) }).instances.map((i) => [i.instanceId, i.restarts]));
  assert.deepEqual([...restarts].filter(([, n]) => n > 0).sort(), [['crash-then-late-clean', 1], ['flagged', 1], ['late-crash', 1], ['own-stop', 1]]);
  assert.equal(storage.countRestarts({ service: 'api', from: at(10), to: at(11) }), 4);
});

test('a start event ahead of any resource data for its instance is stored, and the instance with it', async (t) => {
  const { storage, clock } = openTestStore(t);
  const at = clock.now - 1_000;
  assert.equal(storage.enqueue(batchWith({ events: [start('early', at)] })), true);
  await storage.flush();
  const range = { service: 'api', from: at - MINUTE, to: at + MINUTE };
  assert.deepEqual(storage.events({ ...range, limit: 10 }).events.map((e) => `${e.instanceId}:${e.type}`), ['early:start']);
  assert.equal(storage.instances(range).instances.find((i) => i.instanceId === 'early')?.startedAt, at);
});
