// Charts used from the keyboard (QA4 defect 9): legend entries are reached with Tab and toggle
// their series with Space; a focused chart steps its cursor from point to point with the arrows
// (the legend and a polite live region read that point), Escape drops it, and Shift+arrows then
// Enter zoom the page's range as a drag does. RSS points at known minutes over OTLP/JSON to a
// real collector; Chromium reads the Instances page.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { InstanceSeriesResponse } from '@headroom/collector/api-types';
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
