// At 390 px (a phone) a transaction name wraps after its method and its slashes, never inside a
// word: the route column used to shrink until "GET /orders/:id/items" read "GET /ord|ers/…" (QA).
// Request metrics through OTLP; Chromium measures where each character of the name landed.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { TransactionsResponse } from '@headroom/collector/api-types';
import { routeParts } from '../../dashboard/src/components/route-text';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();
const SERVICE = 'narrow-routes';
const ROUTES = ['/orders/:orderId/items/:itemId/attachments', '/customers/:customerId/subscriptions/renewals', '/health'];

test('a route splits after its method and each slash', () => {
  assert.deepEqual(routeParts('GET /orders/:id/items'), ['GET ', '/', 'orders/', ':id/', 'items']);
  assert.deepEqual(routeParts('GET'), ['GET']);
});

test('at 390 px the transactions table wraps route names between their parts only', async () => {
  await sendMetrics(rig.collector.otlpUrl, serviceResource(SERVICE, 'narrow-1'), (m) => {
    for (const route of ROUTES) m.histogram('http.server.request.duration', 's', [0.01, 0.02, 0.03], { 'http.request.method': 'GET', 'http.route': route, 'http.response.status_code': 200 });
  });
  await eventually('the routes stored', () => api<TransactionsResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/transactions?range=15m`), (r) => r.transactions.length === ROUTES.length);

  const page = await rig.browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/transactions`);
    const links = page.locator('td.route-cell a');
    await links.first().waitFor();
    // Each character's line (its rect's top), by walking the link's text nodes.
    const lines = await links.evaluateAll((els) =>
      els.map((el) => {
        const tops: number[] = [];
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
          for (let i = 0; i < (node.textContent ?? '').length; i++) {
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            tops.push(Math.round(range.getBoundingClientRect().top));
          }
        }
        return { text: el.textContent ?? '', tops };
      }),
    );
    assert.deepEqual(lines.map((l) => l.text).sort(), ROUTES.map((r) => `GET ${r}`).sort());
    const longest = lines.find((l) => l.text === `GET ${ROUTES[0]}`)!;
    assert.ok(new Set(longest.tops).size > 1, 'the long route wraps at 390 px');
    for (const { text, tops } of lines) {
      let at = 0;
      for (const part of routeParts(text)) {
        const partTops = new Set(tops.slice(at, at + part.trimEnd().length));
        assert.equal(partTops.size, 1, `"${part}" of "${text}" is broken across lines`);
        at += part.length;
      }
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-routes-390.png'), fullPage: true });
  } finally {
    await page.close();
  }
});
