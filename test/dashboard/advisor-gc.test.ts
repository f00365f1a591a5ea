// The Advisor page shows the GC-stall finding (eventloop.gc-stalls) with its figures as text:
// stalls GC pauses filled and the heap they ran against, sent over OTLP/JSON to a real
// collector by a process whose instance id is markup; Chromium reads the card.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AdvisorResponse } from '@headroom/collector/api-types';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { attr, nanos, postOtlpJson, postStalls, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const MIB = 1024 * 1024;
const INSTANCE = '<img src=x onerror="window.__gcXss=1">';

test('a GC-stall finding renders its title, heap and GC figures as text', async () => {
  const now = Date.now();
  await postStalls(rig.collector.otlpUrl, Array.from({ length: 6 }, (_, i) => ({
    service: 'heap-bound', instanceId: INSTANCE, startMs: now - 200_000 + i * 30_000, durationMs: 300, cpuMs: 290, gcMs: 280, gc: true,
  })));
  // 470 MiB kept after each collection, of a 512 MiB limit: whole minutes, each holding its floor.
  const m0 = Math.floor((now - 240_000) / 60_000) * 60_000;
  const points = (value: (i: number) => number) => Array.from({ length: 45 }, (_, i) => ({ timeUnixNano: nanos(m0 + i * 4000), asDouble: value(i) }));
  await postOtlpJson(rig.collector.otlpUrl, 'metrics', {
    resourceMetrics: [{
      resource: { attributes: [...resource('heap-bound', INSTANCE).attributes, attr('process.pid', 5151)] },
      scopeMetrics: [{
        scope: { name: '@headroom/agent' },
        metrics: [
          { name: 'v8js.memory.heap.used', unit: 'By', gauge: { dataPoints: points((i) => (470 + (i % 5) * 10) * MIB) } },
          { name: 'v8js.memory.heap.limit', unit: 'By', gauge: { dataPoints: points(() => 512 * MIB) } },
        ],
      }],
    }],
  });
  await eventually(
    'the GC finding with the heap',
    () => api<AdvisorResponse>(rig.collector.httpUrl, '/api/advisor?service=heap-bound&range=15m'),
    (r) => r.findings.some((f) => f.kind === 'eventloop.gc-stalls' && f.evidence.figures.heapShare !== undefined),
  );

  const page = await rig.browser.newPage();
  try {
    await page.goto(`${rig.collector.httpUrl}/services/heap-bound/advisor?range=15m`);
    const card = page.locator('section[data-severity="warning"] [data-kind="eventloop.gc-stalls"]');
    await card.waitFor();
    assert.equal(await card.locator('.finding-title').innerText(), 'Garbage collection blocked the event loop 6 times (longest 300 ms) with the heap at 92 % of its limit');
    assert.match(await card.locator('.finding-summary').innerText(), /^Over the last 15 minutes, 6 stalls in pid 5151 were filled by GC pauses, 1\.8 s in all .*Right after collection its heap held up to 470 MiB of its 512 MiB limit \(92 %\)\.$/);
    const figure = (name: string) => card.locator(`[data-figure="${name}"]`).innerText();
    assert.equal(await figure('gcStalls'), '6');
    assert.equal(await figure('maxGcStallMs'), '300 ms');
    assert.equal(await figure('heapUsedAfterGcBytes'), '470 MiB');
    assert.equal(await figure('heapShare'), '92 %');
    // The process's id is app data: text, not markup.
    assert.equal(await figure('worstInstance'), INSTANCE);
    assert.equal(await card.locator('img').count(), 0);
    assert.equal(await page.evaluate(() => (window as unknown as { __gcXss?: number }).__gcXss), undefined);
    assert.match(await card.locator('.finding-change').innerText(), /--max-old-space-size/);
  } finally {
    await page.close();
  }
});
