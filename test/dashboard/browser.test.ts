// The dashboard in headless Chromium against a real collector fed by a real app under the
// Headroom agent. Asserts on the values the pages show (checked against the query API), the
// live stream, text-only rendering of app values, deep links, and reconnects. Screenshots of
// every page go to test-artifacts/.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { EventsResponse, InstancesResponse, ServicesResponse, StallsResponse, TracesResponse, TransactionsResponse } from '@headroom/collector/api-types';
import { figureText } from '../../dashboard/src/format/figure-text';
import { formatBytes, formatMs, formatPercent, formatPercentile, formatRpm } from '../../dashboard/src/format/units';
import {
  api, ARTIFACTS, ensureDashboardBuilt, eventually, launchBrowser, makeTempDir, startAgentApp, startTestCollector,
  type AgentApp, type TestCollector,
} from './support/browser-harness';

const SERVICE = 'shop';
// A transaction name: method and route (docs/architecture.md#transactions).
const XSS_ROUTE = 'GET /<img src=x onerror=alert(1)>';
const XSS_PATH = `/${encodeURIComponent('<img src=x onerror=alert(1)>').replace(/%3D/g, '=')}`;
const TRAFFIC = { xss: 1, slow: 2, boom: 3, fast: 30 };
const TOTAL = TRAFFIC.xss + TRAFFIC.slow + TRAFFIC.boom + TRAFFIC.fast;

let dir: ReturnType<typeof makeTempDir>;
let collector: TestCollector;
let browser: Browser;
let context: BrowserContext;
let app: AgentApp | null = null;
const dialogs: string[] = [];
const pageErrors: string[] = [];

async function open(urlPath: string): Promise<Page> {
  const page = await context.newPage();
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(collector.httpUrl + urlPath, { waitUntil: 'domcontentloaded' });
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
}

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent({ timeout: 10_000 })) ?? '').trim();
}

const q = (p: string) => `${p}${p.includes('?') ? '&' : '?'}range=15m`;

before(async () => {
  ensureDashboardBuilt();
  dir = makeTempDir();
  collector = await startTestCollector(path.join(dir.path, 'headroom.db'));
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
});

after(async () => {
  await context?.close();
  await browser?.close();
  await app?.stop();
  await collector?.close();
  dir?.remove();
});

test('before any data the overview says how to start the agent', async () => {
  const page = await open('/');
  await page.getByText('No data yet: here is how to start the agent').waitFor();
  const help = await text(page, '[data-testid="start-agent"]');
  assert.match(help, /require\('@headroom\/agent'\);/);
  assert.match(help, /OTEL_SERVICE_NAME=/);
  // The address this collector listens on (port 0 here), not the default 4318.
  const command = await eventually('the OTLP URL', () => text(page, '[data-testid="otlp-endpoint"]'), (v) => v.includes(`OTEL_EXPORTER_OTLP_ENDPOINT=${collector.otlpUrl} `));
  assert.doesNotMatch(command, /OTEL_EXPORTER_OTLP_HEADERS/, 'no ingest token here: no header to set');
  await shot(page, 'overview-empty');
  await page.close();
});

test('an app under the agent sends requests, stalls and its start event', async () => {
  app = await startAgentApp(collector.otlpUrl, SERVICE);
  // Order matters a little: the agent keeps ~10 ordinary traces a second, and the XSS route's
  // trace must be among them (stalls and errors are always kept).
  assert.equal(await app.get(XSS_PATH), 200);
  for (let i = 0; i < TRAFFIC.slow; i++) {
    assert.equal(await app.get('/slow'), 200);
    await new Promise((r) => setTimeout(r, 300)); // two stalls, not one long one
  }
  for (let i = 0; i < TRAFFIC.boom; i++) assert.equal(await app.get('/boom'), 500);
  for (let i = 0; i < TRAFFIC.fast; i++) assert.equal(await app.get('/fast'), 200);

  const tx = await eventually(
    'every request in the transactions API',
    () => api<TransactionsResponse>(collector.httpUrl, q(`/api/services/${SERVICE}/transactions`)),
    (r) => r.transactions.reduce((n, t) => n + t.requests, 0) === TOTAL,
    15_000,
  );
  assert.ok(tx.transactions.some((t) => t.route === XSS_ROUTE));
  // /slow blocks the loop; a busy test machine may add stalls elsewhere (and the agent may not
  // tie every one to its route then), so the pages are checked against what the API holds.
  await eventually('a stall of /slow', () => api<StallsResponse>(collector.httpUrl, q(`/api/services/${SERVICE}/stalls`)), (r) => (r.groups.find((g) => g.route === 'GET /slow')?.count ?? 0) >= 1);
  await eventually('the settings from the start event', () => api<InstancesResponse>(collector.httpUrl, q(`/api/services/${SERVICE}/instances`)), (r) => Object.keys(r.instances[0]?.settings ?? {}).length > 0);
  await eventually('the XSS trace', () => api<TracesResponse>(collector.httpUrl, q(`/api/traces?service=${SERVICE}`)), (r) => r.traces.some((t) => t.route === XSS_ROUTE));
});

