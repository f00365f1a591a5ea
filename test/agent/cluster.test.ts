// Each node:cluster worker is its own instance of the service.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { EventsResponse, InstancesResponse, InstanceView, ServicesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, freePort, RANGE, runApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'agent-e2e-cluster';
let collector: TestCollector;
let app: RunningApp;

before(async () => {
  collector = await startTestCollector();
  app = await runApp(`${FIXTURES}/cluster-app.js`, {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl,
    OTEL_SERVICE_NAME: SERVICE,
    CLUSTER_PORT: String(await freePort()),
  });
});

after(async () => {
  await app?.stop();
  await collector?.close();
});

test('two cluster workers show as two instances', async () => {
  for (let i = 0; i < 40; i++) await fetch(`${app.base}/`).then((r) => r.text());
  const res = await eventually(async () => {
    const r = await collector.api<InstancesResponse>(`/api/services/${SERVICE}/instances?${RANGE()}`);
    const workers = r.instances.filter((i) => i.resource['headroom.cluster.role'] === 'worker');
    return workers.length >= 2 ? workers : undefined;
  }, 'two worker instances');
  assert.equal(res.length, 2);
  assert.notEqual(res[0]!.instanceId, res[1]!.instanceId);
  assert.notEqual(res[0]!.pid, res[1]!.pid);
  assert.deepEqual(new Set(res.map((i) => i.resource['headroom.cluster.worker_id'])), new Set([1, 2]));
});

test('the primary does not claim to be a standalone process', async () => {
  const primary = await eventually(async () => {
    const r = await collector.api<InstancesResponse>(`/api/services/${SERVICE}/instances?${RANGE()}`);
    return r.instances.find((i) => i.pid === app.child.pid);
  }, 'the primary instance');
  // It could not know at start that it would fork: no role rather than a wrong one.
  assert.equal(primary.resource['headroom.cluster.role'], undefined);
});

test("a cluster primary's start event does not claim it listens", async () => {
  const start = await eventually(async () => {
    const r = await collector.api<EventsResponse>(`/api/events?service=${SERVICE}&${RANGE()}`);
    return r.events.find((e) => (e.type === 'start' || e.type === 'restart') && e.attributes['headroom.setting.cluster_role'] === 'primary');
  }, "the primary's start event");
  assert.match(start.message ?? '', new RegExp(`^cluster primary ${String(app.child.pid)} started, first worker \\(\\d+\\) ready after \\d+ ms$`));
  assert.equal(typeof start.attributes['headroom.start.duration_ms'], 'number');
});

test('a worker killed by a signal: the primary records its exit, with the signal and that it was not meant', async () => {
  const workers = await eventually(async () => {
    const r = await collector.api<InstancesResponse>(`/api/services/${SERVICE}/instances?${RANGE()}`);
    const found = r.instances.filter((i) => i.resource['headroom.cluster.role'] === 'worker');
    return found.length >= 2 ? found : undefined;
  }, 'the worker instances');
  const victim = workers.find((w) => w.resource['headroom.cluster.worker_id'] === 2)!;
  // Before the kill: the primary and both workers live, each with an RSS in the service's sum.
  await eventually(async () => {
    const { summary, alive } = await liveFigures();
    return summary?.liveInstances === 3 && alive.length === 3 && summary.memoryRssBytes === rssSum(alive) ? true : undefined;
  }, 'three live processes, each RSS in the sum');
  process.kill(victim.pid!, 'SIGKILL');
  const exit = await eventually(async () => {
    const r = await collector.api<EventsResponse>(`/api/events?service=${SERVICE}&type=worker_exit&${RANGE()}`);
    return r.events.find((e) => e.attributes['headroom.worker.pid'] === victim.pid);
  }, "the worker's exit event");
  assert.equal(exit.attributes['headroom.worker.id'], 2);
  assert.equal(exit.attributes['headroom.worker.signal'], 'SIGKILL');
  assert.equal(exit.attributes['headroom.worker.intended'], false);
  assert.equal(exit.attributes['headroom.worker.exit_code'], undefined);
  assert.equal(exit.message, `worker 2 (pid ${String(victim.pid)}) killed by SIGKILL`);
  // Sent by the primary: the event belongs to the primary's instance, not the dead worker's.
  const instances = await collector.api<InstancesResponse>(`/api/services/${SERVICE}/instances?${RANGE()}`);
  assert.equal(instances.instances.find((i) => i.instanceId === exit.instanceId)?.pid, app.child.pid);

  // It sent no stop, but its primary said how it ended: stopped at once, not two minutes of silence later.
  const stopped = instances.instances.find((i) => i.instanceId === victim.instanceId)?.stopped;
  assert.deepEqual(stopped, { at: exit.timeMs, reason: 'killed', signal: 'SIGKILL', exitCode: null, message: exit.message });
  // Out of the live figures: the count, and the RSS summed over the processes still running.
  const live = await eventually(async () => {
    const { summary, alive } = await liveFigures();
    const others = alive.filter((i) => i.instanceId !== victim.instanceId);
    return others.length === 2 && summary?.memoryRssBytes === rssSum(others) ? summary : undefined;
  }, "the service's RSS summed over the primary and worker 1");
  assert.equal(live.liveInstances, 2);
});

