// The route view in Chromium shows where a route's time goes, from traces sent with known
// timings: a 300 ms request with a 276 ms query is "database (postgresql) 92 %", the
// statements table shows the N+1's 20 calls per request, and its trace folds them into one row.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { SpanKind } from '@opentelemetry/api';
import type { TimeBreakdownResponse } from '@headroom/collector/api-types';
import { sendTraces, serviceResource, type SpanSpec } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();
const ROUTE = 'GET /reports/slow';

function slowReport(t0: number): SpanSpec {
  const items = Array.from({ length: 20 }, (_, i): SpanSpec => ({
    name: 'pg.query:SELECT',
    kind: SpanKind.CLIENT,
    startMs: t0 + 2 + i,
    durationMs: 0.5,
    attributes: { 'db.system.name': 'postgresql', 'db.query.text': `SELECT * FROM items WHERE id = ${i}` },
  }));
  return {
    name: ROUTE,
    startMs: t0,
    durationMs: 300,
    attributes: { 'http.route': '/reports/slow', 'http.request.method': 'GET' },
    children: [
      ...items,
      // 256 ms of the one slow query, from 24 to 280: with the items' 10 ms, 266 ms; 10 more in a redis call.
      { name: 'pg.query:SELECT', kind: SpanKind.CLIENT, startMs: t0 + 24, durationMs: 256, attributes: { 'db.system.name': 'postgresql', 'db.query.text': 'SELECT pg_sleep(0.3)' } },
      { name: 'GET', kind: SpanKind.CLIENT, startMs: t0 + 282, durationMs: 10, attributes: { 'db.system.name': 'redis', 'db.operation.name': 'GET' } },
    ],
  };
}

test('the route view splits its time into database, external and app, with its top statements', async () => {
  const service = 'orders-breakdown-ui';
  const now = Date.now();
  await sendTraces(rig.collector.otlpUrl, serviceResource(service, 'orders-1'), Array.from({ length: 12 }, (_, i) => slowReport(now - 60_000 + i * 1000)));
  const breakdown = await eventually(
    'the 12 traces',
    () => api<TimeBreakdownResponse>(rig.collector.httpUrl, `/api/services/${service}/time-breakdown?range=15m&route=${encodeURIComponent(ROUTE)}`),
    (b) => b.traces === 12,
  );
  // 10 ms of items + 256 ms + 10 ms of redis = 276 of 300 ms: 92 %.
  assert.ok(Math.abs(breakdown.databaseShare - 0.92) < 1e-6, String(breakdown.databaseShare));

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}/transactions?range=15m&route=${encodeURIComponent(ROUTE)}`);
    const text = page.getByTestId('time-breakdown-text');
    await text.waitFor();
    assert.equal(await text.textContent(), 'database (postgresql, redis) 92 % · external 0 % · app 8 % — from 12 traces');
    const widths = await page.locator('.breakdown-segment').evaluateAll((els) => els.map((e) => [e.getAttribute('data-segment'), (e as HTMLElement).style.width]));
    // postgresql 266 and redis 10 of the 276 database ms; the app's 24 ms.
    assert.deepEqual(widths, [['database:postgresql', '88.67%'], ['database:redis', '3.33%'], ['app:app', '8%']]);
    const rows = await page.locator('[data-testid="statements-table"] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [tr.querySelector('code')?.textContent ?? '', tr.querySelector('[data-col="per-request"]')?.textContent ?? '']),
    );
    assert.deepEqual(rows[0], ['SELECT pg_sleep(?)', '1 (1)']);
    assert.ok(rows.some(([s, n]) => s === 'SELECT * FROM items WHERE id = ?' && n === '20 (20)'), JSON.stringify(rows));
    await page.getByTestId('time-breakdown').screenshot({ path: path.join(ARTIFACTS, 'dashboard-time-breakdown.png') });

    // The N+1's trace: its twenty queries are one row until opened.
    const items = breakdown.statements.find((s) => s.statement === 'SELECT * FROM items WHERE id = ?');
    assert.ok(items);
    await page.goto(`${rig.collector.httpUrl}/services/${service}/traces/${items.exampleTraceId}`);
    const group = page.getByTestId('span-group');
    await group.waitFor();
    assert.equal(await group.count(), 1);
    assert.equal(await group.locator('.wf-label').textContent(), 'SELECT * FROM items WHERE id = ?');
    assert.equal(await page.getByTestId('span-group-count').textContent(), '×20, 10 ms in all');
    // The root, the group, the slow query and the redis call.
    assert.equal(await page.locator('[data-testid="waterfall"] [role="row"][data-span-id]').count(), 4);
    await page.getByTestId('waterfall').screenshot({ path: path.join(ARTIFACTS, 'trace-repeated-folded.png') });
    await group.click();
    assert.equal(await group.getAttribute('aria-expanded'), 'true');
    assert.equal(await page.locator('[data-testid="waterfall"] [role="row"][data-span-id]').count(), 24);
    // Keyboard: from the group, Enter folds it again.
    await group.focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('[data-testid="waterfall"] [role="row"][data-span-id]').count(), 4);
  } finally {
    await page.close();
  }
});