test('overview: the service row shows the figures the API computes', async () => {
  const { services } = await api<ServicesResponse>(collector.httpUrl, q('/api/services'));
  const shop = services.find((s) => s.service === SERVICE);
  assert.ok(shop);
  const page = await open('/');
  const row = `tr[data-service="${SERVICE}"]`;
  await page.locator(row).waitFor();
  assert.equal(await text(page, `${row} [data-col="p95"]`), formatPercentile(shop.p95Ms, shop.requests, 'p95'));
  assert.equal(await text(page, `${row} [data-col="throughput"]`), formatRpm(shop.throughputRpm));
  assert.equal(await text(page, `${row} [data-col="errors"]`), formatPercent(TRAFFIC.boom / TOTAL));
  assert.equal(await text(page, `${row} [data-col="instances"]`), '1');
  await shot(page, 'overview');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'overview-390');
  await page.close();
});

test('service page: headline figures, charts with units, stall markers', async () => {
  const { services } = await api<ServicesResponse>(collector.httpUrl, q('/api/services'));
  const shop = services.find((s) => s.service === SERVICE);
  assert.ok(shop);
  const page = await open(`/services/${SERVICE}`);
  await page.locator('[data-testid="service-stats"]').waitFor();
  assert.equal(await text(page, '[data-testid="stat-percentiles"] .stat-value'), `${formatPercentile(shop.p50Ms, shop.requests, 'p50')} / ${formatPercentile(shop.p95Ms, shop.requests, 'p95')} / ${formatPercentile(shop.p99Ms, shop.requests, 'p99')}`);
  assert.equal(await text(page, '[data-testid="stat-errors"] .stat-value'), formatPercent(shop.errorRate));
  // Every request of the window is in the throughput chart.
  await eventually('the throughput chart total', () => page.locator('[data-chart="throughput"]').getAttribute('data-total'), (v) => v === String(TOTAL));
  // Every chart drawn, each with the unit its y axis is labelled with (uPlot draws the label
  // on the canvas; the figure states it too).
  const units: Record<string, string> = {
    'response-time': 'ms', throughput: 'requests/min', 'error-rate': '%', apdex: 'Apdex (0–1)', 'event-loop-delay': 'ms',
    'event-loop-utilization': '%', memory: 'bytes', gc: 'ms', 'in-flight': 'requests',
  };
  for (const [chart, unit] of Object.entries(units)) {
    await page.locator(`[data-chart="${chart}"] canvas`).first().waitFor();
    assert.equal(await page.locator(`[data-chart="${chart}"]`).getAttribute('data-unit'), unit, chart);
  }
  // The list shows the newest six stalls. A busy test machine adds stalls of its own (the app
  // not running, no route); the /slow one is named when it is among those six.
  const markers = await text(page, '[data-chart="response-time"] .chart-markers');
  const { events } = await api<EventsResponse>(collector.httpUrl, q(`/api/events?service=${SERVICE}&type=stall&limit=1000`));
  const newest = events.sort((a, b) => b.timeMs - a.timeMs).slice(0, 6);
  assert.match(markers, /event loop blocked \d+(\.\d+)? ms/);
  if (newest.some((e) => e.route === 'GET /slow')) assert.match(markers, /event loop blocked \d+(\.\d+)? ms in GET \/slow/);
  await shot(page, 'service');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, 'service-390');
  await page.close();
});