/** The service's summary, and its instances not stopped that reported an RSS, read one after the other. */
async function liveFigures(): Promise<{ summary: ServicesResponse['services'][number] | undefined; alive: InstanceView[] }> {
  const summary = (await collector.api<ServicesResponse>(`/api/services?${RANGE()}`)).services.find((s) => s.service === SERVICE);
  const r = await collector.api<InstancesResponse>(`/api/services/${SERVICE}/instances?${RANGE()}`);
  return { summary, alive: r.instances.filter((i) => i.stopped === null && i.rssBytes !== null) };
}

function rssSum(instances: InstanceView[]): number {
  return instances.reduce((s, i) => s + (i.rssBytes ?? 0), 0);
}

test('SIGTERM to the primary: it and its remaining worker each record their stop, with the signal', async () => {
  const before = await collector.api<InstancesResponse>(`/api/services/${SERVICE}/instances?${RANGE()}`);
  const survivor = before.instances.find((i) => i.resource['headroom.cluster.role'] === 'worker' && i.resource['headroom.cluster.worker_id'] === 1);
  assert.ok(survivor, 'worker 1 still runs (worker 2 was killed above)');
  // The fixture's primary kills its workers (SIGTERM) and exits 0 from its own handler.
  assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null });
  const stops = await eventually(async () => {
    const r = await collector.api<EventsResponse>(`/api/events?service=${SERVICE}&type=stop&${RANGE()}`);
    return r.events.length >= 2 ? r.events : undefined;
  }, 'the stop events of the primary and worker 1');
  const primary = before.instances.find((i) => i.pid === app.child.pid)!;
  const byInstance = new Map(stops.map((e) => [e.instanceId, e]));
  assert.equal(byInstance.get(primary.instanceId)?.attributes['headroom.stop.signal'], 'SIGTERM');
  assert.equal(byInstance.get(primary.instanceId)?.attributes['headroom.stop.exit_code'], 0);
  assert.equal(byInstance.get(survivor.instanceId)?.attributes['headroom.stop.reason'], 'signal');
  assert.equal(byInstance.get(survivor.instanceId)?.attributes['headroom.stop.signal'], 'SIGTERM');
  // The killed worker sent none: it is the one that went silent.
  assert.equal(stops.length, 2);
  // The primary's worker.kill() is a shutdown it meant, not a crash: Node signals the worker at
  // once and leaves exitedAfterDisconnect false, so it read 'killed by SIGTERM', unmeant (QA).
  const exits = await eventually(async () => {
    const r = await collector.api<EventsResponse>(`/api/events?service=${SERVICE}&type=worker_exit&${RANGE()}`);
    return r.events.length >= 2 ? r.events : undefined;
  }, "the primary's record of worker 1's exit");
  const survivorExit = exits.find((e) => e.attributes['headroom.worker.id'] === 1);
  assert.equal(survivorExit?.attributes['headroom.worker.intended'], true, JSON.stringify(survivorExit));
  assert.match(survivorExit?.message ?? '', /^worker 1 \(pid \d+\) killed by SIGTERM, stopped by the primary$/);
});
