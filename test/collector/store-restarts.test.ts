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