test('transactions: ranked by total time, figures match the API, a hostile route name stays text', async () => {
  const { transactions } = await api<TransactionsResponse>(collector.httpUrl, q(`/api/services/${SERVICE}/transactions`));
  const fast = transactions.find((t) => t.route === 'GET /fast');
  assert.ok(fast);
  const page = await open(`/services/${SERVICE}/transactions`);
  await page.locator('[data-testid="transactions-table"]').waitFor();
  const routes = await page.locator('[data-testid="transactions-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-route')));
  assert.deepEqual(routes, [...transactions].sort((a, b) => b.totalTimeMs - a.totalTimeMs).map((t) => t.route));
  assert.equal(routes[0], 'GET /slow', 'the stalling route consumes the most time');
  const fastRow = page.locator('tr[data-route="GET /fast"]');
  assert.equal((await fastRow.locator('[data-col="requests"]').textContent())?.trim(), String(TRAFFIC.fast));
  assert.equal((await fastRow.locator('[data-col="p95"]').textContent())?.trim(), formatPercentile(fast.p95Ms, fast.requests, 'p95'));
  assert.equal((await page.locator('tr[data-route="GET /boom"] [data-col="errors"]').textContent())?.trim(), `${TRAFFIC.boom} (100 %)`);

  const xssRow = page.locator('[data-testid="transactions-table"] tbody tr', { hasText: XSS_ROUTE });
  assert.equal(await xssRow.count(), 1);
  assert.equal((await xssRow.locator('.route-cell a').textContent())?.trim(), XSS_ROUTE);
  assert.equal(await page.locator('img').count(), 0, 'no element made from the route name');

  await page.locator('tr[data-route="GET /slow"] .route-cell a').click();
  await page.locator('[data-testid="route-traces"] tbody tr').first().waitFor();
  assert.match(page.url(), /\/services\/shop\/transactions\?route=GET\+%2Fslow$/);
  assert.match(await text(page, '[data-testid="route-detail"] h2'), /Route GET \/slow/);
  await shot(page, 'transactions');
  await page.close();
  assert.deepEqual(dialogs, []);
});

test('traces: the list, and a waterfall in which the stall stands out', async () => {
  const { traces } = await api<TracesResponse>(collector.httpUrl, q(`/api/traces?service=${SERVICE}&limit=100`));
  const slow = traces.filter((t) => t.route === 'GET /slow').sort((a, b) => b.durationMs - a.durationMs)[0];
  assert.ok(slow && slow.stallMs > 0);
  // All traces: /slow (250 ms) is under this app's slow bound (4 × Apdex T 100 ms).
  const page = await open(`/services/${SERVICE}/traces?all=1`);
  await page.locator('[data-testid="traces-table"]').waitFor();
  await shot(page, 'traces');
  const row = page.locator(`tr[data-trace-id="${slow.traceId}"]`);
  assert.equal((await row.locator('[data-col="duration"]').textContent())?.trim(), formatMs(slow.durationMs));
  await row.locator('a').click();
  await page.locator('[data-testid="waterfall"]').waitFor();
  assert.equal(new URL(page.url()).pathname, `/services/shop/traces/${slow.traceId}`);
  // The list's filters go along, for the trace's way back to that list.
  assert.equal(new URL(page.url()).searchParams.get('all'), '1');
  const stallRow = page.locator('.wf-stall');
  assert.equal(await stallRow.count(), 1);
  assert.match((await stallRow.textContent()) ?? '', /event loop blocked/);
  assert.equal(await text(page, '.stat-bad .stat-value'), formatMs(slow.stallMs));
  await stallRow.click();
  assert.match(await text(page, '[data-testid="span-detail"]'), /headroom\.stall/);
  await shot(page, 'trace');

  // The deep link reopens the same trace.
  const again = await open(new URL(page.url()).pathname);
  await again.locator('.wf-stall').waitFor();
  assert.equal(await text(again, '.trace-id'), slow.traceId);
  await again.close();
  // And by id alone, as a notification or a log line would give it.
  const byId = await open(`/traces/${slow.traceId}`);
  await byId.locator('.wf-stall').waitFor();
  assert.equal(await text(byId, '.back a'), `← Traces of ${SERVICE}`);
  await byId.close();
  await page.close();
});

