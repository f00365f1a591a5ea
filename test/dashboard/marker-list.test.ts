// The list of markers under the service page's first chart reaches every marker of the range,
// not only the newest 6: the earlier ones are counted by kind and open on request, in a box that
// scrolls, narrowed to one kind with a button — by keyboard too. (It said "and 36 earlier" and
// nothing reached them: the oldest deploy of a busy range was gone from the page; QA s13.)
// Data at known past times through the real OTLP exporters; Chromium reads the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { EventsResponse } from '@headroom/collector/api-types';
import { sendGauges, sendStart } from '../collector/support/advisor-harness';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { postStalls } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const SERVICE = 'many-markers';
const MINUTE = 60_000;
const STARTS = 12;
const STALLS = 30;
// A fixed past range: ten whole minutes twenty minutes ago.
const T0 = Math.floor((Date.now() - 20 * MINUTE) / MINUTE) * MINUTE;
const RANGE = `from=${T0}&to=${T0 + 10 * MINUTE}`;

let sent: Promise<void> | undefined;
const data = (): Promise<void> => (sent ??= sendData());

async function sendData(): Promise<void> {
  for (let i = 1; i <= STARTS; i++) {
    const resource = { 'service.name': SERVICE, 'service.instance.id': `w-${i}`, 'process.pid': 1000 + i };
    await sendStart(rig.collector.otlpUrl, resource, { 'server.keepAliveTimeout': 5000 }, T0 + MINUTE + i * 5_000);
    await sendGauges(rig.collector.otlpUrl, resource, [{ name: 'process.memory.usage', unit: 'By', points: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => ({ t: T0 + n * MINUTE + 30_000, v: 100 * 2 ** 20 })) }]);
  }
  // Then the loop blocks, every 10 seconds, after the starts.
  await postStalls(rig.collector.otlpUrl, Array.from({ length: STALLS }, (_, i) => ({ service: SERVICE, instanceId: 'w-1', startMs: T0 + 3 * MINUTE + i * 10_000, durationMs: 150, cpuMs: 140, route: '/report', method: 'GET' })));
  await eventually('the events stored', () => api<EventsResponse>(rig.collector.httpUrl, `/api/events?service=${SERVICE}&${RANGE}&limit=500`), (r) => r.events.length === STARTS + STALLS);
}

async function openServicePage(width: number): Promise<Page> {
  const page = await rig.browser.newPage({ viewport: { width, height: 900 } });
  await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}?${RANGE}`);
  await page.getByTestId('marker-list').waitFor();
  return page;
}

/** The marker list's lines as shown, in order. */
const lines = (page: Page): Promise<string[]> => page.locator('[data-chart="response-time"] .chart-markers li').allTextContents();

test('the newest 6 markers are listed, the earlier ones counted by kind, and all of them open by keyboard', async () => {
  await data();
  const page = await openServicePage(1280);
  try {
    assert.equal((await lines(page)).length, 6);
    const more = page.locator('.marker-more');
    assert.equal(await more.textContent(), '36 earlier: 24 stalls, 12 starts. Show all 42 markers');
    // Keyboard only: Tab to the toggle, Enter opens every marker of the range.
    const toggle = page.getByTestId('marker-toggle');
    for (let i = 0; i < 200 && !(await toggle.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    assert.equal(await toggle.evaluate((el) => el === document.activeElement), true, 'the toggle is a tab stop');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await page.keyboard.press('Enter');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    assert.equal(await more.textContent(), 'All 42 markers on the chart. Show the newest 6 only');
    const all = await lines(page);
    assert.equal(all.length, STARTS + STALLS);
    assert.match(all[0] ?? '', /process started \(pid 1001\)/, 'the oldest first');
    // The long list scrolls in its box instead of pushing the other charts down the page.
    const box = page.locator('.chart-markers-all');
    assert.equal(await box.evaluate((el) => el.scrollHeight > el.clientHeight + 10), true);

    // One kind: Tab to its button, Enter, and the list holds only the starts.
    await page.keyboard.press('Tab'); // "All 42"
    await page.keyboard.press('Tab'); // "24 stalls"... most first
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    assert.equal(focused, '12 starts');
    await page.keyboard.press('Enter');
    const starts = await lines(page);
    assert.equal(starts.length, STARTS);
    assert.deepEqual(await page.locator('.chart-markers-all li').evaluateAll((lis) => [...new Set(lis.map((li) => li.className))]), ['marker marker-start']);
    // Next: the box (a tab stop, so keys scroll it), then its first marker, a link to the instances.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Markers, 12 starts (scrolls)');
    await page.keyboard.press('Tab');
    assert.match((await page.evaluate(() => document.activeElement?.textContent)) ?? '', /process started \(pid 1001\) \(instances\)$/);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === `/services/${SERVICE}/instances`);
  } finally {
    await page.close();
  }
});

test('closed again, the list is back to the newest 6; at 390 px the controls fit the page', async () => {
  await data();
  const page = await openServicePage(390);
  try {
    const toggle = page.getByTestId('marker-toggle');
    await toggle.click();
    assert.equal((await lines(page)).length, STARTS + STALLS);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'nothing wider than the page');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    assert.equal((await lines(page)).length, 6);
    assert.equal(await toggle.evaluate((el) => el === document.activeElement), true, 'the focus stays on the toggle');
  } finally {
    await page.close();
  }
});
