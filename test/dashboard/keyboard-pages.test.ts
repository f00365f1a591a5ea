// The dashboard by keyboard alone, second pass (QA4 keyboard section): every page starts with a
// "Skip to content" link; a chart's legend is one tab stop whose arrows move between its entries;
// the stall markers listed under the response-time chart are links (to the stall's trace, or to
// the event-loop page); a route's detail takes the focus when opened and gives it back when
// closed; Go live, Keep Live 15m and a too-long range's choices leave the focus on what was
// chosen; the traces filters keep the focus on Apply; "Load more" hands the focus to the first
// trace it brought; a Delete on the alerts page
// leaves the focus on the message saying what was done; nothing focused hides under the sticky
// header. Spans and stalls at known times go over
// OTLP/JSON to a real collector; Chromium presses the keys, document.activeElement is asserted.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { EventsResponse, TraceResponse, TracesResponse, TransactionsResponse } from '@headroom/collector/api-types';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { postJson } from '../collector/support/webhook-receiver';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { attr, nanos, postOtlpJson, postStalls, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const SERVICE = 'kbd-svc';
const ROUTE = 'GET /items/:id';
const STALL_TRACE = 'd00d0000000000000000000000000001';
const MINUTE = 60_000;

/** Sent once, by the first test that needs it (after the rig's own before() has started it). */
let sent: Promise<void> | null = null;
const data = () => (sent ??= sendData());

async function sendData(): Promise<void> {
  const t0 = Date.now() - 4 * MINUTE;
  // Eight requests over four minutes; the first trace's request blocked the loop.
  const spans = Array.from({ length: 8 }, (_, i) => ({
    traceId: `d00d00000000000000000000000000${String(i + 1).padStart(2, '0')}`,
    spanId: `e00000000000000${i + 1}`,
    name: ROUTE,
    kind: 2,
    startTimeUnixNano: nanos(t0 + i * 30_000),
    endTimeUnixNano: nanos(t0 + i * 30_000 + 40 + i * 10),
    status: { code: 0 },
    attributes: [attr('http.request.method', 'GET'), attr('http.route', '/items/:id'), attr('http.response.status_code', 200)],
  }));
  await postOtlpJson(rig.collector.otlpUrl, 'traces', {
    resourceSpans: [{ resource: resource(SERVICE, 'kbd-1'), scopeSpans: [{ scope: { name: 't' }, spans }] }],
  });
  await postStalls(rig.collector.otlpUrl, [
    { service: SERVICE, instanceId: 'kbd-1', startMs: t0 + 5, durationMs: 180, cpuMs: 178, route: '/items/:id', method: 'GET', traceId: STALL_TRACE, spanId: 'e000000000000001' },
    // Outside any request: no trace to open, the event-loop page tells about it.
    { service: SERVICE, instanceId: 'kbd-1', startMs: t0 + 100_000, durationMs: 220, cpuMs: 215 },
  ]);
  // The route's request metrics: what the transactions table lists.
  await sendMetrics(rig.collector.otlpUrl, serviceResource(SERVICE, 'kbd-1'), (m) => {
    m.histogram('http.server.request.duration', 's', [0.04, 0.05, 0.06], { 'http.request.method': 'GET', 'http.route': '/items/:id', 'http.response.status_code': 200 });
  });
  await eventually('the route listed', () => api<TransactionsResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/transactions?range=15m`), (r) => r.transactions.length === 1);
  await eventually('the trace stored', () => api<TraceResponse>(rig.collector.httpUrl, `/api/traces/${STALL_TRACE}`), (t) => t.spans.length === 1);
  await eventually('both stalls stored', () => api<EventsResponse>(rig.collector.httpUrl, `/api/events?service=${SERVICE}&type=stall&range=15m`), (r) => r.events.length === 2);
}

/** The focused element, described: tag, class, text (for messages and comparisons). */
const focused = (page: Page) =>
  page.evaluate(() => {
    const e = document.activeElement;
    if (e === null || e === document.body) return 'body';
    return `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}.${e.className} "${(e.textContent ?? '').trim().slice(0, 60)}"`;
  });

/** Presses Tab until `ok` (run in the page, given `arg`) holds for the focused element (at most `max` times). */
async function tabTo(page: Page, what: string, ok: (el: Element, arg: string) => boolean, max = 80, arg = ''): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const active = await page.evaluateHandle(() => document.activeElement ?? document.body);
    const hit = await active.evaluate(ok, arg);
    await active.dispose();
    if (hit) return;
  }
  assert.fail(`Tab did not reach ${what}; focus on ${await focused(page)}`);
}

test('every page starts with a "Skip to content" link, shown on focus, that moves the focus to the content', async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    const pages = ['/', `/services/${SERVICE}`, `/services/${SERVICE}/transactions`, `/services/${SERVICE}/traces`, `/services/${SERVICE}/traces/${STALL_TRACE}`, `/services/${SERVICE}/event-loop`, `/services/${SERVICE}/instances`, `/services/${SERVICE}/advisor`, '/alerts'];
    let reachedContent = 0;
    for (const p of pages) {
      await page.goto(`${rig.collector.httpUrl}${p}`);
      await page.locator('main h1').first().waitFor();
      const skip = page.locator('a.skip-link');
      assert.equal(await skip.count(), 1, `${p}: a skip link`);
      const hidden = await skip.boundingBox();
      assert.ok(hidden !== null && hidden.y + hidden.height <= 0, `${p}: the skip link is off screen until focused`);
      await page.keyboard.press('Tab');
      assert.equal(await focused(page), 'a.skip-link "Skip to content"', `${p}: the first tab stop`);
      const shown = await skip.boundingBox();
      assert.ok(shown !== null && shown.y >= 0 && shown.height > 10, `${p}: the focused skip link is on screen`);
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'main', `${p}: Enter moves the focus to <main>`);
      assert.equal(new URL(page.url()).pathname, p, `${p}: the skip link does not navigate`);
      // From there Tab goes on inside the content, not back through the header.
      const tabbable = 'main a[href], main button, main select, main input, main textarea, main summary, main [tabindex="0"]';
      if ((await page.locator(tabbable).count()) === 0) continue;
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.closest('main') !== null), true, `${p}: Tab goes on inside the content (${await focused(page)})`);
      reachedContent++;
    }
    assert.ok(reachedContent >= 7, `pages whose content Tab reached from the skip link: ${reachedContent}`);
    // The header's links show their focus with a ring of their own (the browser's is faint on
    // the dark header, and the tabs' scroller clipped it).
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/event-loop`);
    await page.locator('main h1').waitFor();
    await tabTo(page, 'the Overview tab', (el) => el.classList.contains('tab'));
    const ring = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement as Element);
      return `${s.outlineStyle} ${s.outlineWidth} ${s.outlineOffset}`;
    });
    assert.equal(ring, 'solid 2px -3px');
  } finally {
    await page.close();
  }
});

