// Each node:cluster worker is its own instance of the service.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InstancesResponse } from '../../collector/src/api-types';
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
