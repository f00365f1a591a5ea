// Charts used from the keyboard (QA4 defect 9): legend entries are reached with Tab and toggle
// their series with Space; a focused chart steps its cursor from point to point with the arrows
// (the legend and a polite live region read that point), Escape drops it, and Shift+arrows then
// Enter zoom the page's range as a drag does. RSS points at known minutes over OTLP/JSON to a
// real collector; Chromium reads the Instances page.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { InstanceSeriesResponse, ServicesResponse } from '@headroom/collector/api-types';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { nanos, postOtlpJson, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const MINUTE = 60_000;
const MiB = 1024 * 1024;

test('legend entries and the plot work from the keyboard: toggle, read point by point, zoom', async () => {
  const service = 'keyboard-svc';
  const m0 = Math.floor(Date.now() / MINUTE) * MINUTE;
  // 100, 110, 120, 130, 140 MiB at the five minutes before the current one.
  const points = [5, 4, 3, 2, 1].map((k, i) => ({ t: m0 - k * MINUTE + 5_000, bytes: (100 + 10 * i) * MiB }));
  await postOtlpJson(rig.collector.otlpUrl, 'metrics', {
    resourceMetrics: [{ resource: resource(service, 'kb-1'), scopeMetrics: [{ scope: { name: 't' }, metrics: [
      { name: 'process.memory.usage', unit: 'By', gauge: { dataPoints: points.map((p) => ({ timeUnixNano: nanos(p.t), asInt: String(p.bytes) })) } },
    ] }] }],
  });
  await eventually('five minutes of RSS', () => api<InstanceSeriesResponse>(rig.collector.httpUrl, `/api/services/${service}/instances/series?range=15m`), (r) => r.instances.length === 1);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}/instances`, { waitUntil: 'domcontentloaded' });
    const chart = page.locator('figure[data-chart="memory"]');
    const rss = chart.locator('.u-legend .u-series', { hasText: 'RSS' });
    const rssEntry = rss.locator(':scope > th');
    await rssEntry.waitFor();

    // Tab reaches the RSS legend entry: a checkbox, checked while the series is shown.
    let reached = false;
    for (let i = 0; i < 120 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await rssEntry.evaluate((el) => el === document.activeElement);
    }
    assert.ok(reached, 'Tab reaches the RSS legend entry');
    assert.equal(await rssEntry.getAttribute('role'), 'checkbox');
    assert.equal(await rssEntry.getAttribute('aria-checked'), 'true');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-chart-keyboard-legend.png'), fullPage: false });
    await page.keyboard.press('Space');
    assert.match((await rss.getAttribute('class')) ?? '', /u-off/);
    assert.equal(await rssEntry.getAttribute('aria-checked'), 'false');
    await page.keyboard.press('Enter');
    assert.doesNotMatch((await rss.getAttribute('class')) ?? '', /u-off/);
    assert.equal(await rssEntry.getAttribute('aria-checked'), 'true');

    // The plot: focusable, named by the chart's title.
    const plot = chart.locator('.u-over');
    assert.equal(await plot.getAttribute('tabindex'), '0');
    assert.equal(await plot.getAttribute('aria-label'), (await chart.locator('figcaption').evaluate((el) => el.firstChild?.textContent ?? '')).trim());
    const live = chart.getByTestId('chart-live');
    assert.equal(await live.getAttribute('aria-live'), 'polite');
    const timeRow = chart.locator('.u-legend .u-series').first().locator('.u-value');
    const rssValue = rss.locator('.u-value');
    assert.match((await timeRow.textContent()) ?? '', /\(latest\)$/);

    // Home, then ArrowRight point by point: the legend and the live region read each point.
    await plot.focus();
    // The keys are named to sighted keyboard users too while the plot has the focus.
    const help = chart.locator('.chart-keys-help');
    assert.match((await help.textContent()) ?? '', /Left and Right arrows/);
    assert.ok(((await help.boundingBox())?.width ?? 0) > 100, 'the keys show while the plot has the focus');
    await page.keyboard.press('Home');
    const seen: string[] = [];
    for (let i = 0; i < 30; i++) {
      const value = (await rssValue.textContent()) ?? '';
      const time = (await timeRow.textContent()) ?? '';
      assert.doesNotMatch(time, /latest/);
      assert.equal(await live.textContent(), `${time}: ${await chart.locator('.u-legend .u-series').evaluateAll((rows) => rows.slice(1).filter((r) => !r.classList.contains('u-off')).map((r) => `${r.querySelector('.u-label')?.textContent ?? ''} ${r.querySelector('.u-value')?.textContent ?? ''}`).join(', '))}`);
      if (value !== '–' && seen.at(-1) !== value) seen.push(value);
      if (value === '140 MiB') break;
      await page.keyboard.press('ArrowRight');
    }
    assert.deepEqual(seen, ['100 MiB', '110 MiB', '120 MiB', '130 MiB', '140 MiB']);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-chart-keyboard-cursor.png'), fullPage: false });

    // Escape drops the cursor: the legend is back at the latest minute, the live region quiet.
    await page.keyboard.press('Escape');
    assert.match((await timeRow.textContent()) ?? '', /\(latest\)$/);
    assert.equal(await live.textContent(), '');

    // End, back to 140 MiB, then Shift+ArrowLeft twice selects 120..140 MiB; Enter zooms to it.
    await page.keyboard.press('End');
    for (let i = 0; i < 5 && (await rssValue.textContent()) !== '140 MiB'; i++) await page.keyboard.press('ArrowLeft');
    assert.equal(await rssValue.textContent(), '140 MiB');
    await page.keyboard.press('Shift+ArrowLeft');
    await page.keyboard.press('Shift+ArrowLeft');
    assert.equal(await rssValue.textContent(), '120 MiB');
    assert.match((await live.textContent()) ?? '', /RSS 120 MiB, .*; selected from \S+ to \S+, Enter zooms$/);
    assert.ok(Number(await chart.locator('.u-select').evaluate((el) => (el as HTMLElement).offsetWidth)) > 0, 'the selection is drawn');
    await page.keyboard.press('Enter');
    await page.waitForURL(/from=\d+.*to=\d+/);
    const url = new URL(page.url());
    assert.equal(Number(url.searchParams.get('from')), m0 - 3 * MINUTE);
    assert.equal(Number(url.searchParams.get('to')), m0 - MINUTE);
    // The new range reloads the page and rebuilds the chart: the rebuilt plot has the focus (it fell to <body>; QA4).
    await eventually('the zoomed chart drawn', () => chart.getAttribute('data-points'), (n) => n !== null && Number(n) > 0 && Number(n) <= 3);
    await eventually('the focus back on the plot', () => page.evaluate(() => document.activeElement?.closest('figure')?.getAttribute('data-chart') + ' ' + document.activeElement?.className), (f) => f === 'memory u-over');
    // The keys go on working on the new plot: End reads its last point (the range ends where 140 MiB's minute begins).
    await page.keyboard.press('End');
    assert.equal(await rssValue.textContent(), '130 MiB');
  } finally {
    await page.close();
  }
});

/** From the keyboard: the plot's first point, two points more selected, Enter zooms to them. */
async function zoomToFirstPoints(page: Page, chart: string): Promise<void> {
  const plot = page.locator(`figure[data-chart="${chart}"] .u-over`);
  await plot.waitFor();
  await plot.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('Enter');
  await page.waitForURL(/from=\d+.*to=\d+/);
}

const focusedText = (page: Page) => page.evaluate(() => `${document.activeElement?.tagName ?? ''} ${document.activeElement?.textContent ?? ''}`);

test("a keyboard zoom into minutes without data gives the focus to the chart's \"No data in this range\", not to <body>", async () => {
  const service = 'empty-zoom-svc';
  const m0 = Math.floor(Date.now() / MINUTE) * MINUTE;
  // Utilisation in the last two minutes only: the range's first minutes are empty.
  await postOtlpJson(rig.collector.otlpUrl, 'metrics', {
    resourceMetrics: [{ resource: resource(service, 'ez-1'), scopeMetrics: [{ scope: { name: 't' }, metrics: [
      { name: 'nodejs.eventloop.utilization', unit: '1', gauge: { dataPoints: [2, 1].map((k) => ({ timeUnixNano: nanos(m0 - k * MINUTE + 5_000), asDouble: 0.4 })) } },
    ] }] }],
  });
  await eventually('the utilisation stored', () => api<InstanceSeriesResponse>(rig.collector.httpUrl, `/api/services/${service}/instances/series?range=15m`), (r) => r.instances.length === 1);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}/event-loop`);
    await zoomToFirstPoints(page, 'event-loop-utilization');
    await page.locator('figure[data-chart="event-loop-utilization"] .chart-empty').waitFor();
    await eventually('the focus on the empty chart', () => focusedText(page), (f) => f === 'DIV No data in this range');
  } finally {
    await page.close();
  }
});

test('a keyboard zoom on the service page into minutes without data says so, without the start-the-agent help, and keeps the focus', async () => {
  const service = 'quiet-minutes-svc';
  await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'qm-1'), (m) => {
    m.histogram('http.server.request.duration', 's', [0.02, 0.03], { 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 });
  });
  await eventually('the service listed', () => api<ServicesResponse>(rig.collector.httpUrl, '/api/services?range=15m'), (r) => r.services.some((s) => s.service === service));

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}`);
    await zoomToFirstPoints(page, 'response-time');
    const note = page.getByTestId('no-data-in-range');
    await note.waitFor();
    assert.match((await note.textContent()) ?? '', new RegExp(`^No data from ${service} between \\S+ and \\S+: pick a longer range\\.$`));
    assert.equal(await page.getByTestId('start-agent').count(), 0);
    await eventually('the focus on the note', () => focusedText(page), (f) => f.startsWith('DIV No data from'));
  } finally {
    await page.close();
  }
});
