// What the collector dropped past its attribute limits (128 attributes, 128 events per span) and
// what the sender's SDK dropped itself (OTLP dropped_attributes_count) is shown in the span's
// detail, beside its attributes and events, over a span sent as OTLP/JSON.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceResponse } from '@headroom/collector/api-types';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { attr, nanos, postOtlpJson, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const TRACE_ID = 'd0dd0d00d0dd0d00d0dd0d00d0dd0d00';
const SPAN_ID = 'a000000000000001';

test("a span's dropped attributes and events are shown in its detail", async () => {
  const t0 = Date.now() - 60_000;
  const attributes = [attr('http.request.method', 'GET'), attr('http.route', '/wide'), ...Array.from({ length: 148 }, (_, i) => attr(`wide.${i}`, i))];
  const events = Array.from({ length: 130 }, (_, i) => ({
    timeUnixNano: nanos(t0 + 1 + i / 10),
    name: `step ${i}`,
    attributes: i === 0 ? Array.from({ length: 129 }, (_, j) => attr(`e.${j}`, j)) : [],
    ...(i === 1 && { droppedAttributesCount: 4 }),
  }));
  await postOtlpJson(rig.collector.otlpUrl, 'traces', {
    resourceSpans: [{ resource: resource('wide-svc', 'wide-1'), scopeSpans: [{ scope: { name: 't' }, spans: [{
      traceId: TRACE_ID, spanId: SPAN_ID, name: 'GET /wide', kind: 2, startTimeUnixNano: nanos(t0), endTimeUnixNano: nanos(t0 + 40),
      status: { code: 0 }, attributes, events, droppedAttributesCount: 3,
    }] }] }],
  });
  await eventually('the trace stored', () => api<TraceResponse>(rig.collector.httpUrl, `/api/traces/${TRACE_ID}`), (t) => t.spans.length === 1);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/wide-svc/traces/${TRACE_ID}`);
    await page.locator(`[role="row"][data-span-id="${SPAN_ID}"]`).click();
    const detail = page.locator('[data-testid="span-detail"]');
    await detail.waitFor();
    // 150 sent, 128 kept, and the 3 the sender's SDK dropped itself.
    assert.equal(await detail.locator('[data-testid="dropped-attributes"]').textContent(), "25 more attributes dropped (past the collector's or the SDK's limit)");
    assert.equal(await detail.locator('[data-testid="dropped-events"]').textContent(), "2 more events dropped (past the collector's or the SDK's limit)");
    const eventNotes = await detail.locator('.span-events li .muted').allTextContents();
    assert.deepEqual(eventNotes, [
      "1 more attribute dropped (past the collector's or the SDK's limit)",
      "4 more attributes dropped (past the collector's or the SDK's limit)",
    ]);
  } finally {
    await page.close();
  }
});
