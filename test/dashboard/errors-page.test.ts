// The Errors page: a service's kept failed traces grouped by kind, most first, beside the exact
// failed-request count of the request metrics; each group links to its newest trace and to the
// traces page narrowed to it. Values from the app are text; the page works by keyboard and at
// 1280, 800 and 390 px. Data over OTLP to a real collector; Chromium.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { ErrorGroupsResponse } from '@headroom/collector/api-types';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { attr, nanos, postOtlpJson, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const SERVICE = 'err-svc';
const MINUTE = 60_000;
const HOSTILE = '<img src=x onerror="document.body.dataset.pwned=1"> 77';
const ids = { user1: 'e0000000000000000000000000000001', user2: 'e0000000000000000000000000000002', user3: 'e0000000000000000000000000000003', hostile: 'e0000000000000000000000000000004', status: 'e0000000000000000000000000000005' };

function failedRoot(traceId: string, startMs: number, route: string, status: number, exception: { type: string; message: string } | null) {
  return {
    traceId, spanId: `${traceId.slice(0, 15)}1`, name: `GET ${route}`, kind: 2, startTimeUnixNano: nanos(startMs), endTimeUnixNano: nanos(startMs + 20), status: { code: 2 },
    attributes: [attr('http.request.method', 'GET'), attr('http.route', route), attr('http.response.status_code', status)],
    ...(exception && { events: [{ timeUnixNano: nanos(startMs + 10), name: 'exception', attributes: [attr('exception.type', exception.type), attr('exception.message', exception.message)] }] }),
  };
}

let sent: Promise<void> | undefined;
const data = (): Promise<void> => (sent ??= sendData());

