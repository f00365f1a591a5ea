// GC pauses and their part on CPU, end to end: an app under the agent collects garbage every
// few milliseconds; the collector stores both (gc.pause.<kind>, gc.cpu.<kind>) and the instance
// series answers them per bucket. The on-CPU part is never more than the pauses (QA: on a
// starved machine the pauses read 1.9 s for 0.6 s of collection, and nothing said so).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, FIXTURES, runApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

let tc: TestCollector;
let app: RunningApp;
before(async () => {
  tc = await startTestCollector();
  app = await runApp(join(FIXTURES, 'gc-churn-app.js'), { OTEL_SERVICE_NAME: 'gc-churn', OTEL_EXPORTER_OTLP_ENDPOINT: tc.collector.otlpUrl });
});
after(async () => {
  await app.stop();
  await tc.close();
});

test('the instance series carries the GC pauses and, beside them, their time on CPU', async () => {
  const sums = await eventually(async () => {
    await tc.collector.storage.flush();
    const now = Date.now();
    const r = tc.collector.storage.instanceSeries({ service: 'gc-churn', from: now - 10 * 60_000, to: now + 1000 });
    const inst = r.instances[0];
    if (!inst) return undefined;
    const pause = inst.gcPauseMs.reduce<number>((s, v) => s + (v ?? 0), 0);
    const onCpu = inst.gcPauseOnCpuMs.reduce<number>((s, v) => s + (v ?? 0), 0);
    return pause > 0 && onCpu > 0 ? { pause, onCpu, inst } : undefined;
  }, 'GC pauses and their time on CPU in the instance series', 30_000);
  assert.ok(sums.onCpu <= sums.pause + 1e-9, `on CPU ${sums.onCpu} ms of ${sums.pause} ms of pauses`);
  sums.inst.gcPauseOnCpuMs.forEach((v, i) => {
    if (v !== null) assert.ok(v <= (sums.inst.gcPauseMs[i] ?? 0) + 1e-9, `bucket ${i}: ${v} on CPU of ${sums.inst.gcPauseMs[i]}`);
  });
});