test('traces: the route filter goes into the URL; the hostile name is shown as text everywhere', async () => {
  const page = await open(`/services/${SERVICE}/traces?all=1`);
  await page.locator('[data-testid="trace-filters"] input[name="route"]').fill(XSS_ROUTE);
  await page.locator('[data-testid="trace-filters"] button[type="submit"]').click();
  // The route's traces as the API holds them: the request's, and on a busy machine maybe a
  // stall of that first request kept as a trace of its own.
  const { traces: xss } = await api<TracesResponse>(collector.httpUrl, q(`/api/traces?service=${SERVICE}&route=${encodeURIComponent(XSS_ROUTE)}`));
  const ids = (): Promise<(string | null)[]> => page.locator('[data-testid="traces-table"] tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-trace-id')));
  await eventually('the filtered list', ids, (shown) => JSON.stringify(shown) === JSON.stringify(xss.map((t) => t.traceId)));
  assert.equal(new URL(page.url()).searchParams.get('route'), XSS_ROUTE);
  assert.equal(new URL(page.url()).searchParams.get('all'), '1');
  const request = xss.find((t) => t.stallMs === 0) ?? xss[0];
  assert.ok(request);
  await page.locator(`tr[data-trace-id="${request.traceId}"] a`).click();
  await page.locator('[data-testid="waterfall"]').waitFor();
  assert.equal(await text(page, '.wf-label'), XSS_ROUTE);
  await page.locator('.wf-row[data-span-id]').first().click();
  assert.match(await text(page, '[data-testid="span-detail"]'), /<img src=x onerror=alert\(1\)>/);
  assert.equal(await page.locator('img').count(), 0);
  assert.deepEqual(dialogs, []);
  await page.close();
});

test('event loop: stalls grouped by route and code location', async () => {
  const page = await open(`/services/${SERVICE}/event-loop`);
  const row = page.locator('[data-testid="stalls-table"] tr[data-route="GET /slow"]');
  await row.waitFor();
  // The row shows what the API holds (read together: the page refreshes as stalls arrive).
  await eventually(
    'the /slow row matching the API',
    async () => {
      const { groups } = await api<StallsResponse>(collector.httpUrl, q(`/api/services/${SERVICE}/stalls`));
      const slow = groups.find((g) => g.route === 'GET /slow');
      return {
        shown: [(await row.locator('[data-col="count"]').textContent())?.trim(), (await row.locator('[data-col="total"]').textContent())?.trim()],
        expected: [String(slow?.count), formatMs(slow?.totalMs)],
      };
    },
    (v) => JSON.stringify(v.shown) === JSON.stringify(v.expected),
  );
  assert.match((await row.locator('.location').textContent()) ?? '', /busy \(.*shop-app\.js:\d+\)/);
  // One point per stall (the API's stall events, at distinct times); read together, as a
  // stall can land between two reads on a busy machine.
  await page.locator('[data-chart="stalls"] canvas').waitFor();
  await eventually(
    'one chart point per stall event',
    async () => {
      const { events } = await api<EventsResponse>(collector.httpUrl, q(`/api/events?service=${SERVICE}&type=stall&limit=1000`));
      return { points: await page.locator('[data-chart="stalls"]').getAttribute('data-points'), expected: String(new Set(events.map((e) => e.timeMs)).size) };
    },
    (v) => v.points === v.expected,
  );
  await shot(page, 'event-loop');
  await page.close();
});

test('instances: each process with its figures and the settings it reported', async () => {
  const { instances } = await api<InstancesResponse>(collector.httpUrl, q(`/api/services/${SERVICE}/instances`));
  const inst = instances[0];
  assert.ok(inst);
  const page = await open(`/services/${SERVICE}/instances`);
  const card = page.locator(`[data-instance="${inst.instanceId}"]`);
  await card.waitFor();
  assert.equal((await card.locator('.instance-id').textContent())?.trim(), inst.instanceId);
  assert.equal((await card.locator('[data-col="restarts"]').textContent())?.trim(), '0');
  const settings = await card.locator('.settings').textContent();
  assert.match(settings ?? '', new RegExp(`uv_threadpool_size${String(inst.settings.uv_threadpool_size)}`));
  assert.match(settings ?? '', new RegExp(`http\\.keep_alive_timeout_ms${figureText('http.keep_alive_timeout_ms', inst.settings['http.keep_alive_timeout_ms'])}`));
  // Units for people, the exact value as a tooltip (the agent's heap limit in bytes).
  const heapLimit = card.locator('[data-setting="heap_limit_bytes"]');
  assert.equal(await heapLimit.textContent(), formatBytes(Number(inst.settings.heap_limit_bytes)));
  assert.equal(await heapLimit.getAttribute('title'), String(inst.settings.heap_limit_bytes));
  await shot(page, 'instances');
  await page.close();
});