async function sendData(): Promise<void> {
  const t0 = Date.now() - 6 * MINUTE;
  const spans = [
    failedRoot(ids.user1, t0, '/users/:id', 500, { type: 'NotFoundError', message: 'user 123 not found' }),
    failedRoot(ids.user2, t0 + MINUTE, '/users/:id', 500, { type: 'NotFoundError', message: 'user 456 not found' }),
    failedRoot(ids.user3, t0 + 2 * MINUTE, '/admin/users/:id', 500, { type: 'NotFoundError', message: 'user 789 not found' }),
    failedRoot(ids.hostile, t0 + 3 * MINUTE, '/render', 500, { type: '<b>HostileError</b>', message: HOSTILE }),
    failedRoot(ids.status, t0 + 4 * MINUTE, '/health', 503, null),
  ];
  await postOtlpJson(rig.collector.otlpUrl, 'traces', { resourceSpans: [{ resource: resource(SERVICE, 'err-1'), scopeSpans: [{ scope: { name: 't' }, spans }] }] });
  await sendMetrics(rig.collector.otlpUrl, serviceResource(SERVICE, 'err-1'), (m) => {
    m.histogram('http.server.request.duration', 's', new Array<number>(1200).fill(0.01), { 'http.request.method': 'GET', 'http.route': '/users/:id', 'http.response.status_code': 500 });
    m.histogram('http.server.request.duration', 's', new Array<number>(3).fill(0.01), { 'http.request.method': 'GET', 'http.route': '/health', 'http.response.status_code': 503 });
  });
  // A service that failed nothing.
  await postOtlpJson(rig.collector.otlpUrl, 'traces', { resourceSpans: [{ resource: resource('calm-svc', 'calm-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
    { traceId: 'e00000000000000000000000000000ff', spanId: 'e0000000000000ff', name: 'GET /', kind: 2, startTimeUnixNano: nanos(t0), endTimeUnixNano: nanos(t0 + 5), status: { code: 0 } },
  ] }] }] });
  await eventually('the groups', () => api<ErrorGroupsResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/errors?range=1h`), (r) => r.tracesRead === 5 && r.failedRequests.count === 1203);
}

test('failures grouped by kind, most first, under the exact failed-request count; app values as text', async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/errors?range=1h`);
    const table = page.getByTestId('errors-table');
    await table.waitFor();
    assert.equal(await page.locator('nav.tabs a.active').textContent(), 'Errors');
    assert.equal(await page.getByTestId('errors-summary').textContent(), '1,203 failed requests; 5 failed traces kept as samples, grouped below in 3 kinds.');
    assert.match((await page.getByTestId('failed-routes').textContent()) ?? '', /^Failed requests by route: GET \/users\/:id 1,200 · GET \/health 3$/);
    const kinds = await table.getByTestId('error-kind').allTextContents();
    // Most traces first; one each, the newest first.
    assert.deepEqual(kinds, ['NotFoundError: user <n> not found', 'HTTP 503, no message recorded', `<b>HostileError</b>: <img src=x onerror="<str>"> <n>`]);
    const first = table.locator('tbody tr').first();
    assert.equal(await first.locator('[data-col="count"]').textContent(), '3');
    assert.deepEqual(await first.locator('[data-col="routes"] > div').allTextContents(), ['GET /users/:id 2', 'GET /admin/users/:id 1']);
    assert.equal(await first.getByTestId('error-example').textContent(), 'e.g. NotFoundError: user 789 not found');
    assert.match((await first.locator('svg.error-spark').getAttribute('aria-label')) ?? '', /^3 kept traces; most, 1, in the 1 min from \d\d:\d\d:\d\d$/);
    assert.equal(await first.locator('svg.error-spark rect:not(.error-spark-base)').count(), 3);
    // The app's markup is text: no element made of it, nothing ran.
    assert.equal(await table.locator('img, b').count(), 0);
    assert.equal(await page.evaluate(() => document.body.dataset.pwned), undefined);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-errors-page.png'), fullPage: true });

    // A group's traces: the traces page narrowed to its kind.
    await first.getByRole('link', { name: 'all 3 sampled traces: the kept traces of NotFoundError: user <n> not found' }).click();
    await page.waitForURL(/\/services\/err-svc\/traces\?/);
    assert.equal(new URL(page.url()).searchParams.get('errorKind'), 'NotFoundError: user <n> not found');
    assert.equal(new URL(page.url()).searchParams.get('range'), '1h', 'the range goes along');
    const rows = page.locator('[data-testid="traces-table"] tbody tr');
    await eventually('three rows', () => rows.count(), (n) => n === 3);
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.traceId)), [ids.user3, ids.user2, ids.user1]);
    assert.equal(await page.getByTestId('traces-error-kind').textContent(), 'NotFoundError: user <n> not found');
    // Its links sit in grey text: underlined, not told apart by colour alone (axe-core link-in-text-block, QA).
    assert.deepEqual(await page.getByTestId('traces-note').locator('a').evaluateAll((as) => as.map((a) => [a.textContent, getComputedStyle(a).textDecorationLine])), [
      ['Show every kind', 'underline'],
      ['Errors page', 'underline'],
    ]);
    await page.goBack();
    // And its newest trace.
    await page.getByTestId('errors-table').locator('tbody tr').first().getByRole('link', { name: /^newest trace of NotFoundError/ }).click();
    await page.waitForURL(new RegExp(`/traces/${ids.user3}`));
  } finally {
    await page.close();
  }
});

