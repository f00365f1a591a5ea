// A range the dashboard cannot show is said, once: an unknown `?range=` falls back to live with
// a notice (not silently), and a custom range over the collector's 31 days is one error in
// place of the page, with shorter ranges to pick — no requests the collector must refuse, no
// Retry buttons that cannot help.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ARTIFACTS, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();

test('?range=bogus shows live with a notice naming the range, until a range is chosen', async () => {
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 600 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/?range=bogus`);
    const notice = page.locator('[data-testid="range-notice"]');
    await notice.waitFor();
    assert.match((await notice.textContent()) ?? '', /asks for range "bogus", which is not one of 15m, 1h, 6h, 24h, 7d: showing Live 15m instead/);
    assert.equal(await page.locator('.range-picker button[aria-pressed="true"]').innerText(), 'Live 15m');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-range-bogus.png') });
    await notice.getByRole('button', { name: 'Keep Live 15m' }).click();
    await page.waitForURL(/\/$/);
    assert.equal(await notice.count(), 0);
  } finally {
    await page.close();
  }
});

test('a range over 31 days is one error with ranges to pick, and asks the collector nothing', async () => {
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 600 } });
  const asked: string[] = [];
  page.on('request', (req) => {
    if (req.url().includes('/api/services/orders')) asked.push(req.url());
  });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/orders?from=0&to=1795815000000`);
    const error = page.locator('[data-testid="range-too-long"]');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /spans 20,785 days; the collector answers ranges of at most 31 days/);
    assert.equal(await page.locator('[role="alert"]').count(), 1, 'one error');
    assert.equal(await page.getByRole('button', { name: 'Retry' }).count(), 0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-range-too-long.png') });
    assert.deepEqual(asked, []);
    await error.getByRole('button', { name: 'Last 7 days' }).click();
    await page.waitForURL(/\/services\/orders\?range=7d$/);
    assert.equal(await error.count(), 0);
  } finally {
    await page.close();
  }
});
