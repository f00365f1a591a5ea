// A sender whose clock is far ahead (or a hostile one) must not leave a process "seen" in the
// future: it would stay live, and its service's last report read as years away, for ever (QA:
// a span stamped 2262 made `lastSeen` 9223372036854 and `liveInstances` 1 long after it stopped).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InstancesResponse, ServicesResponse } from '../../collector/src/api-types';
import { getJson, startTestCollector, type TestCollector } from './support/collector-harness';

const FAR_FUTURE_NS = '9223372036854775807';

let collector: TestCollector;

before(async () => {
  collector = await startTestCollector();
});

after(async () => {
  await collector.dispose();
});

async function postJson(signal: string, body: unknown): Promise<void> {
  const res = await fetch(`${collector.otlpUrl}/v1/${signal}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.text());
}

const resource = (service: string) => ({
  attributes: [
    { key: 'service.name', value: { stringValue: service } },
    { key: 'service.instance.id', value: { stringValue: `${service}-1` } },
  ],
});

test('a process that sends data stamped far in the future is seen now, not then', async () => {
  const before = Date.now();
  await postJson('traces', {
    resourceSpans: [{
      resource: resource('ahead-spans'),
      scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'GET /x', kind: 2, startTimeUnixNano: FAR_FUTURE_NS, endTimeUnixNano: FAR_FUTURE_NS }] }],
    }],
  });
  await postJson('metrics', {
    resourceMetrics: [{
      resource: resource('ahead-metrics'),
      scopeMetrics: [{ metrics: [{ name: 'process.memory.usage', unit: 'By', gauge: { dataPoints: [{ timeUnixNano: FAR_FUTURE_NS, asInt: 1000 }] } }] }],
    }],
  });
  await postJson('logs', {
    resourceLogs: [{
      resource: resource('ahead-start'),
      scopeLogs: [{ logRecords: [{ timeUnixNano: FAR_FUTURE_NS, body: { stringValue: 'process listening' }, attributes: [{ key: 'event.name', value: { stringValue: 'headroom.process.start' } }] }] }],
    }],
  });
  await collector.storage.flush();
  const after = Date.now();

  const services = await getJson<ServicesResponse>(`${collector.httpUrl}/api/services?range=1h`);
  assert.equal(services.status, 200);
  for (const name of ['ahead-spans', 'ahead-metrics', 'ahead-start']) {
    const svc = services.body.services.find((s) => s.service === name);
    assert.ok(svc, name);
    assert.ok(svc.lastSeen !== null && svc.lastSeen >= before - 1000 && svc.lastSeen <= after, `${name}: lastSeen ${svc.lastSeen}`);
    const instances = await getJson<InstancesResponse>(`${collector.httpUrl}/api/services/${name}/instances?range=1h`);
    assert.equal(instances.status, 200);
    for (const i of instances.body.instances) assert.ok(i.lastSeen <= after, `${name}/${i.instanceId}: lastSeen ${i.lastSeen}`);
  }
});
