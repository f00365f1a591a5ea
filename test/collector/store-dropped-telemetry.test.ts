// What the agents dropped (`headroom.agent.dropped`, a cumulative Sum per instance and signal)
// reaches the series and the instances listing as gaps: the rise of each instance's count
// between two of its reports, however often and in whatever order those reports arrive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstancesResponse, ServiceSeriesResponse } from '../../collector/src/api-types';
import { getJson, startTestCollector, type TestCollector } from './support/collector-harness';
import { droppedBody as droppedBodyOf, type Levels } from './support/dropped-telemetry';

const MINUTE = 60_000;
const SERVICE = 'dropped-shop';
const droppedBody = (instanceId: string, startMs: number, atMs: number, levels: Levels, extra: object[] = []): string =>
  droppedBodyOf(SERVICE, instanceId, startMs, atMs, levels, extra);

async function post(collector: TestCollector, body: string): Promise<void> {
  const res = await fetch(`${collector.otlpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(res.status, 200, await res.text());
}

async function series(collector: TestCollector, from: number, to: number): Promise<ServiceSeriesResponse> {
  await collector.storage.flush();
  const res = await getJson<ServiceSeriesResponse>(`${collector.httpUrl}/api/services/${SERVICE}/series?from=${from}&to=${to}`);
  assert.equal(res.status, 200);
  return res.body;
}

test('dropped counts become gaps between reports: per bucket and signal, a resent or late report counted once', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const base = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
  const at = (m: number, s: number): number => base + m * MINUTE + s * 1000;
  const startA = at(0, 5);

  await post(collector, droppedBody('a', startA, at(0, 10), { spans: 0, metrics: 0, logs: 0 }));
  await post(collector, droppedBody('a', startA, at(1, 10), { spans: 0, metrics: 0, logs: 0 }));
  // The collector was down: the next report counts what did not fit the queues, and comes twice
  // (an exporter resends what it got no answer for).
  const recovered = droppedBody('a', startA, at(4, 10), { spans: 581, metrics: 201, logs: 0 });
  await post(collector, recovered);
  await post(collector, recovered);
  // An interval the agent held through the outage arrives after the newer one.
  await post(collector, droppedBody('a', startA, at(3, 40), { spans: 300, metrics: 0, logs: 0 }));
  await post(collector, droppedBody('a', startA, at(5, 10), { spans: 581, metrics: 201, logs: 0 }));
  // Another process reports for the first time with a count already up: lost since it started.
  await post(collector, droppedBody('b', at(3, 0), at(4, 20), { spans: 0, metrics: 0, logs: 5 }));
  // One that lost nothing, and a signal Headroom does not know (not stored).
  await post(collector, droppedBody('c', at(0, 0), at(4, 30), { spans: 0, metrics: 0, logs: 0 }));
  await post(collector, droppedBody('c', at(0, 0), at(4, 31), { bogus: 99 } as Levels));

  const whole = await series(collector, base, base + 8 * MINUTE);
  assert.deepEqual(whole.dropped.total, { spans: 581, metricPoints: 201, logs: 5 });
  assert.deepEqual(whole.dropped.gaps, [
    { instanceId: 'a', fromMs: at(1, 10), toMs: at(3, 40), spans: 300, metricPoints: 0, logs: 0 },
    { instanceId: 'a', fromMs: at(3, 40), toMs: at(4, 10), spans: 281, metricPoints: 201, logs: 0 },
    // No start event stored for b: its loss is placed from its first report's minute.
    { instanceId: 'b', fromMs: at(4, 0), toMs: at(4, 20), spans: 0, metricPoints: 0, logs: 5 },
  ]);
  // Every bucket from a's last report before the outage to the report after it is incomplete;
  // a bucket's counts are those of the gaps reported in it.
  assert.deepEqual(whole.dropped.buckets, [
    { t: at(1, 0), instances: 1, spans: 0, metricPoints: 0, logs: 0 },
    { t: at(2, 0), instances: 1, spans: 0, metricPoints: 0, logs: 0 },
    { t: at(3, 0), instances: 1, spans: 300, metricPoints: 0, logs: 0 },
    { t: at(4, 0), instances: 2, spans: 281, metricPoints: 201, logs: 5 },
  ]);

  // A range that begins after a's first loss starts from a's level before it.
  const later = await series(collector, at(4, 0), base + 8 * MINUTE);
  assert.deepEqual(later.dropped.total, { spans: 281, metricPoints: 201, logs: 5 });
  const afterAll = await series(collector, at(6, 0), base + 8 * MINUTE);
  assert.deepEqual(afterAll.dropped, { buckets: [], gaps: [], total: { spans: 0, metricPoints: 0, logs: 0 } });

  const listed = await getJson<InstancesResponse>(`${collector.httpUrl}/api/services/${SERVICE}/instances?from=${at(4, 0)}&to=${base + 8 * MINUTE}`);
  const byId = new Map(listed.body.instances.map((i) => [i.instanceId, i]));
  assert.deepEqual(byId.get('a')?.dropped, { spans: 581, metricPoints: 201, logs: 0 });
  assert.deepEqual(byId.get('a')?.droppedInRange, { spans: 281, metricPoints: 201, logs: 0 });
  assert.deepEqual(byId.get('b')?.dropped, { spans: 0, metricPoints: 0, logs: 5 });
  assert.deepEqual(byId.get('c')?.dropped, { spans: 0, metricPoints: 0, logs: 0 });
});

test('a long range lists what an instance dropped, however long before the range end it stopped', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const day = 24 * 60 * MINUTE;
  const stopped = Math.floor(Date.now() / MINUTE) * MINUTE - 3 * day;
  await post(collector, droppedBody('old', stopped - 10 * MINUTE, stopped - 5 * MINUTE, { spans: 0, metrics: 0, logs: 0 }));
  await post(collector, droppedBody('old', stopped - 10 * MINUTE, stopped, { spans: 12, metrics: 0, logs: 1 }));
  await collector.storage.flush();
  const listed = await getJson<InstancesResponse>(`${collector.httpUrl}/api/services/${SERVICE}/instances?from=${stopped - day}&to=${Date.now()}`);
  assert.deepEqual(listed.body.instances.map((i) => [i.instanceId, i.dropped, i.droppedInRange]), [
    ['old', { spans: 12, metricPoints: 0, logs: 1 }, { spans: 12, metricPoints: 0, logs: 1 }],
  ]);
});

test('an instance whose agent reports no dropped count lists null, not zero', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const now = Date.now();
  const ns = `${BigInt(now) * 1_000_000n}`;
  const rss = { name: 'process.memory.usage', unit: 'By', gauge: { dataPoints: [{ timeUnixNano: ns, asInt: '1000' }] } };
  // A delta dropped count (not the agent's cumulative one) is not a total since start: skipped.
  const body = JSON.parse(droppedBody('other', now - MINUTE, now, {}, [rss])) as { resourceMetrics: { scopeMetrics: { metrics: { sum?: object }[] }[] }[] };
  const first = body.resourceMetrics[0]?.scopeMetrics[0]?.metrics[0] as { sum?: { aggregationTemporality: number; dataPoints: object[] } };
  first.sum = { aggregationTemporality: 1, dataPoints: [{ attributes: [{ key: 'headroom.signal', value: { stringValue: 'spans' } }], timeUnixNano: ns, asInt: '7' }] };
  await post(collector, JSON.stringify(body));
  await collector.storage.flush();
  const listed = await getJson<InstancesResponse>(`${collector.httpUrl}/api/services/${SERVICE}/instances?from=${now - 5 * MINUTE}&to=${now + MINUTE}`);
  assert.equal(listed.body.instances.length, 1);
  assert.equal(listed.body.instances[0]?.dropped, null);
  assert.equal(listed.body.instances[0]?.droppedInRange, null);
  const s = await series(collector, now - 5 * MINUTE, now + MINUTE);
  assert.deepEqual(s.dropped.total, { spans: 0, metricPoints: 0, logs: 0 });
});
