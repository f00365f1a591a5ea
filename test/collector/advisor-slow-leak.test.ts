// A slow leak on a large heap: 1.5 GiB whose floor after garbage collection rises 30 MiB/h grows
// 10 % (the share the leak rule needed) only after 5 hours. A steady absolute rate now counts
// too, held for an hour after the process's first 30 minutes (its warm-up). Heap gauges with
// their own timestamps over the last hours go through the real OTLP exporter into the real store.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AdvisorOptions } from '../../collector/src/advisor';
import { byKind, sendGauges, startAdvisorTest, TEST_OPTIONS, type AdvisorTest } from './support/advisor-harness';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

let t: AdvisorTest;
before(async () => {
  t = await startAdvisorTest();
});
after(async () => {
  await t.close();
});

/** Heap used every 10 s over the last `minutes`, a 40 MiB GC saw-tooth over `floorAt(minutes since the first point)`. */
async function sendHeap(service: string, minutes: number, floorAt: (m: number) => number): Promise<void> {
  const now = Date.now();
  const points: { t: number; v: number }[] = [];
  for (let s = minutes * 60; s >= 0; s -= 10) points.push({ t: now - s * 1000, v: floorAt(minutes - s / 60) + ((s % 30) / 30) * 40 * MIB });
  await sendGauges(t.otlpUrl, { 'service.name': service, 'service.instance.id': `${service}-1`, 'host.name': 'big-host' }, [
    { name: 'v8js.memory.heap.used', unit: 'By', points },
    { name: 'v8js.memory.heap.limit', unit: 'By', points: points.map((p) => ({ t: p.t, v: 4 * GIB })) },
  ]);
}

const findings = async (service: string, options: AdvisorOptions = TEST_OPTIONS) => (await t.findings(service, options)).filter((f) => f.kind === 'memory.leak-suspect');

test('a 1.5 GiB heap whose floor rises 30 MiB/h for two hours: a leak suspect by its steady rate', async () => {
  await sendHeap('big-slow-leak', 120, (m) => 1.5 * GIB + m * 0.5 * MIB);
  const f = await t.waitFor('big-slow-leak', 'leak finding', byKind('memory.leak-suspect'));
  const figures = f.evidence.figures;
  // Judged on the 90 minutes after the first 30: the rate within a few %.
  assert.ok(Math.abs(Number(figures.growthBytesPerHour) - 30 * MIB) < 2 * MIB, `rate ${Number(figures.growthBytesPerHour) / MIB} MiB/h`);
  assert.equal(figures.criterion, 'steady rate');
  assert.ok(Number(figures.spanHours) >= 1 && Number(figures.spanHours) <= 1.5, `span ${figures.spanHours} h`);
  assert.match(f.title, /^Heap grows 30(\.\d)? MiB\/h after garbage collection on 1 process: leak suspect$/);
  assert.match(f.evidence.summary, /under 10 % of its heap, but the floor rose steadily at over 10 MiB\/h for 1(\.\d)? h after its first 30 min \(its warm-up, not judged\)/);
  assert.equal(f.severity, 'warning', 'about 80 hours to its 4 GiB limit');
});

test('an hour of steady growth on a large heap that began with the process is its warm-up: not yet judged', async () => {
  // First seen 75 minutes ago and growing since: 45 minutes after the warm-up, under the hour.
  await sendHeap('big-warming', 75, (m) => 1.5 * GIB + m * 0.5 * MIB);
  await t.waitFor('big-warming', 'the same data judged with no warm-up', byKind('memory.leak-suspect'), { ...TEST_OPTIONS, leakWarmupMs: 0 });
  assert.deepEqual(await findings('big-warming'), []);
});

test('a large heap whose floor wobbles, fills a cache once, or creeps up 6 MiB/h is no leak by rate', async () => {
  // ±6 MiB around 1.5 GiB; a cache of 100 MiB filled over ten minutes an hour in; a creep
  // below the rate that counts (a quarter of a GiB would take two days).
  await sendHeap('big-wobble', 150, (m) => 1.5 * GIB + Math.sin(m / 3) * 6 * MIB);
  await sendHeap('big-cache', 150, (m) => 1.5 * GIB + Math.min(100, Math.max(0, m - 60) * 10) * MIB);
  await sendHeap('big-creep', 150, (m) => 1.5 * GIB + m * 0.1 * MIB);
  // The creep had every chance: it is a suspect at 5 MiB/h.
  await t.waitFor('big-creep', 'the creep at a lower rate', byKind('memory.leak-suspect'), { ...TEST_OPTIONS, leakSteadyBytesPerHour: 5 * MIB });
  // Both stored, two and a half hours of them: every chance to be judged.
  await t.tc.collector.storage.flush();
  const now = Date.now();
  for (const service of ['big-wobble', 'big-cache']) {
    const stored = t.tc.collector.storage.gaugeBuckets({ service, metric: 'memory.heap_used', from: now - 3 * 3_600_000, to: now + 1000, bucketMs: 300_000 });
    assert.ok((stored[0]?.buckets.length ?? 0) >= 30, `${service} stored`);
  }
  for (const service of ['big-wobble', 'big-cache', 'big-creep']) assert.deepEqual(await findings(service), [], service);
});
