// Keyboard and screen-reader pass over every page at 1280 px (session 12): text meets WCAG AA
// contrast on every page (a faded element's text too: a stopped process's card); a link in grey text is underlined; every table header has a name; the
// trace waterfall is a treegrid (rows that open say so, with their level); the offline banner's
// live region says the state once, not a countdown every second; each chart has a summary in
// words that the plot reads as its description. Data over OTLP to a real collector; Chromium.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { AdvisorResponse, EventsResponse, InstancesResponse, TraceResponse, TransactionsResponse } from '@headroom/collector/api-types';
import { chartSummary } from '../../dashboard/src/charts/chart-summary';
import type { ChartSpec } from '../../dashboard/src/charts/chart-spec';
import { toUplotOptions } from '../../dashboard/src/charts/uplot-options';
import { sendLogs, sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { postJson } from '../collector/support/webhook-receiver';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { attr, nanos, postOtlpJson, postStalls, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const SERVICE = 'a11y-svc';
const ROUTE = 'GET /items/:id';
const TRACE = 'a1100000000000000000000000000001';
const MINUTE = 60_000;

let sent: Promise<void> | undefined;
const data = (): Promise<void> => (sent ??= sendData());

async function sendData(): Promise<void> {
  const t0 = Date.now() - 4 * MINUTE;
  await postOtlpJson(rig.collector.otlpUrl, 'traces', {
    resourceSpans: [{ resource: resource(SERVICE, 'a11y-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
      { traceId: TRACE, spanId: 'a000000000000001', name: ROUTE, kind: 2, startTimeUnixNano: nanos(t0), endTimeUnixNano: nanos(t0 + 700), status: { code: 0 },
        attributes: [attr('http.request.method', 'GET'), attr('http.route', '/items/:id'), attr('http.response.status_code', 200)] },
      { traceId: TRACE, spanId: 'a000000000000002', parentSpanId: 'a000000000000001', name: 'SELECT items', kind: 3, startTimeUnixNano: nanos(t0 + 5), endTimeUnixNano: nanos(t0 + 60), status: { code: 0 } },
    ] }] }],
  });
  // A route that blocks the loop for long: an advisor finding, whose window line holds a link.
  await postStalls(rig.collector.otlpUrl, [
    { service: SERVICE, instanceId: 'a11y-1', startMs: t0 + 10, durationMs: 650, cpuMs: 640, route: '/items/:id', method: 'GET', traceId: TRACE, spanId: 'a000000000000001' },
  ]);
  // One request in ten failed: the error-rate card is in its "bad" tone.
  // A version: the Deployments page has a deploy to compare.
  await sendMetrics(rig.collector.otlpUrl, serviceResource(SERVICE, 'a11y-1', { 'service.version': '1.4.2' }), (m) => {
    m.histogram('http.server.request.duration', 's', Array.from({ length: 18 }, () => 0.05), { 'http.request.method': 'GET', 'http.route': '/items/:id', 'http.response.status_code': 200 });
    m.histogram('http.server.request.duration', 's', [0.08, 0.09], { 'http.request.method': 'GET', 'http.route': '/items/:id', 'http.response.status_code': 500 });
  });
  // A process of the previous version that stopped: the Instances page lists it, marked as gone.
  await sendMetrics(rig.collector.otlpUrl, serviceResource(SERVICE, 'a11y-old', { 'service.version': '1.4.1' }), (m) => {
    m.histogram('http.server.request.duration', 's', [0.05], { 'http.request.method': 'GET', 'http.route': '/items/:id', 'http.response.status_code': 200 });
  });
  await sendLogs(rig.collector.otlpUrl, serviceResource(SERVICE, 'a11y-old'), [
    { timeMs: Date.now() - 1000, body: 'process signal', attributes: { 'event.name': 'headroom.process.stop', 'headroom.stop.reason': 'signal', 'headroom.stop.signal': 'SIGTERM' } },
  ]);
  await postJson(`${rig.collector.httpUrl}/api/alerts/rules`, { id: 'a11y-errors', name: 'A11y errors', series: 'error_rate', service: SERVICE, windowMs: '5m', comparison: '>', threshold: 0.5 });
  await eventually('the route listed', () => api<TransactionsResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/transactions?range=15m`), (r) => r.transactions.length === 1 && r.transactions[0]!.errors > 0);
  await eventually('the trace stored', () => api<TraceResponse>(rig.collector.httpUrl, `/api/traces/${TRACE}`), (t) => t.spans.length === 2);
  await eventually('the stall stored', () => api<EventsResponse>(rig.collector.httpUrl, `/api/events?service=${SERVICE}&type=stall&range=15m`), (r) => r.events.length === 1);
  await eventually('the stopped process', () => api<InstancesResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/instances?range=15m`), (r) => r.instances.some((i) => i.stopped !== null));
  await eventually('a finding', () => api<AdvisorResponse>(rig.collector.httpUrl, `/api/advisor?service=${SERVICE}&range=15m`), (r) => r.findings.length > 0);
}

