// The waterfall works without a mouse (QA defect 8): Tab reaches the rows (one tab stop), the
// arrow keys move between them, Enter and Space open and close a span, the focus shows, and the
// open span's panel is the next tab stop (Escape goes back to its row). Over a trace sent as
// OTLP/JSON to a real collector, in Chromium.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { TraceResponse } from '@headroom/collector/api-types';
import { movedIndex, rowKeyAction } from '../../dashboard/src/components/row-keys';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { attr, nanos, postOtlpJson, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const TRACE_ID = 'beeb0a4d000000000000000000000001';

const focusedSpan = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('data-span-id') ?? document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName ?? null);

test('row keys: arrows, Home and End move inside the list; Enter and Space toggle', () => {
  assert.equal(rowKeyAction('Enter'), 'toggle');
  assert.equal(rowKeyAction(' '), 'toggle');
  assert.equal(rowKeyAction('Tab'), null);
  assert.equal(movedIndex('next', 2, 3), 2, 'the last row stays');
  assert.equal(movedIndex('previous', 0, 3), 0);
  assert.equal(movedIndex('last', 0, 3), 2);
  assert.equal(movedIndex('first', 2, 3), 0);
});

test('the waterfall is reachable and its spans open by keyboard', async () => {
  const t0 = Date.now() - 60_000;
  const span = (spanId: string, parentSpanId: string | null, name: string, from: number, to: number, attributes: ReturnType<typeof attr>[] = []) => ({
    traceId: TRACE_ID, spanId, ...(parentSpanId !== null && { parentSpanId }), name, kind: parentSpanId === null ? 2 : 3,
    startTimeUnixNano: nanos(t0 + from), endTimeUnixNano: nanos(t0 + to), status: { code: 0 }, attributes,
  });
  await postOtlpJson(rig.collector.otlpUrl, 'traces', {
    resourceSpans: [{ resource: resource('orders', 'orders-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
      span('e000000000000001', null, 'GET /orders/:id', 0, 40),
      span('e000000000000002', 'e000000000000001', 'pg.query:SELECT orders', 2, 20, [attr('db.query.text', 'SELECT * FROM orders WHERE id = $1')]),
      span('e000000000000003', 'e000000000000001', 'redis-GET', 22, 30),
    ] }] }],
  });
  await eventually('the trace stored', () => api<TraceResponse>(rig.collector.httpUrl, `/api/traces/${TRACE_ID}`), (t) => t.spans.length === 3);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/orders/traces/${TRACE_ID}`);
    await page.locator('[data-testid="waterfall"]').waitFor();
    // Tab from the top until a row has the focus: the rows are one tab stop, the first row's.
    let reached: string | null = null;
    for (let i = 0; i < 30 && reached === null; i++) {
      await page.keyboard.press('Tab');
      const f = await focusedSpan(page);
      if (f !== null && f.startsWith('e0000')) reached = f;
    }
    assert.equal(reached, 'e000000000000001', 'Tab reaches the first span row');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle);
    assert.equal(outline, 'solid', 'the focused row shows its focus');

    await page.keyboard.press('ArrowDown');
    assert.equal(await focusedSpan(page), 'e000000000000002');
    await page.keyboard.press('End');
    assert.equal(await focusedSpan(page), 'e000000000000003');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focusedSpan(page), 'e000000000000002');

    await page.keyboard.press('Enter');
    const detail = page.locator('[data-testid="span-detail"]');
    await detail.waitFor();
    assert.equal(await detail.locator('h2').textContent(), 'pg.query:SELECT orders');
    assert.equal(await page.locator('[data-span-id="e000000000000002"]').getAttribute('aria-expanded'), 'true');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-trace-keyboard.png'), fullPage: true });

    // The panel is the next tab stop: its attributes are readable without a mouse.
    await page.keyboard.press('Tab');
    assert.equal(await focusedSpan(page), 'span-detail');
    assert.match((await detail.textContent()) ?? '', /SELECT \* FROM orders WHERE id = \$1/);
    // Escape goes back to the row; Space closes the panel.
    await page.keyboard.press('Escape');
    assert.equal(await focusedSpan(page), 'e000000000000002');
    await page.keyboard.press(' ');
    assert.equal(await detail.count(), 0);
    // Shift+Tab leaves the waterfall in one step, whichever row had the focus.
    await page.keyboard.press('Shift+Tab');
    const after = await focusedSpan(page);
    assert.ok(after === null || !after.startsWith('e0000'), `left the rows (${String(after)})`);
  } finally {
    await page.close();
  }
});