test('live: a request made now shows up in the live chart within 10 s, without refetching', async () => {
  // Series requests are watched from the start: the page loads its series once, and the first
  // connection of the live stream is no reason to load it again (QA: every page fetched twice).
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  const isSeries = (url: string): boolean => url.includes(`/api/services/${SERVICE}/series`);
  let started = 0;
  let inFlight = 0;
  page.on('request', (r) => {
    if (!isSeries(r.url())) return;
    started++;
    inFlight++;
  });
  const done = (r: { url(): string }): void => {
    if (isSeries(r.url())) inFlight--;
  };
  page.on('requestfinished', done);
  page.on('requestfailed', done);
  await page.goto(collector.httpUrl + `/services/${SERVICE}`, { waitUntil: 'domcontentloaded' });
  const chart = page.locator('[data-chart="throughput"]');
  await page.waitForFunction(() => document.documentElement.dataset.live === 'live');
  await eventually('the first fetch, finished', async () => ({ started, inFlight }), (v) => v.started >= 1 && v.inFlight === 0);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.resync), '0', 'connecting is no resync');
  await eventually('the throughput chart', () => chart.getAttribute('data-total'), (v) => v === String(TOTAL));
  await eventually('the live connection', () => page.locator('[data-testid="live-banner"]').count(), (n) => n === 0);
  const before = started;
  const extra = 5;
  for (let i = 0; i < extra; i++) assert.equal(await app?.get('/fast'), 200);
  await eventually('the new requests in the live chart', () => chart.getAttribute('data-total'), (v) => v === String(TOTAL + extra), 10_000);
  assert.equal(started - before, 0, 'the chart grew from the live stream, not from a refetch');
  await page.close();
});

test('deep links: each page reopens the same view; a drag picks a custom range', async () => {
  const links: [string, string][] = [
    [`/services/${SERVICE}?range=1h`, `Service ${SERVICE}`],
    [`/services/${SERVICE}/transactions?range=6h&route=GET%20%2Fslow`, `Transactions ${SERVICE}`],
    [`/services/${SERVICE}/traces?minDurationMs=100&all=1`, `Traces ${SERVICE}`],
    [`/services/${SERVICE}/event-loop?range=24h`, `Event loop ${SERVICE}`],
    [`/services/${SERVICE}/instances?range=7d`, `Instances ${SERVICE}`],
  ];
  // The heading without the advisor's badge, which comes and goes with the findings.
  const heading = (page: Page): Promise<string> =>
    page.locator('h1').first().evaluate((el) =>
      [...el.childNodes].filter((n) => !(n instanceof Element && n.classList.contains('advisor-badge'))).map((n) => n.textContent ?? '').join('').trim(),
    );
  for (const [link, expected] of links) {
    const page = await open(link);
    assert.equal(await heading(page), expected, link);
    const range = new URL(link, 'http://x').searchParams.get('range');
    assert.equal(await text(page, '.range.active'), range === null ? 'Live 15m' : range, link);
    if (range !== null) assert.match(await text(page, '[data-testid="live-banner"]'), /Not live: showing a fixed time range/);
    await page.close();
  }
  const filtered = await open(`/services/${SERVICE}/traces?minDurationMs=100&all=1`);
  await eventually(
    'the filtered traces',
    async () => {
      const { traces } = await api<TracesResponse>(collector.httpUrl, q(`/api/traces?service=${SERVICE}&minDurationMs=100`));
      return { shown: await filtered.locator('[data-testid="traces-table"] tbody tr').count(), expected: traces.length };
    },
    (v) => v.shown === v.expected && v.expected >= TRAFFIC.slow,
  );
  assert.equal(await filtered.locator('input[name="minDurationMs"]').inputValue(), '100');
  assert.equal(await filtered.locator('select[name="show"]').inputValue(), 'all');
  await filtered.close();
  const routeLink = await open(`/services/${SERVICE}/transactions?route=GET%20%2Fslow`);
  assert.match(await text(routeLink, '[data-testid="route-detail"] h2'), /Route GET \/slow/);
  await routeLink.close();

  const page = await open(`/services/${SERVICE}`);
  const over = page.locator('[data-chart="response-time"] .u-over');
  await over.waitFor();
  const box = await over.boundingBox();
  assert.ok(box);
  // The app's data is in the last minutes of the live window: select the right part of it.
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2, { steps: 8 });
  await page.mouse.up();
  await page.locator('[data-testid="custom-range"]').waitFor();
  const url = new URL(page.url());
  const from = Number(url.searchParams.get('from'));
  const to = Number(url.searchParams.get('to'));
  assert.ok(from > 0 && to > from && to - from < 15 * 60_000, `custom range ${from}..${to}`);
  const chip = await text(page, '[data-testid="custom-range"]');
  await shot(page, 'service-custom-range');
  const reopened = await open(url.pathname + url.search);
  assert.equal(await text(reopened, '[data-testid="custom-range"]'), chip);
  await reopened.locator('[data-chart="response-time"] canvas').waitFor();
  const total = await reopened.locator('[data-chart="throughput"]').getAttribute('data-total');
  assert.ok(Number(total) > 0, 'the selected range holds the requests');
  assert.equal(total, await page.locator('[data-chart="throughput"]').getAttribute('data-total'));
  await reopened.close();
  await page.close();
});

