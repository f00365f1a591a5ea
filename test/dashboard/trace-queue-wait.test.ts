// Queue wait in the per-request views (QA3 defect 8): a server span carrying
// `headroom.queue_wait.duration_ms` gets a "queued" bar before it in the waterfall and a summary
// card with the client's time; the traces list shows the wait per trace and counts it when it
// picks slow traces. Data sent over OTLP/JSON to a real collector; Chromium reads the pages.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { TraceResponse, TracesResponse } from '@headroom/collector/api-types';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { attr, nanos, postOtlpJson, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const QUEUED_TRACE = 'eee00000000000000000000000000001';
const PLAIN_TRACE = 'eee00000000000000000000000000002';

async function sendTraces(t0: number): Promise<void> {
  const root = (traceId: string, spanId: string, from: number, to: number, attributes: ReturnType<typeof attr>[]) => ({
    traceId, spanId, name: 'GET /price/:sku', kind: 2, startTimeUnixNano: nanos(t0 + from), endTimeUnixNano: nanos(t0 + to), status: { code: 0 },
    attributes: [attr('http.route', '/price/:sku'), attr('http.request.method', 'GET'), attr('http.response.status_code', 200), ...attributes],
  });
  await postOtlpJson(rig.collector.otlpUrl, 'traces', {
    resourceSpans: [{ resource: { attributes: [...resource('shop', 'shop-1').attributes, attr('headroom.apdex_t_ms', 100)] }, scopeSpans: [{ scope: { name: 't' }, spans: [
      // 70 ms in the app (under the 400 ms slow bound), 460 ms for the client.
      root(QUEUED_TRACE, 'e000000000000001', 0, 70, [attr('headroom.queue_wait.duration_ms', 390)]),
      { traceId: QUEUED_TRACE, spanId: 'e000000000000002', parentSpanId: 'e000000000000001', name: 'GET', kind: 3,
        startTimeUnixNano: nanos(t0 + 5), endTimeUnixNano: nanos(t0 + 65), status: { code: 0 } },
      // Fast with no header: not slow either way.
      root(PLAIN_TRACE, 'e000000000000003', 1000, 1070, []),
    ] }] }],
  });
}

test('a queued request shows its wait before the server span, in the summary and on the traces list', async () => {
  const t0 = Date.now() - 60_000;
  await sendTraces(t0);
  await eventually('the traces stored', () => api<TraceResponse>(rig.collector.httpUrl, `/api/traces/${QUEUED_TRACE}`), (t) => t.spans.length === 2);

  // Slow for the client, not for the app: the slow list has it, with its wait; the fast one is not listed.
  const notable = await api<TracesResponse>(rig.collector.httpUrl, `/api/traces?service=shop&notable=true&range=1h`);
  assert.deepEqual(notable.traces.map((t) => [t.traceId, t.queueWaitMs]), [[QUEUED_TRACE, 390]]);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/shop/traces/${QUEUED_TRACE}`);
    const card = page.locator('[data-testid="queue-wait"]');
    await card.waitFor();
    assert.equal(await card.textContent(), 'Queued in front of the app390 ms460 ms as the client saw it');
    assert.equal(await page.locator('[data-testid="trace-duration"]').textContent(), '70 ms', 'the duration stays the app’s');
    // The queued row sits right before the server span's, its bar ending where the span's starts.
    const rows = page.locator('[data-testid="waterfall"] [role="row"]:not(.wf-head)');
    assert.equal(await rows.count(), 3);
    assert.equal(await rows.nth(0).getAttribute('data-testid'), 'queued-row');
    assert.match((await rows.nth(0).textContent()) ?? '', /^queued.*390 ms$/);
    assert.equal(await rows.nth(1).getAttribute('data-span-id'), 'e000000000000001');
    const queuedBar = await rows.nth(0).locator('.wf-bar').boundingBox();
    const spanBar = await rows.nth(1).locator('.wf-bar').boundingBox();
    assert.ok(queuedBar && spanBar);
    assert.ok(Math.abs(queuedBar.x + queuedBar.width - spanBar.x) < 2, `queued bar ends at ${queuedBar.x + queuedBar.width}, span starts at ${spanBar.x}`);
    // 390 of 460 ms: the wait takes most of the axis.
    assert.ok(queuedBar.width > 4 * spanBar.width, `queued ${queuedBar.width} px, span ${spanBar.width} px`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-trace-queue-wait.png'), fullPage: true });

    await page.goto(`${rig.collector.httpUrl}/services/shop/traces`);
    const cell = page.locator(`tr[data-trace-id="${QUEUED_TRACE}"] [data-col="queued"]`);
    await cell.waitFor();
    assert.equal(await cell.textContent(), '390 ms');
    assert.equal(await cell.getAttribute('title'), '460 ms as the client saw it');
  } finally {
    await page.close();
  }
});
