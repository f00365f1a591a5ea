// Mistakes are said, not papered over: an unknown dashboard path shows a "not found" view (not
// the overview), and a page for a service never seen shows the API's 404 in words.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { ARTIFACTS, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();

test('an unknown path shows "not found" with the path and the way back, not the overview', async () => {
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 600 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/nonexistent/page?range=1h`);
    const view = page.locator('[data-testid="not-found"]');
    await view.waitFor();
    assert.match((await view.textContent()) ?? '', /No page of this dashboard lives at \/nonexistent\/page\./);
    assert.equal(await page.locator('[data-testid="services-table"], .overview-page').count(), 0, 'no overview');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-not-found.png') });
    // The way back keeps the range.
    await view.getByRole('link', { name: '← Services' }).click();
    await page.waitForURL(/\/\?range=1h$/);
  } finally {
    await page.close();
  }
});

test('the pages of a service never seen say the collector has seen no data from it', async () => {
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 600 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/nope/instances`);
    const error = page.locator('.state-error').first();
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /Not found.*HR_API_NOT_FOUND: not found: no data from service "nope" has been seen/);
    // The service page says the name was never seen, not merely that the range is empty.
    await page.goto(`${rig.collector.httpUrl}/services/nope`);
    await page.getByText('The collector has never seen data from nope: check the name, or start its agent.').waitFor();
  } finally {
    await page.close();
  }
});

test('a trace address that is no trace id says the collector refused it, with no Retry that could not help', async () => {
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 600 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/shop/traces/zzzz`);
    const error = page.locator('.state-error');
    await error.waitFor();
    assert.equal(await error.locator('strong').textContent(), 'The collector refused this request');
    assert.match((await error.locator('p').textContent()) ?? '', /^HR_API_BAD_PARAM: .*traceId must be 32 hexadecimal digits/);
    // The same request is refused again: a Retry would only say so again.
    assert.equal(await error.getByRole('button', { name: 'Retry' }).count(), 0);
  } finally {
    await page.close();
  }
});