const PAGES = ['/', `/services/${SERVICE}`, `/services/${SERVICE}/transactions`, `/services/${SERVICE}/transactions?route=${encodeURIComponent(ROUTE)}`, `/services/${SERVICE}/traces`,
  `/services/${SERVICE}/traces/${TRACE}`, `/services/${SERVICE}/errors`, `/services/${SERVICE}/event-loop`, `/services/${SERVICE}/instances`, `/services/${SERVICE}/deployments`, `/services/${SERVICE}/advisor`, '/alerts'];

async function open(path: string): Promise<Page> {
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(rig.collector.httpUrl + path);
  await page.waitForFunction(() => document.documentElement.dataset.live === 'live');
  await page.waitForLoadState('networkidle');
  await page.waitForFunction(() => document.querySelector('.state-loading') === null);
  return page;
}

/**
 * Text whose colour is under WCAG AA against what it sits on (4.5:1, 3:1 for large text): each
 * shown text node's colour over the first opaque background up its ancestors (a gradient or
 * image in the way leaves it out: not measurable this way). Plain JavaScript run in the page as
 * written: a function passed to evaluate() would carry the test runner's compiled helpers.
 */
const LOW_CONTRAST_SOURCE = String.raw`(() => {
    const parse = (c) => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (m === null) return null;
      const p = (m[1] || '').split(/[\s,/]+/).filter((x) => x !== '').map(Number);
      return [p[0] || 0, p[1] || 0, p[2] || 0, p[3] === undefined ? 1 : p[3]];
    };
    const lum = ([r, g, b]) => {
      const f = (v) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el) => {
      for (let e = el; e !== null; e = e.parentElement) {
        const cs = getComputedStyle(e);
        if (cs.backgroundImage !== 'none') return null;
        const c = parse(cs.backgroundColor);
        if (c !== null && c[3] >= 0.99) return c;
      }
      return [255, 255, 255, 1];
    };
    // A faded element (opacity) fades its text with it, over what is behind it.
    const opacity = (el) => {
      let o = 1;
      for (let e = el; e !== null; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
      return o;
    };
    const low = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
      const text = (n.textContent || '').trim();
      const el = n.parentElement;
      if (text === '' || el === null || el.closest('.sr-only, .skip-link, .chart-keys-help') !== null) continue;
      if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      const cs = getComputedStyle(el);
      const fg = parse(cs.color);
      const bg = background(el);
      if (fg === null || bg === null) continue;
      const alpha = fg[3] * opacity(el);
      const blended = [0, 1, 2].map((i) => fg[i] * alpha + bg[i] * (1 - alpha));
      const [a, b] = [lum(blended), lum(bg)];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      const size = parseFloat(cs.fontSize);
      const large = size >= 24 || (Number(cs.fontWeight) >= 700 && size >= 18.66);
      if (ratio < (large ? 3 : 4.5)) low.push(el.tagName.toLowerCase() + '.' + el.className + ' "' + text.slice(0, 40) + '" ' + cs.color + ' on rgb(' + bg.slice(0, 3).join(', ') + '): ' + ratio.toFixed(2));
    }
    return [...new Set(low)];
})()`;

function lowContrastText(page: Page): Promise<string[]> {
  return page.evaluate(LOW_CONTRAST_SOURCE) as Promise<string[]>;
}

test('text meets WCAG AA contrast on every page', async () => {
  await data();
  const found: string[] = [];
  for (const path of PAGES) {
    const page = await open(path);
    try {
      if (path === `/services/${SERVICE}`) await page.locator('.stat-bad').first().waitFor();
      if (path === `/services/${SERVICE}/instances`) await page.locator('[data-gone="1"]').waitFor();
      for (const line of await lowContrastText(page)) found.push(`${path}: ${line}`);
    } finally {
      await page.close();
    }
  }
  assert.deepEqual(found, []);
});

test("the advisor's chart link inside grey text is underlined, not told apart by colour alone", async () => {
  await data();
  const page = await open(`/services/${SERVICE}/advisor`);
  try {
    const link = page.getByTestId('finding-chart-link').first();
    await link.waitFor();
    assert.match(await link.evaluate((a) => getComputedStyle(a).textDecorationLine), /underline/);
  } finally {
    await page.close();
  }
});

test('every header cell of the Alerts tables has a name', async () => {
  await data();
  const page = await open('/alerts');
  try {
    await page.locator('[data-testid="alert-rules"] tbody tr').first().waitFor();
    const unnamed = await page.locator('th').evaluateAll((ths) => ths.filter((th) => (th.textContent ?? '').trim() === '' && !th.getAttribute('aria-label')).map((th) => th.closest('table')?.dataset.testid ?? '?'));
    assert.deepEqual(unnamed, []);
  } finally {
    await page.close();
  }
});

