// A call that waited for a callee whose event loop another request blocked says so on the trace
// page (QA defect 3): the late server span's row names the stall's transaction and links its
// trace, and the summary says whose loop was blocked, not "Event loop blocked 0 ms". Data sent
// over OTLP/JSON to a real collector; Chromium reads the page.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { TraceResponse } from '@headroom/collector/api-types';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { nanos, postOtlpJson, postStalls, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const TRACE_ID = 'ca7a1090000000000000000000000001';
const BUSY_TRACE_ID = 'b05900000000000000000000000000b2';

async function sendCallBehindStall(t0: number): Promise<void> {
  const span = (traceId: string, spanId: string, parentSpanId: string | null, name: string, kind: number, from: number, to: number) => ({
    traceId, spanId, ...(parentSpanId !== null && { parentSpanId }), name, kind, startTimeUnixNano: nanos(t0 + from), endTimeUnixNano: nanos(t0 + to), status: { code: 0 },
  });
  await postOtlpJson(rig.collector.otlpUrl, 'traces', {
    resourceSpans: [
      { resource: resource('orders', 'orders-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
        span(TRACE_ID, 'a000000000000001', null, 'GET /orders/:id/catalog', 2, 0, 150),
        span(TRACE_ID, 'a000000000000002', 'a000000000000001', 'GET', 3, 3, 145),
      ] }] },
      { resource: resource('catalog', 'catalog-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
        span(TRACE_ID, 'c000000000000001', 'a000000000000002', 'GET /products/:sku', 2, 138, 144),
        // The request that blocked catalog's loop, in its own trace.
        span(BUSY_TRACE_ID, 'c000000000000002', null, 'GET /busy/:n', 2, -25, 130),
      ] }] },
    ],
  });
  await postStalls(rig.collector.otlpUrl, [
    { service: 'catalog', instanceId: 'catalog-1', startMs: t0 - 20, durationMs: 150, cpuMs: 148, route: '/busy/:n', method: 'GET', traceId: BUSY_TRACE_ID, spanId: 'c000000000000003' },
  ]);
}

test('the late server span says it waited behind catalog’s blocked loop, and links the blocking trace', async () => {
  const t0 = Date.now() - 60_000;
  await sendCallBehindStall(t0);
  await eventually('the trace and its stall stored', () => api<TraceResponse>(rig.collector.httpUrl, `/api/traces/${TRACE_ID}`), (t) => t.spans.length === 3 && t.stalls.length === 1);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/orders/traces/${TRACE_ID}`);
    const note = page.locator('[data-testid="stall-wait"]');
    await note.waitFor();
    assert.equal(await note.count(), 1, 'one row waited');
    assert.equal(await note.textContent(), 'waited 135 ms: catalog’s event loop was blocked by GET /busy/:n (150 ms stall, its trace)');
    // The note belongs to catalog's server span, not the client span before it.
    assert.equal(await page.locator('[data-span-id="c000000000000001"] [data-testid="stall-wait"]').count(), 1);
    assert.equal(await page.locator('[data-testid="own-stall"]').textContent(), 'Loop blocked by this trace0 ms');
    assert.equal(await page.locator('[data-testid="waited-stall"]').textContent(), 'Waited behind other requests\' stalls135 mscatalog’s event loop blocked');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-trace-stall-wait.png'), fullPage: true });

    await note.getByRole('link', { name: 'its trace' }).click();
    await page.waitForURL(`**/services/catalog/traces/${BUSY_TRACE_ID}`);
    await page.locator('[data-testid="waterfall"]').waitFor();
  } finally {
    await page.close();
  }
});
