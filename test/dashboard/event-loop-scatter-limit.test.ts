// The event-loop page's stall scatter reads the newest 1,000 stalls of the range: with more, it
// says so (it showed 1,000 as if they were all), while the table counts every one. Stalls over
// OTLP/JSON to a real collector, Chromium reads the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StallsResponse } from '@headroom/collector/api-types';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { postStalls } from './support/otlp-json';

const rig = useCollectorAndBrowser();

async function sendStalls(service: string, n: number): Promise<void> {
  const t0 = Date.now() - 600_000;
  const stalls = Array.from({ length: n }, (_, i) => ({ service, instanceId: `${service}-1`, startMs: t0 + i * 300, durationMs: 120, cpuMs: 110, route: '/report', method: 'GET' }));
  for (let i = 0; i < n; i += 500) await postStalls(rig.collector.otlpUrl, stalls.slice(i, i + 500));
  await eventually('the stalls stored', () => api<StallsResponse>(rig.collector.httpUrl, `/api/services/${service}/stalls?range=15m`), (r) => r.groups[0]?.count === n);
}

test('1,200 stalls: the scatter says it shows the newest 1,000, the table counts 1,200; 20 stalls: no such note', async () => {
  await sendStalls('busy-loop', 1200);
  await sendStalls('calm-loop', 20);
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/busy-loop/event-loop?range=15m`);
    const note = page.getByTestId('stall-scatter-limit');
    await note.waitFor();
    assert.match((await note.textContent()) ?? '', /^The chart shows the newest 1,000 stalls of this range, not all of them; the table below counts every one\./);
    assert.equal(await page.getByTestId('stalls-table').locator('td[data-col="count"]').first().textContent(), '1200');

    await page.goto(`${rig.collector.httpUrl}/services/calm-loop/event-loop?range=15m`);
    await page.getByTestId('stalls-table').locator('tbody tr').first().waitFor();
    await page.locator('[data-testid="stall-list"] li').first().waitFor();
    assert.equal(await note.count(), 0);
  } finally {
    await page.close();
  }
});
