// A page loads each of its API resources once: the live stream's first connection is no resync
// (QA defect 7: every page fetched all its data twice on load, fixed ranges included). Counted
// in Chromium over a real collector holding a little data.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StallsResponse } from '@headroom/collector/api-types';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { postStalls } from './support/otlp-json';

const rig = useCollectorAndBrowser();

async function apiCallsOnLoad(path: string): Promise<string[]> {
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const calls: string[] = [];
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/api/')) calls.push(url.pathname + url.search);
  });
  try {
    await page.goto(rig.collector.httpUrl + path);
    await page.waitForFunction(() => document.documentElement.dataset.live === 'live');
    await page.waitForLoadState('networkidle');
    // Long enough for a refetch set off by the connection to have started and finished.
    await new Promise((r) => setTimeout(r, 1000));
    await page.waitForLoadState('networkidle');
    return calls;
  } finally {
    await page.close();
  }
}

test('the service and event-loop pages load each resource once, live range or fixed', async () => {
  const now = Date.now();
  await postStalls(rig.collector.otlpUrl, [{ service: 'orders', instanceId: 'orders-1', startMs: now - 120_000, durationMs: 150, cpuMs: 140, route: '/busy/:n', method: 'GET' }]);
  await eventually('the stall stored', () => api<StallsResponse>(rig.collector.httpUrl, '/api/services/orders/stalls?range=15m'), (r) => r.groups.length === 1);

  const fixed = `from=${now - 30 * 60_000}&to=${now}`;
  for (const path of ['/services/orders', `/services/orders?${fixed}`, '/services/orders/event-loop', `/services/orders/event-loop?${fixed}`]) {
    const calls = await apiCallsOnLoad(path);
    assert.ok(calls.length >= 3, `${path}: the page loaded its data (${calls.join(', ')})`);
    const repeated = calls.filter((c, i) => calls.indexOf(c) !== i);
    assert.deepEqual(repeated, [], `${path}: requested more than once`);
  }
});
