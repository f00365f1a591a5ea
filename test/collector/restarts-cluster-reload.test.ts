// A cluster primary's reload is no restart: the primary disconnects or kills a worker on purpose
// and forks another (a zero-downtime reload), and the old worker often sends no stop of its own
// (killed after a grace, its last export cut short). Its primary's `worker_exit`, as the agent
// sends it (agent/src/signals/cluster-exits.ts), says the primary meant it: the new worker's
// start is a plain start whether that exit arrives before or after it (docs/collector-store.md
// "Restarts"). Through a real collector, over OTLP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { workerExitAttributes } from '../../agent/src/signals/cluster-exits';
import type { EventsResponse, InstancesResponse } from '../../collector/src/api-types';
import { startTestCollector, type TestCollector } from '../agent/support/harness';
import { sendEvent, sendGauges, sendStart } from './support/advisor-harness';

const SERVICE = 'reload-svc';
let tc: TestCollector;
const now = Date.now();
const MINUTE = 60_000;

before(async () => {
  tc = await startTestCollector();
});
after(async () => {
  await tc?.close();
});

function proc(id: string, host: string, pid: number, role: 'primary' | 'worker'): Record<string, string | number> {
  return { 'service.name': SERVICE, 'service.instance.id': id, 'host.name': host, 'process.pid': pid, 'headroom.cluster.role': role };
}

/** Some process data from `from` to `to` (a gauge every minute or so). */
async function ran(resource: Record<string, string | number>, from: number, to: number): Promise<void> {
  await sendGauges(tc.collector.otlpUrl, resource, [{ name: 'process.memory.usage', unit: 'By', points: Array.from({ length: 6 }, (_, i) => ({ t: from + ((to - from) * i) / 5, v: 100e6 })) }]);
}

/** The primary's exit event for worker 1 (`pid`), as the agent builds it. */
async function workerExit(primary: Record<string, string | number>, pid: number, how: { afterDisconnect: boolean; code: number | null; signal: string | null }, timeMs: number): Promise<void> {
  const { attributes, body } = workerExitAttributes({ id: 1, exitedAfterDisconnect: how.afterDisconnect, process: { pid } }, how.code, how.signal);
  await sendEvent(tc.collector.otlpUrl, primary, 'headroom.process.worker_exit', body, attributes as Record<string, number | string | boolean>, timeMs);
}

/**
 * On its own host: a primary (pid 100) and its worker (pid 101) that ran (by default ten minutes)
 * until 3 min ago, and a new worker (pid 102) started 2.8 min ago; the primary's exit for the old worker
 * before the new one's start, or after it. Returns the new worker's start as stored.
 */
async function reload(
  host: string,
  how: { afterDisconnect: boolean; code: number | null; signal: string | null },
  exitFirst: boolean,
  times: { oldStart: number; exitAt: number } = { oldStart: now - 13 * MINUTE, exitAt: now - 2.9 * MINUTE },
): Promise<{ type: string; restarts: number }> {
  const primary = proc(`${host}-primary`, host, 100, 'primary');
  await sendStart(tc.collector.otlpUrl, primary, { cluster_role: 'primary' }, now - 13 * MINUTE);
  // The primary runs on: its data after the new worker's start says it was not the one replaced.
  await ran(primary, now - 12.5 * MINUTE, now - MINUTE);
  const old = proc(`${host}-old`, host, 101, 'worker');
  await sendStart(tc.collector.otlpUrl, old, { cluster_role: 'worker' }, times.oldStart);
  await ran(old, times.oldStart + 0.5 * MINUTE, now - 3 * MINUTE);
  const exit = (): Promise<void> => workerExit(primary, 101, how, times.exitAt);
  if (exitFirst) await exit();
  const fresh = proc(`${host}-new`, host, 102, 'worker');
  await sendStart(tc.collector.otlpUrl, fresh, { cluster_role: 'worker' }, now - 2.8 * MINUTE);
  if (!exitFirst) {
    const before = await startOf(host);
    assert.equal(before.type, 'restart', 'taken for a restart until the exit comes');
    await exit();
  }
  return startOf(host);
}

async function startOf(host: string): Promise<{ type: string; restarts: number }> {
  const range = `from=${now - 20 * MINUTE}&to=${now + MINUTE}`;
  const events = await tc.api<EventsResponse>(`/api/events?service=${SERVICE}&${range}`);
  const start = events.events.find((e) => e.instanceId === `${host}-new` && (e.type === 'start' || e.type === 'restart'));
  const instances = await tc.api<InstancesResponse>(`/api/services/${SERVICE}/instances?${range}`);
  return { type: start?.type ?? 'none', restarts: instances.instances.find((i) => i.instanceId === `${host}-new`)?.restarts ?? -1 };
}

const DISCONNECTED = { afterDisconnect: true, code: 0, signal: null };
const KILLED_AFTER_GRACE = { afterDisconnect: true, code: null, signal: 'SIGKILL' };
const OOM_KILLED = { afterDisconnect: false, code: null, signal: 'SIGKILL' };
const FAILED_AFTER_DISCONNECT = { afterDisconnect: true, code: 1, signal: null };

test('a worker its primary disconnected, its exit before the new worker started: a plain start', async () => {
  assert.deepEqual(await reload('h1', DISCONNECTED, true), { type: 'start', restarts: 0 });
});

test('a worker its primary killed after disconnecting it, the exit arriving after the new start: a plain start again', async () => {
  assert.deepEqual(await reload('h2', KILLED_AFTER_GRACE, false), { type: 'start', restarts: 0 });
});

test('a worker killed without its primary asking, or failing as it was let go, was restarted', async () => {
  assert.deepEqual(await reload('h3', OOM_KILLED, true), { type: 'restart', restarts: 1 });
  assert.deepEqual(await reload('h4', OOM_KILLED, false), { type: 'restart', restarts: 1 });
  assert.deepEqual(await reload('h5', FAILED_AFTER_DISCONNECT, false), { type: 'restart', restarts: 1 });
});

test("an exit of the worker's pid from before it started is an earlier process's (a pid reused): the worker was restarted", async () => {
  // The worker started 2.7 minutes before the new one (established: over 2), the exit 6 s before it.
  assert.deepEqual(await reload('h6', DISCONNECTED, true, { oldStart: now - 5.5 * MINUTE, exitAt: now - 5.6 * MINUTE }), { type: 'restart', restarts: 1 });
});
