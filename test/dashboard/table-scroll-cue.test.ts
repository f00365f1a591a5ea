// A table wider than the page shows that it scrolls: a shadow on the side with more columns,
// gone at that end, and the scroller is a named tab stop (QA: at 800 px the transactions
// table's Queue wait and Stalls columns and the overview's sparklines were cut off at the edge
// with nothing saying so). Request metrics and stalls through OTLP; Chromium measures.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { TransactionsResponse } from '@headroom/collector/api-types';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { postStalls } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const SERVICE = 'wide-tables';
const ROUTES = ['/orders/:orderId/items/:itemId/attachments', '/customers/:customerId/subscriptions/renewals', '/health'];

let sent: Promise<void> | undefined;
async function sendData(): Promise<void> {
  await sendMetrics(rig.collector.otlpUrl, serviceResource(SERVICE, 'wide-1'), (m) => {
    for (const route of ROUTES) {
      const attrs = { 'http.request.method': 'GET', 'http.route': route, 'http.response.status_code': 200 };
      m.histogram('http.server.request.duration', 's', [0.012, 0.0231, 1.2345], attrs);
      m.histogram('headroom.queue_wait.duration', 'ms', [3.2, 41.7, 1250], attrs);
    }
  });
  await postStalls(rig.collector.otlpUrl, [{ service: SERVICE, instanceId: 'wide-1', startMs: Date.now() - 60_000, durationMs: 1234.5, cpuMs: 1200, route: ROUTES[0], method: 'GET' }]);
  await eventually('the routes stored', () => api<TransactionsResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/transactions?range=15m`), (r) => r.transactions.length === ROUTES.length && r.transactions.some((t) => t.stalls > 0));
}
const dataSent = (): Promise<void> => (sent ??= sendData());

interface Cue {
  overflows: boolean;
  left: string;
  right: string;
  tabIndex: number;
  label: string | null;
}

/** What the table's scroller shows: whether it overflows, each side's shadow (its opacity), its tab stop and name. */
function readCue(page: Page, testId: string): Promise<Cue> {
  return page.getByTestId(testId).evaluate((table) => {
    const scroller = table.closest('.table-scroll') as HTMLElement;
    const frame = scroller.parentElement as HTMLElement;
    return {
      overflows: scroller.scrollWidth > scroller.clientWidth + 1,
      left: getComputedStyle(frame, '::before').opacity,
      right: getComputedStyle(frame, '::after').opacity,
      tabIndex: scroller.tabIndex,
      label: scroller.getAttribute('aria-label'),
    };
  });
}

async function scrollTo(page: Page, testId: string, where: 'end' | 'start'): Promise<void> {
  await page.getByTestId(testId).evaluate((table, w) => {
    const scroller = table.closest('.table-scroll') as HTMLElement;
    scroller.scrollLeft = w === 'end' ? scroller.scrollWidth : 0;
  }, where);
}

for (const width of [800, 390]) {
  for (const [what, url, testId, label] of [
    ['transactions table', `/services/${SERVICE}/transactions`, 'transactions-table', 'Transactions (scrolls sideways)'],
    ['overview', '/', 'services-table', 'Services (scrolls sideways)'],
  ] as const) {
    test(`at ${width} px the ${what} shows that it scrolls: a shadow at the right, then at the left only once scrolled to the end`, async () => {
      await dataSent();
      const page = await rig.browser.newPage({ viewport: { width, height: 900 } });
      try {
        await page.goto(rig.collector.httpUrl + url);
        await page.getByTestId(testId).locator('tbody tr').first().waitFor();
        const first = await eventually('the cue measured', () => readCue(page, testId), (c) => c.right === '1');
        assert.deepEqual(first, { overflows: true, left: '0', right: '1', tabIndex: 0, label });
        // What the scroller hides stays in it: a sparkline's summary for screen readers (absolutely
        // placed, 1 px) in a column out of view made the whole page scroll sideways at 390 px (QA).
        assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), width, 'the page itself does not scroll sideways');
        await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${testId}-scroll-${width}.png`) });
        await scrollTo(page, testId, 'end');
        const end = await eventually('the cue at the end', () => readCue(page, testId), (c) => c.right === '0');
        assert.deepEqual({ left: end.left, right: end.right }, { left: '1', right: '0' });
        await scrollTo(page, testId, 'start');
        const back = await eventually('the cue back at the start', () => readCue(page, testId), (c) => c.left === '0');
        assert.deepEqual({ left: back.left, right: back.right }, { left: '0', right: '1' });
      } finally {
        await page.close();
      }
    });
  }
}

test('at 1280 px the tables fit: no shadow, no extra tab stop', async () => {
  await dataSent();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    for (const [url, testId] of [[`/services/${SERVICE}/transactions`, 'transactions-table'], ['/', 'services-table']] as const) {
      await page.goto(rig.collector.httpUrl + url);
      await page.getByTestId(testId).locator('tbody tr').first().waitFor();
      assert.deepEqual(await readCue(page, testId), { overflows: false, left: '0', right: '0', tabIndex: -1, label: null });
    }
  } finally {
    await page.close();
  }
});