test("a kind's figure reads as sampled traces, not as its failures: 3 failed /health requests, 1 trace kept", async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/errors?range=1h`);
    const table = page.getByTestId('errors-table');
    await table.waitFor();
    assert.match((await page.getByTestId('failed-routes').textContent()) ?? '', /GET \/health 3$/);
    // Its "1" sits under a heading that says what it counts, and its link says so too: read as
    // "HTTP 503: 1 trace" beside 3 failed requests, it was taken for the number of failures.
    assert.deepEqual(await table.locator('thead th').allTextContents(), ['Kind', 'Sampled traces', 'Routes (sampled traces)', 'First seen', 'Last seen', 'Over the range']);
    const row = table.locator('tbody tr', { has: page.getByTestId('error-kind').filter({ hasText: 'HTTP 503, no message recorded' }) });
    assert.equal(await row.locator('[data-col="count"]').textContent(), '1');
    assert.deepEqual(await row.locator('[data-col="routes"] > div').allTextContents(), ['GET /health 1']);
    assert.deepEqual(await row.locator('.error-links a').allTextContents(), ['newest trace', 'its one sampled trace']);
    assert.match((await page.getByTestId('errors-summary').textContent()) ?? '', /; 5 failed traces kept as samples, /);
    assert.match((await table.locator('thead th').nth(1).getAttribute('title')) ?? '', /a sample, .* not the number of failures/);
  } finally {
    await page.close();
  }
});

test("a trace opened from a kind's traces links back to them, with the range", async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    const kind = 'NotFoundError: user <n> not found';
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/traces?range=1h&errorKind=${encodeURIComponent(kind)}`);
    const rows = page.locator('[data-testid="traces-table"] tbody tr');
    await eventually('three rows', () => rows.count(), (n) => n === 3);
    await rows.nth(1).getByRole('link').click();
    await page.waitForURL(new RegExp(`/traces/${ids.user2}`));
    // Reopened from its address (a reload, a shared link), the way back is the same.
    await page.reload();
    const back = page.getByRole('link', { name: `← Traces of ${SERVICE}` });
    await back.click();
    await page.waitForURL(/\/services\/err-svc\/traces\?/);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('errorKind'), kind);
    assert.equal(url.searchParams.get('range'), '1h');
    assert.equal(await page.getByTestId('traces-error-kind').textContent(), kind);
    await eventually('the kind\'s three rows', () => rows.count(), (n) => n === 3);
  } finally {
    await page.close();
  }
});

/** The service's Errors page, opened, counting its reads of the errors API. */
async function errorsPageCountingReads(service: string) {
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  let reads = 0;
  page.on('request', (r) => {
    if (new URL(r.url()).pathname === `/api/services/${service}/errors`) reads++;
  });
  await page.goto(`${rig.collector.httpUrl}/services/${service}/errors`);
  return { page, reads: () => reads };
}

test('live, the page re-reads the groups on new failures only, not on every aggregate of requests that succeeded', async () => {
  const service = 'live-errs';
  const requests = (status: number, n: number) =>
    sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'live-1'), (m) => {
      m.histogram('http.server.request.duration', 's', new Array<number>(n).fill(0.01), { 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': status });
    });
  await requests(200, 10);
  const { page, reads } = await errorsPageCountingReads(service);
  try {
    await page.getByTestId('errors-empty').waitFor();
    await page.getByText('Live').first().waitFor();
    const first = reads();
    // Requests that succeeded: aggregates arrive, nothing failed, nothing to re-read.
    for (let i = 0; i < 3; i++) {
      await requests(200, 10);
      await page.waitForTimeout(2000);
    }
    assert.equal(reads(), first, 'no re-read for aggregates without failures');
    // A failure: the page re-reads, and shows it.
    await requests(500, 2);
    await eventually('the failed requests shown', () => page.getByTestId('errors-summary').textContent(), (t) => (t ?? '').startsWith('2 failed requests'), 12_000);
    assert.ok(reads() > first);
  } finally {
    await page.close();
  }
});

/** `n` requests of GET /a answered `status`, as one delta point stamped `k` seconds into the minute `minute` (a fixed minute: no race with the clock's). */
function requestsAt(service: string, minute: number, k: number, status: number, n: number): Promise<void> {
  const point = {
    startTimeUnixNano: nanos(minute + k * 1000), timeUnixNano: nanos(minute + k * 1000 + 500), count: String(n), sum: 0.01 * n, bucketCounts: [String(n), '0'], explicitBounds: [1],
    attributes: [attr('http.request.method', 'GET'), attr('http.route', '/a'), attr('http.response.status_code', status)],
  };
  return postOtlpJson(rig.collector.otlpUrl, 'metrics', {
    resourceMetrics: [{ resource: resource(service, 'live-1'), scopeMetrics: [{ scope: { name: 't' }, metrics: [{ name: 'http.server.request.duration', unit: 's', histogram: { aggregationTemporality: 1, dataPoints: [point] } }] }] }],
  });
}

