// A Transactions row named by its method alone (`GET`) holds the requests no route matched —
// 404s, a catch-all middleware's answers (QA3: 216 k scanner 404s in one unexplained `GET` row).
// The row says so; its name is still the transaction's. Metrics over OTLP to a real collector;
// Chromium reads the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TransactionsResponse } from '@headroom/collector/api-types';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { isMethodOnly } from '../../dashboard/src/shape/unmatched-route';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();

test('a method is method-only; a route or a name with a path is not', () => {
  assert.equal(isMethodOnly('GET'), true);
  assert.equal(isMethodOnly('_OTHER'), true);
  assert.equal(isMethodOnly('GET /price/:sku'), false);
  assert.equal(isMethodOnly('GETTER'), false);
  assert.equal(isMethodOnly('get'), false);
});

test('the method-only row says no route matched; a routed row says nothing', async () => {
  const service = 'scanned-svc';
  await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'scan-1'), (m) => {
    m.histogram('http.server.request.duration', 's', [0.0001, 0.0001, 0.0002], { 'http.request.method': 'GET', 'http.response.status_code': 404 });
    m.histogram('http.server.request.duration', 's', [0.02, 0.03], { 'http.request.method': 'GET', 'http.route': '/hash', 'http.response.status_code': 200 });
  });
  const r = await eventually('both rows', () => api<TransactionsResponse>(rig.collector.httpUrl, `/api/services/${service}/transactions?range=15m`), (x) => x.transactions.length === 2);
  assert.deepEqual(r.transactions.map((t) => t.route).sort(), ['GET', 'GET /hash']);

  const page = await rig.browser.newPage({ viewport: { width: 390, height: 800 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}/transactions`, { waitUntil: 'domcontentloaded' });
    const row = page.locator('[data-testid="transactions-table"] tbody tr[data-route="GET"]');
    await row.waitFor();
    assert.equal(await row.locator('td.route-cell a').textContent(), 'GET', 'the name is still the transaction');
    assert.equal(await row.getByTestId('unmatched-route').textContent(), "no route matched (404s, and middleware that answered before routing: a body parser's 400, an auth check)");
    assert.equal(await page.locator('tr[data-route="GET /hash"] [data-testid="unmatched-route"]').count(), 0);

    await row.locator('td.route-cell a').click();
    await page.getByTestId('route-detail').waitFor();
    assert.match((await page.locator('[data-testid="route-detail"] h2').textContent()) ?? '', /Route GET no route matched \(404s, and middleware that answered before routing: a body parser's 400, an auth check\)/);
  } finally {
    await page.close();
  }
});
