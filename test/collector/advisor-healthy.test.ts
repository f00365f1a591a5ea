// No false alarms: a healthy app — light load on fast routes, settings right for a load
// balancer in front, an explicit heap limit — gets no finding at all, once enough data has
// arrived for every rule to have spoken.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InstanceSeriesResponse } from '../../collector/src/api-types';
import { eventually, GOOD_SERVER_ENV, load, startAdvisorTest, TEST_OPTIONS, type AdvisorTest } from './support/advisor-harness';

let t: AdvisorTest;
before(async () => {
  t = await startAdvisorTest();
});
after(async () => {
  await t.close();
});

test('a healthy app gets no finding', async () => {
  // Container-sized counts up to 64 GiB here, so the test machine is one and the heap-limit
  // rule is live: the healthy app sets its heap limit, as it should.
  const options = { ...TEST_OPTIONS, containerMemoryBytes: 64 * 1024 ** 3 };
  const app = await t.app('healthy-svc', { ...GOOD_SERVER_ENV, NODE_OPTIONS: '--max-old-space-size=256' });
  // Light load: about 40 requests a second.
  const requests = await load(app.base, '/hello', { durationMs: 4000, concurrency: 1, pauseMs: 20 });
  assert.ok(requests >= TEST_OPTIONS.minRequests!, `only ${requests} requests`);
  // Enough samples of every gauge for the gauge rules to judge (and the start event stored).
  await eventually(async () => {
    const now = Date.now();
    const series = await t.tc.api<InstanceSeriesResponse>(`/api/services/healthy-svc/instances/series?from=${now - 600_000}&to=${now + 1000}`);
    const samples = series.instances[0]?.eventLoopUtilization.filter((v) => v !== null).length ?? 0;
    const instances = t.tc.collector.storage.instances({ service: 'healthy-svc', from: now - 600_000, to: now + 1000 }).instances;
    const started = instances[0]?.settings['http.keep_alive_timeout_ms'] === 65000;
    const gauge = t.tc.collector.storage.gaugeBuckets({ service: 'healthy-svc', metric: 'threadpool.queue_wait', from: now - 600_000, to: now + 1000, bucketMs: 60_000 });
    const probeSamples = gauge[0]?.buckets.reduce((n, b) => n + b.count, 0) ?? 0;
    return samples >= 1 && started && probeSamples >= TEST_OPTIONS.minSamples! ? true : undefined;
  }, 'gauges and the start event');
  const findings = await t.findings('healthy-svc', options);
  assert.deepEqual(findings.map((f) => `${f.kind}: ${f.title}`), []);
  // The same with the production defaults.
  const now = Date.now();
  assert.deepEqual(
    (await t.tc.api<{ findings: { kind: string }[] }>(`/api/advisor?service=healthy-svc&from=${now - 600_000}&to=${now + 1000}`)).findings,
    [],
  );
});