test("a chart's legend is one tab stop: arrows move between its entries, Tab leaves it, Shift+Tab comes back to the entry left", async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}`);
    const chart = page.locator('figure[data-chart="response-time"]');
    const entries = chart.locator('.u-legend tr.u-series > th[role="checkbox"]');
    await entries.first().waitFor();
    const labels = await entries.evaluateAll((els) => els.map((e) => e.textContent ?? ''));
    assert.ok(labels.length >= 4, `the response-time legend has several entries: ${labels.join(', ')}`);
    assert.equal(await chart.locator('.u-legend').getAttribute('role'), 'toolbar');

    // Every chart on the page takes two tab stops, the plot and its legend, however many series it has.
    await page.keyboard.press('Tab');
    const stops: string[] = [];
    for (let i = 0; i < 120; i++) {
      const where = await page.evaluate(() => {
        const e = document.activeElement;
        const fig = e?.closest('figure[data-chart]');
        return e === null || e === document.body ? 'end' : fig ? `${fig.getAttribute('data-chart')}:${e.classList.contains('u-over') ? 'plot' : e.getAttribute('role') ?? e.tagName}` : 'other';
      });
      if (where === 'end' || (i > 0 && (await focused(page)).includes('skip-link'))) break;
      stops.push(where);
      await page.keyboard.press('Tab');
    }
    const inCharts = stops.filter((s) => s !== 'other' && !s.endsWith(':A'));
    const charts = new Set(inCharts.map((s) => s.split(':')[0]));
    for (const c of charts) {
      assert.deepEqual(inCharts.filter((s) => s.startsWith(`${c}:`)), [`${c}:plot`, `${c}:checkbox`], `${c}: the plot and one legend stop`);
    }
    assert.ok(charts.has('response-time') && charts.size >= 4, `charts reached: ${[...charts].join(', ')}`);

    // Arrows move within the legend; Home and End go to its ends.
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}`);
    await entries.first().waitFor();
    await tabTo(page, 'the response-time legend', (el) => el.getAttribute('role') === 'checkbox');
    const label = () => page.evaluate(() => document.activeElement?.textContent ?? '');
    assert.equal(await label(), labels[0]);
    await page.keyboard.press('ArrowRight');
    assert.equal(await label(), labels[1]);
    await page.keyboard.press('ArrowRight');
    assert.equal(await label(), labels[2]);
    await page.keyboard.press('End');
    assert.equal(await label(), labels.at(-1));
    await page.keyboard.press('ArrowRight');
    assert.equal(await label(), labels.at(-1), 'the last entry stays');
    await page.keyboard.press('Home');
    assert.equal(await label(), labels[0]);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    // Space toggles the entry with the focus.
    await page.keyboard.press('Space');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-checked')), 'false');
    assert.match((await entries.nth(2).evaluate((el) => el.parentElement?.className)) ?? '', /u-off/);
    await page.keyboard.press('Space');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-checked')), 'true');
    // Tab leaves the legend at once; Shift+Tab comes back to the entry it left.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('.u-legend') === null), true, `Tab left the legend (${await focused(page)})`);
    await page.keyboard.press('Shift+Tab');
    assert.equal(await label(), labels[2]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-keyboard-legend.png'), fullPage: false });
  } finally {
    await page.close();
  }
});

