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