test('error state: a bad trace id shows the API error as text', async () => {
  const page = await open(`/services/${SERVICE}/traces/not-a-trace-id`);
  const error = await text(page, '.state-error');
  assert.match(error, /HR_API_BAD_PARAM/);
  await shot(page, 'error');
  await page.close();
});

test('a partial trace (a request over the recording budget) says why its operations are missing', async () => {
  const light = await startAgentApp(collector.otlpUrl, 'shop-light', { HEADROOM_TRACES_PER_SECOND: '0', HEADROOM_RECORDED_TRACES_PER_SECOND: '0' });
  try {
    assert.equal(await light.get('/boom'), 500);
    const { traces } = await eventually('the partial error trace', () => api<TracesResponse>(collector.httpUrl, q('/api/traces?service=shop-light&error=true')), (r) => r.traces.length > 0);
    const page = await open(`/traces/${traces[0]!.traceId}`);
    await page.locator('[data-testid="partial-trace"]').waitFor();
    assert.match(await text(page, '[data-testid="partial-trace"]'), /HEADROOM_RECORDED_TRACES_PER_SECOND/);
    assert.equal(await page.locator('.wf-row[data-span-id]').count(), 1);
    await page.close();
    // A whole trace says nothing of the kind.
    const { traces: whole } = await api<TracesResponse>(collector.httpUrl, q(`/api/traces?service=${SERVICE}&error=true`));
    const full = await open(`/traces/${whole[0]!.traceId}`);
    await full.locator('[data-testid="waterfall"]').waitFor();
    assert.equal(await full.locator('[data-testid="partial-trace"]').count(), 0);
    await full.close();
  } finally {
    await light.stop();
  }
});

test('a dropped connection shows the banner, reconnects by itself and resynchronises', async () => {
  const page = await open(`/services/${SERVICE}`);
  await eventually('the live connection', () => page.locator('[data-testid="live-banner"]').count(), (n) => n === 0);
  const port = collector.httpPort;
  await collector.close();
  await page.getByText('Not live: connection to the collector lost').waitFor({ timeout: 10_000 });
  await shot(page, 'not-live');
  collector = await startTestCollector(collector.dbPath, port);
  await eventually('the reconnect', () => page.locator('[data-testid="live-banner"]').count(), (n) => n === 0, 20_000);
  await eventually('the resynchronised chart', () => page.locator('[data-chart="throughput"]').getAttribute('data-total'), (v) => Number(v) >= TOTAL);
  await page.close();
  assert.deepEqual(dialogs, []);
  assert.deepEqual(pageErrors, []);
});
