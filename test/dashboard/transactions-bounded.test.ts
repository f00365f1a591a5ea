// The transactions page of a scanned service (QA3 #1: 30 001 rows, a 346 MB browser heap): the
// collector folds new routes past the service's budget into "GET (other routes)" and lists the
// top 200 by total time; the page draws those, says how many more there are, and how many new
// routes were folded since when. Request metrics through OTLP; Chromium reads the page.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { TransactionsResponse } from '@headroom/collector/api-types';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';

const SERVICE = 'scanned';
const BUDGET = 250;
const SENT = 260;

const rig = useCollectorAndBrowser({ maxNewRoutesPerDay: BUDGET });

test('a scanned service\'s transactions page lists the top 200 routes, says how many more, and how many were folded', async () => {
  const { collector, browser } = rig;
  await sendMetrics(collector.otlpUrl, serviceResource(SERVICE, 'scanned-1'), (m) => {
    for (let i = 0; i < SENT; i++) {
      m.histogram('http.server.request.duration', 's', [0.001 * (i + 1)], { 'http.request.method': 'GET', 'http.route': `/wp-admin/${i}`, 'http.response.status_code': 404 });
    }
  });
  // 250 routes kept, 10 folded into one bucket: 251 transactions, 200 listed.
  const tx = await eventually('the routes stored', () => api<TransactionsResponse>(collector.httpUrl, `/api/services/${SERVICE}/transactions?range=15m`), (r) => r.totalRoutes === BUDGET + 1);
  assert.equal(tx.transactions.length, 200);
  assert.equal(tx.folded?.routes, SENT - BUDGET);

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${collector.httpUrl}/services/${SERVICE}/transactions`);
    await page.getByTestId('transactions-table').waitFor();
    assert.equal(await page.locator('[data-testid="transactions-table"] tbody tr').count(), 200);
    assert.equal((await page.getByTestId('more-routes').textContent())?.trim(), '51 more routes, each with less total time than the last one listed.');
    const folded = (await page.getByTestId('folded-routes-note').textContent()) ?? '';
    assert.match(folded, /^10 new routes folded into "\(other routes\)" since .+, 10 requests: /);
    // The bucket holds the ten slowest scanner paths: its total time ranks it first.
    assert.equal(await page.locator('[data-testid="transactions-table"] tbody tr').first().getAttribute('data-route'), 'GET (other routes)');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-transactions-bounded.png') });
  } finally {
    await page.close();
  }
});