test('the waterfall is a treegrid: its rows carry their level, and aria-expanded where rows support it', async () => {
  await data();
  const page = await open(`/services/${SERVICE}/traces/${TRACE}`);
  try {
    const root = page.locator('[data-span-id="a000000000000001"]');
    await root.waitFor();
    assert.equal(await page.getByTestId('waterfall').getAttribute('role'), 'treegrid');
    assert.deepEqual(await page.locator('[data-span-id][role="row"]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('aria-level'), r.getAttribute('aria-expanded')])), [['1', 'false'], ['2', 'false']]);
    assert.equal(await page.locator('[data-testid="waterfall"] [role="cell"]').count(), 0, 'a treegrid holds gridcells');
    await root.focus();
    await page.keyboard.press('Enter');
    assert.equal(await root.getAttribute('aria-expanded'), 'true');
  } finally {
    await page.close();
  }
});

test("the offline banner's live region says the state once; the countdown rewritten every second is outside it", async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    // Every connection to /ws is refused at once: the page keeps reconnecting.
    await page.routeWebSocket(/\/ws/, (ws) => ws.close());
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}`);
    const countdown = page.getByTestId('live-banner-countdown');
    await countdown.waitFor();
    assert.match((await countdown.textContent()) ?? '', /^ Next try in \d+ s \(attempt \d+\)\.$/);
    assert.equal(await countdown.evaluate((el) => el.closest('[role="alert"], [role="status"], [aria-live]') === null), true, 'the countdown is inside a live region');
    assert.equal(await page.getByTestId('live-banner').getByRole('status').textContent(), 'Not live: connection to the collector lost, retrying.');
    assert.equal(await page.getByTestId('live-banner').locator('[role="alert"]').count(), 0);
  } finally {
    await page.close();
  }
});

test('each chart on the service page is summed up in words, and its plot reads that as its description', async () => {
  await data();
  const page = await open(`/services/${SERVICE}`);
  try {
    const plots = page.locator('.u-over[role="application"]');
    await plots.first().waitFor();
    const read = await plots.evaluateAll((els) => els.map((el) => ({
      name: el.getAttribute('aria-label') ?? '',
      description: (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '),
    })));
    assert.ok(read.length >= 4, `the service page's charts: ${read.length}`);
    for (const { name, description } of read) {
      assert.ok(description.startsWith(`${name}, from `), `${name}: ${description}`);
      assert.match(description, /: latest .+, highest /, name);
    }
  } finally {
    await page.close();
  }
});

const spec = (over: Partial<ChartSpec>): ChartSpec => ({ key: 'k', title: 'Response time', unit: 'ms', x: [], series: [], ...over });

test('a chart summary names its span of time and each series latest and highest value, and what it has no data for', () => {
  const t = new Date('2026-11-28T10:00:00').getTime();
  const now = t + 30 * MINUTE;
  assert.equal(chartSummary(spec({ x: [t, t + MINUTE, t + 2 * MINUTE], series: [
    { label: 'p95', values: [120, 310, 45], color: '#000', style: 'line' },
    { label: 'app (mean)', values: [500, 600, 700], legendValues: [12, 40, 9], color: '#000', style: 'area' },
    { label: 'queue wait', values: [null, null, null], color: '#000', style: 'line' },
  ] }), now), 'Response time, from 10:00:00 to 10:02:00. p95: latest 45 ms, highest 310 ms; app (mean): latest 9 ms, highest 40 ms; queue wait: no data.');
  assert.equal(chartSummary(spec({}), now), 'Response time: no data in this range.');
  const many = Array.from({ length: 10 }, (_, i) => ({ label: `pid ${i}`, values: [i], color: '#000', style: 'line' as const }));
  assert.match(chartSummary(spec({ x: [t], series: many }), now), /^Response time, at 10:00:00\. pid 0: latest 0 ms, highest 0 ms;.*pid 7: .*; and 2 more series\.$/);
});

test("an axis of its own is edged in its series' colour, its text in the axes' grey (amber text on white is under AA)", () => {
  const s = spec({ x: [1, 2], series: [
    { label: 'mean', values: [1, 2], color: '#3b82f6', style: 'line' },
    { label: 'queue wait (with header)', values: [100, 200], color: '#f59e0b', style: 'line', ownAxis: true },
  ] });
  const opts = toUplotOptions(s, { width: 400, height: 200 }, { xRange: () => null, spec: () => s, onSelect: null });
  const own = opts.axes?.[2];
  assert.equal(own?.side, 1);
  assert.equal(own?.stroke, opts.axes?.[1]?.stroke);
  assert.equal(own?.ticks?.stroke, '#f59e0b');
});
