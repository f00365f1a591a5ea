// The event-loop page names a stall that GC pauses filled (headroom.stall.gc, QA s13: a major GC
// inside a router's param() was listed as GET /users/:id's stall) as garbage collection, with
// its GC time, in the table and the list, not as "outside a request" nor a route's. Stalls sent
// over OTLP/JSON to a real collector; Chromium reads the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StallsResponse } from '@headroom/collector/api-types';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { postStalls } from './support/otlp-json';

const rig = useCollectorAndBrowser();

test('a GC stall is named garbage collection, with its GC time, apart from a stall of unknown code', async () => {
  const t0 = Date.now() - 100_000;
  await postStalls(rig.collector.otlpUrl, [
    { service: 'heapy', instanceId: 'heapy-1', startMs: t0, durationMs: 112, cpuMs: 110, gcMs: 105, gc: true },
    { service: 'heapy', instanceId: 'heapy-1', startMs: t0 + 20_000, durationMs: 120, cpuMs: 118, gcMs: 4 },
  ]);
  await eventually('both stalls grouped', () => api<StallsResponse>(rig.collector.httpUrl, '/api/services/heapy/stalls?range=15m'), (r) => r.groups.length === 2);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/heapy/event-loop`);
    const items = page.locator('[data-testid="stall-list"] li');
    await items.nth(1).waitFor();
    const listed = await items.evaluateAll((lis) => lis.map((li) => li.querySelector('[data-testid="gc-stall"]')?.textContent ?? null));
    assert.deepEqual(listed, [null, 'garbage collection (GC pauses, not the code that ran) (GC 105 ms)']);
    const rows = page.locator('[data-testid="stalls-table"] tbody tr');
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => [tr.querySelector('.route-cell')?.textContent, tr.children[1]?.textContent]));
    assert.deepEqual(cells.sort(), [
      ['garbage collection (GC pauses, not the code that ran)', "none: V8's collector"],
      ['outside a request', 'unknown'],
    ]);
  } finally {
    await page.close();
  }
});