test('the stall markers listed under the response-time chart are links: Enter opens the stall’s trace, or the event-loop page', async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}`);
    await page.locator('.chart-markers li').first().waitFor();
    assert.equal(await page.locator('.chart-markers li.marker-stall').count(), 2);
    await tabTo(page, "the stall marker with a trace", (el) => el.closest('.chart-markers') !== null && (el.textContent ?? '').endsWith('(trace)'));
    assert.match(await focused(page), /event loop blocked 180 ms in GET \/items\/:id \(trace\)/);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/services/${SERVICE}/traces/${STALL_TRACE}`);
    await page.locator('[data-testid="waterfall"]').waitFor();

    await page.goBack();
    await page.locator('.chart-markers li').first().waitFor();
    await tabTo(page, 'the stall marker without a trace', (el) => el.closest('.chart-markers') !== null && (el.textContent ?? '').endsWith('(event loop)'));
    assert.match(await focused(page), /event loop blocked 220 ms \(event loop\)/);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/services/${SERVICE}/event-loop`);
    await page.locator('[data-testid="stall-list"]').waitFor();
  } finally {
    await page.close();
  }
});

test("a route's detail takes the focus when opened from the table and gives it back to its row when closed", async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/transactions`);
    await page.locator('[data-testid="transactions-table"]').waitFor();
    await tabTo(page, 'the route link', (el) => el.closest('[data-testid="transactions-table"]') !== null && el.tagName === 'A');
    await page.keyboard.press('Enter');
    await page.waitForURL(/route=/);
    await page.locator('[data-testid="route-detail"]').waitFor();
    // The focus moves in an effect, after the detail is drawn.
    await eventually("the detail's heading focused", () => focused(page), (f) => f.startsWith('h2.focus-target "Route GET /items/:id'));
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'button.link-button "close"');
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="route-detail"]').waitFor({ state: 'detached' });
    await eventually("the route's row focused again", () => page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-route') ?? null), (r) => r === ROUTE);
  } finally {
    await page.close();
  }
});

test('Go live, Keep Live 15m and a too-long range’s choices leave the focus on the Live button or the page, not on <body>', async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1440, height: 900 } });
  const press = async (p: string, button: string) => {
    await page.goto(`${rig.collector.httpUrl}${p}`);
    await page.locator('main h1, [data-testid="range-too-long"]').first().waitFor();
    await tabTo(page, button, (el, text) => el.tagName === 'BUTTON' && el.textContent === text, 40, button);
    await page.keyboard.press('Enter');
  };
  try {
    const to = Date.now() - MINUTE;
    await press(`/services/${SERVICE}/event-loop?from=${to - 10 * MINUTE}&to=${to}`, 'Go live');
    await page.locator('[data-testid="live-banner"]').waitFor({ state: 'detached' });
    assert.equal(await focused(page), 'button.range active "Live 15m"');
    await press(`/services/${SERVICE}?from=abc`, 'Keep Live 15m');
    await page.locator('[data-testid="range-notice"]').waitFor({ state: 'detached' });
    assert.equal(await focused(page), 'button.range active "Live 15m"');
    await press(`/services/${SERVICE}?from=1000&to=${to}`, 'Last 7 days');
    await page.waitForURL(/range=7d/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
  } finally {
    await page.close();
  }
});

