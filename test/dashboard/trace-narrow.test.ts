// At 390 px (a phone) the waterfall's span names wrap instead of being cut to "GE…", and the page
// does not scroll sideways (QA). A two-service trace sent as OTLP/JSON; Chromium measures.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { TraceResponse } from '@headroom/collector/api-types';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { nanos, postOtlpJson, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const TRACE_ID = '390390390390390390390390390390aa';

test('at 390 px every span name is shown whole', async () => {
  const t0 = Date.now() - 60_000;
  const span = (spanId: string, parentSpanId: string | null, name: string, kind: number, from: number, to: number) => ({
    traceId: TRACE_ID, spanId, ...(parentSpanId !== null && { parentSpanId }), name, kind, startTimeUnixNano: nanos(t0 + from), endTimeUnixNano: nanos(t0 + to), status: { code: 0 },
  });
  const names = ['GET /orders/:id/items', 'pg-pool.connect', 'pg.query:SELECT id, sku, qty FROM items WHERE id = $1', 'GET', 'GET /products/:sku'];
  await postOtlpJson(rig.collector.otlpUrl, 'traces', {
    resourceSpans: [
      { resource: resource('orders', 'orders-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
        span('f000000000000001', null, names[0] as string, 2, 0, 60),
        span('f000000000000002', 'f000000000000001', names[1] as string, 3, 1, 3),
        span('f000000000000003', 'f000000000000001', names[2] as string, 3, 4, 20),
        span('f000000000000004', 'f000000000000001', names[3] as string, 3, 22, 55),
      ] }] },
      { resource: resource('catalog-service', 'catalog-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
        span('f000000000000005', 'f000000000000004', names[4] as string, 2, 25, 50),
      ] }] },
    ],
  });
  await eventually('the trace stored', () => api<TraceResponse>(rig.collector.httpUrl, `/api/traces/${TRACE_ID}`), (t) => t.spans.length === 5);

  const page = await rig.browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/orders/traces/${TRACE_ID}`);
    await page.locator('[data-span-id="f000000000000005"]').waitFor();
    const labels = await page.locator('[data-testid="waterfall"] .wf-label').evaluateAll((els) =>
      els.map((el) => ({ text: el.textContent, cut: el.scrollWidth > el.clientWidth + 1, width: el.clientWidth })),
    );
    assert.deepEqual(labels.map((l) => l.text), [names[0], names[1], names[2], names[3], names[4]]);
    for (const l of labels) assert.equal(l.cut, false, `"${String(l.text)}" is cut at ${l.width} px`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scroll');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-trace-390.png'), fullPage: true });
  } finally {
    await page.close();
  }
});