test('live, a page opened on a minute that has failed already does not re-read for its next aggregate: it has read those failures', async () => {
  const service = 'live-errs-open';
  const minute = Math.floor(Date.now() / MINUTE) * MINUTE - 3 * MINUTE;
  await requestsAt(service, minute, 1, 500, 3);
  await eventually('the failures stored', () => api<ErrorGroupsResponse>(rig.collector.httpUrl, `/api/services/${service}/errors?range=15m`), (r) => r.failedRequests.count === 3);
  const { page, reads } = await errorsPageCountingReads(service);
  try {
    await eventually('the failures shown', () => page.getByTestId('errors-summary').textContent(), (t) => (t ?? '').startsWith('3 failed requests'));
    await page.getByText('Live').first().waitFor();
    assert.equal(reads(), 1);
    // Requests of that minute that succeeded: its aggregate still says 3 failed, which the page read.
    await requestsAt(service, minute, 2, 200, 10);
    await page.waitForTimeout(2500);
    await requestsAt(service, minute, 3, 200, 10);
    await page.waitForTimeout(2500);
    assert.equal(reads(), 1, 'no re-read: the aggregates brought no failure the page had not read');
    // One more failure in that minute: read.
    await requestsAt(service, minute, 4, 500, 1);
    await eventually('the new failure shown', () => page.getByTestId('errors-summary').textContent(), (t) => (t ?? '').startsWith('4 failed requests'), 12_000);
    assert.equal(reads(), 2);
  } finally {
    await page.close();
  }
});

test("a failure answered before any route matched (express.json()'s SyntaxError) says so beside its method, on the Errors page and in its trace list", async () => {
  const service = 'json-svc';
  const startMs = Date.now() - 2 * MINUTE;
  const traceId = 'e00000000000000000000000000000a1';
  // As the agent sends it: no http.route, the span named by its method.
  const span = {
    traceId, spanId: 'e0000000000000a1', name: 'POST', kind: 2, startTimeUnixNano: nanos(startMs), endTimeUnixNano: nanos(startMs + 3), status: { code: 2, message: 'Unexpected end of JSON input' },
    attributes: [attr('http.request.method', 'POST'), attr('http.response.status_code', 500)],
    events: [{ timeUnixNano: nanos(startMs + 1), name: 'exception', attributes: [attr('exception.type', 'SyntaxError'), attr('exception.message', 'Unexpected end of JSON input')] }],
  };
  await postOtlpJson(rig.collector.otlpUrl, 'traces', { resourceSpans: [{ resource: resource(service, 'json-1'), scopeSpans: [{ scope: { name: 't' }, spans: [span] }] }] });
  await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'json-1'), (m) => {
    m.histogram('http.server.request.duration', 's', [0.003], { 'http.request.method': 'POST', 'http.response.status_code': 500 });
  });
  await eventually('the group', () => api<ErrorGroupsResponse>(rig.collector.httpUrl, `/api/services/${service}/errors?range=1h`), (r) => r.tracesRead === 1 && r.failedRequests.count === 1);
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}/errors?range=1h`);
    const row = page.getByTestId('errors-table').locator('tbody tr').first();
    await row.waitFor();
    const note = "no route matched (404s, and middleware that answered before routing: a body parser's 400, an auth check)";
    assert.equal(await row.locator('[data-col="routes"]').innerText(), 'POST (no route matched) 1');
    assert.equal(await row.getByTestId('unmatched-route').getAttribute('title'), note);
    assert.equal(await page.getByTestId('failed-routes').innerText(), 'Failed requests by route: POST (no route matched) 1');
    await row.getByRole('link', { name: /^its one sampled trace/ }).click();
    const listed = page.locator('[data-testid="traces-table"] tbody tr');
    await eventually('its trace', () => listed.count(), (n) => n === 1);
    assert.equal(await listed.first().getByTestId('unmatched-route').textContent(), ' (no route matched)');
  } finally {
    await page.close();
  }
});

test("each group's links are named starting with the words they show (WCAG 2.5.3: a voice user says what is written)", async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/errors?range=1h`);
    const links = page.getByTestId('errors-table').locator('.error-links a');
    await eventually('the groups\' links', () => links.count(), (n) => n === 6);
    const named = await links.evaluateAll((as) => as.map((a) => ({ shown: (a.textContent ?? '').trim(), name: a.getAttribute('aria-label') ?? '' })));
    assert.deepEqual(named.filter((l) => !l.name.toLowerCase().startsWith(l.shown.toLowerCase())), []);
    assert.ok(named.some((l) => l.shown === 'all 3 sampled traces') && named.some((l) => l.shown === 'its one sampled trace'), JSON.stringify(named));
  } finally {
    await page.close();
  }
});