test("the traces page's filters keep the focus on Apply once applied; back puts the fields back", async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/traces`);
    await page.locator('[data-testid="traces-note"]').waitFor();
    await tabTo(page, 'the Show select', (el) => el.getAttribute('name') === 'show');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.locator('select[name="show"]').inputValue(), 'all');
    await tabTo(page, 'Apply', (el) => el.textContent === 'Apply', 8);
    await page.keyboard.press('Enter');
    await page.waitForURL(/all=1/);
    await page.locator('[data-testid="traces-note"]', { hasText: 'All traces' }).waitFor();
    assert.equal(await focused(page), 'button. "Apply"');
    await page.goBack();
    await eventually('the field back to the address', () => page.locator('select[name="show"]').inputValue(), (v) => v === 'notable');
  } finally {
    await page.close();
  }
});

test('"Load more" on the traces page, pressed by keyboard, moves the focus to the first trace it brought', async () => {
  const service = 'kbd-many';
  const t0 = Date.now() - 5 * MINUTE;
  // 130 failed requests: the list's first page holds 100 of them.
  const spans = Array.from({ length: 130 }, (_, i) => ({
    traceId: `f00d0000000000000000000000000${String(i).padStart(3, '0')}`,
    spanId: `f000000000000${String(i).padStart(3, '0')}`,
    name: 'GET /fail',
    kind: 2,
    startTimeUnixNano: nanos(t0 + i * 1000),
    endTimeUnixNano: nanos(t0 + i * 1000 + 20),
    status: { code: 2, message: 'failed' },
    attributes: [attr('http.request.method', 'GET'), attr('http.route', '/fail'), attr('http.response.status_code', 500)],
  }));
  await postOtlpJson(rig.collector.otlpUrl, 'traces', {
    resourceSpans: [{ resource: resource(service, 'many-1'), scopeSpans: [{ scope: { name: 't' }, spans }] }],
  });
  await eventually('the failed traces stored', () => api<TracesResponse>(rig.collector.httpUrl, `/api/traces?service=${service}&range=15m&error=true&limit=200`), (r) => r.traces.length === 130);
  const page = await rig.browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}/traces`);
    const rows = page.locator('[data-testid="traces-table"] tbody tr');
    await rows.nth(99).waitFor();
    assert.equal(await rows.count(), 100);
    await tabTo(page, 'the Load more button', (el) => el.getAttribute('data-testid') === 'load-more', 200);
    await page.keyboard.press('Enter');
    await eventually('the next page shown', () => rows.count(), (n) => n === 130);
    // Newest first: the 101st trace is the 30th sent.
    await eventually('the focus on the first new trace', () => page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-trace-id') ?? null), (id) => id === 'f00d0000000000000000000000000029');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'A');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-trace-id')), 'f00d0000000000000000000000000028', 'Tab goes on to the next trace');
  } finally {
    await page.close();
  }
});

test("a Delete on the alerts page leaves the focus on the message that says what was done, not on <body>", async () => {
  const created = await postJson(`${rig.collector.httpUrl}/api/alerts/rules`, { id: 'kbd-rss', name: 'kbd rss', series: 'memory.rss', service: SERVICE, windowMs: '1m', comparison: '>', threshold: 1024 ** 3, destinations: [] });
  assert.equal(created.status, 201);
  const page = await rig.browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/alerts`);
    const row = page.locator('tr', { hasText: 'kbd rss' });
    await row.waitFor();
    await tabTo(page, "the rule's Delete button", (el) => el.tagName === 'BUTTON' && el.textContent === 'Delete' && el.closest('tr')?.textContent?.includes('kbd rss') === true);
    await page.keyboard.press('Enter');
    await row.waitFor({ state: 'detached' });
    await eventually('the focus on the message', () => focused(page), (f) => f.startsWith('p.alert-message'));
    assert.equal(await page.getByTestId('alert-message').textContent(), 'Deleted kbd rss');
    // Tab goes on from there, inside the page.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.closest('main') !== null), true, `after the message: ${await focused(page)}`);
  } finally {
    await page.close();
  }
});

test('nothing the keyboard focuses is hidden under the sticky header, Tab or Shift+Tab', async () => {
  // A short window, so the service page scrolls as the focus moves.
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1440, height: 420 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}`);
    await page.locator('figure[data-chart="response-time"] .u-over').waitFor();
    const place = () => page.evaluate(() => {
      const e = document.activeElement;
      const header = document.querySelector('.topbar');
      if (e === null || e === document.body || header === null || header.contains(e) || e.classList.contains('skip-link')) return null;
      return { top: Math.round(e.getBoundingClientRect().top), under: Math.round(header.getBoundingClientRect().bottom), what: `${e.tagName} ${(e.textContent ?? '').slice(0, 40)}` };
    });
    const hidden: string[] = [];
    let stops = 0;
    for (const key of ['Tab', 'Shift+Tab']) {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press(key);
        const p = await place();
        if (p === null) continue;
        stops++;
        if (p.top < p.under) hidden.push(`${key}: ${p.what} at ${p.top}, header to ${p.under}`);
      }
    }
    assert.ok(stops > 20, `stops in the content: ${stops}`);
    assert.deepEqual(hidden, []);
  } finally {
    await page.close();
  }
});