test('by keyboard: the Errors tab, then a group\'s link, opened with Enter', async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}?range=1h`);
    const tab = page.locator('nav.tabs a', { hasText: 'Errors' });
    await tab.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('errors-table').waitFor();
    // Tab on from the tab reaches the first group's links in order.
    let reached = '';
    for (let i = 0; i < 40 && !reached.startsWith('all 3 sampled traces'); i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
    }
    assert.match(reached, /^all 3 sampled traces: the kept traces of NotFoundError/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/errorKind=/);
  } finally {
    await page.close();
  }
});

test('at 800 and 390 px the page fits its width: the table scrolls in its own box', async () => {
  await data();
  for (const width of [800, 390]) {
    const page = await rig.browser.newPage({ viewport: { width, height: 900 } });
    try {
      await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/errors?range=1h`);
      await page.getByTestId('errors-table').waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${width} px: the page is ${overflow} px wider than the window`);
      const kindBox = await page.getByTestId('error-kind').first().boundingBox();
      assert.ok(kindBox !== null && kindBox.x >= 0 && kindBox.x + kindBox.width <= width, `${width} px: the first kind is in view`);
      await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-errors-page-${width}.png`), fullPage: true });
    } finally {
      await page.close();
    }
  }
});

/**
 * Pixels between the bottom of an underscore's ink (the lowest glyph) and the bottom of a
 * one-line box of text: a box that hides its overflow (for an ellipsis) clips what is below.
 */
function roomBelowUnderscore(node: Element): number {
  const style = getComputedStyle(node);
  const ctx = document.createElement('canvas').getContext('2d') as CanvasRenderingContext2D;
  ctx.font = `${style.fontSize} ${style.fontFamily}`;
  const m = ctx.measureText('_');
  const height = node.getBoundingClientRect().height;
  // Below the baseline: half the leading, then the font's descent, less the underscore's ink.
  return (height - m.fontBoundingBoxAscent - m.fontBoundingBoxDescent) / 2 + m.fontBoundingBoxDescent - m.actualBoundingBoxDescent;
}

test("a message's underscores stay visible: the example, and the error line of the kind's traces", async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 390, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/errors?range=1h`);
    const example = page.getByTestId('error-example').first();
    await example.waitFor();
    // A pixel to spare for where the row falls between pixels ('ord_185x9k' read 'ord 185x9k' at 390 px).
    const exampleRoom = await example.evaluate(roomBelowUnderscore);
    assert.ok(exampleRoom >= 1, `example: ${exampleRoom.toFixed(2)} px below an underscore's ink`);
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/traces?range=1h&errorKind=${encodeURIComponent('NotFoundError: user <n> not found')}`);
    const line = page.locator('.trace-error-line').first();
    await line.waitFor();
    const lineRoom = await line.evaluate(roomBelowUnderscore);
    assert.ok(lineRoom >= 1, `trace list: ${lineRoom.toFixed(2)} px below an underscore's ink`);
  } finally {
    await page.close();
  }
});

test('a service with nothing failed says so', async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/calm-svc/errors?range=1h`);
    await page.getByTestId('errors-empty').waitFor();
    assert.equal(await page.getByTestId('errors-empty').textContent(), 'Nothing failed in this range: no failed requests, and no failed traces kept.');
    assert.equal(await page.getByTestId('errors-table').count(), 0);
  } finally {
    await page.close();
  }
});
