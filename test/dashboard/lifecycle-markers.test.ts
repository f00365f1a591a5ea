// A busy loop's stalls do not push a process's start, restart or crash off the service page's
// charts: the page read the newest 200 events of every kind, so 250 stalls in the last minutes
// left no start or restart marker for a rolling deploy (QA). It now reads stalls (newest 200) and
// the lifecycle events apart, the API taking several types in one `type=`. OTLP to a real
// collector; Chromium reads the page. With as many stalls as it reads, the page says its stall
// markers start at the oldest of them (the chart looked as if the loop began blocking then).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventsResponse, StallsResponse } from '@headroom/collector/api-types';
import { sendLogs, sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { postStalls } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const SERVICE = 'busy-deploy';
const STALLS = 250;

let sent: Promise<void> | undefined;
const data = (): Promise<void> => (sent ??= sendData());

async function sendData(): Promise<void> {
  const now = Date.now();
  await sendMetrics(rig.collector.otlpUrl, serviceResource(SERVICE, 'busy-2'), (m) => {
    m.histogram('http.server.request.duration', 's', [0.05, 0.06], { 'http.request.method': 'GET', 'http.route': '/report', 'http.response.status_code': 200 });
  });
  // The new process starts, then an older one restarts; then the loop blocks, again and again.
  await sendLogs(rig.collector.otlpUrl, serviceResource(SERVICE, 'busy-2'), [{ timeMs: now - 300_000, body: 'process listening', attributes: { 'event.name': 'headroom.process.start' } }]);
  await sendLogs(rig.collector.otlpUrl, serviceResource(SERVICE, 'busy-1'), [{ timeMs: now - 290_000, body: 'process restarted', attributes: { 'event.name': 'headroom.process.restart' } }]);
  const stalls = Array.from({ length: STALLS }, (_, i) => ({ service: SERVICE, instanceId: 'busy-2', startMs: now - 200_000 + i * 500, durationMs: 120, cpuMs: 110, route: '/report', method: 'GET' }));
  await postStalls(rig.collector.otlpUrl, stalls);
  await eventually('the stalls stored', () => api<StallsResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/stalls?range=15m`), (r) => r.groups[0]?.count === STALLS);
}

test('the events API takes several types in one type=, comma-separated, and refuses an unknown one', async () => {
  await data();
  const read = (type: string) => fetch(`${rig.collector.httpUrl}/api/events?service=${SERVICE}&range=15m&type=${type}`);
  const lifecycle = (await (await read('start,restart')).json()) as EventsResponse;
  assert.deepEqual(lifecycle.events.map((e) => e.type), ['restart', 'start']);
  const one = (await (await read('start')).json()) as EventsResponse;
  assert.deepEqual(one.events.map((e) => e.type), ['start']);
  const bad = await read('start,nope');
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /type must be one or more of stall, start/);
});

test("250 stalls after a start and a restart: the service page marks both beside the newest 200 stalls", async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}?range=15m`);
    await page.locator('.marker-more').first().waitFor();
    // Six listed, the newest stalls; the rest counted: 200 stalls + the start + the restart.
    await eventually('every marker counted', () => page.locator('.marker-more').first().textContent(), (t) => t === '196 earlier: 194 stalls, 1 start, 1 restart. Show all 202 markers');
    // Zoomed to the minutes of the deploy, the start and the restart are listed.
    const from = Date.now() - 330_000;
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}?from=${from}&to=${from + 60_000}`);
    const items = page.locator('figure.chart').first().locator('.chart-markers li');
    await eventually('the start and the restart', () => items.allTextContents(), (t) => t.length === 2);
    assert.deepEqual(await items.evaluateAll((lis) => lis.map((li) => li.className)), ['marker marker-start', 'marker marker-restart']);
  } finally {
    await page.close();
  }
});

test('with 200 stalls or more, the service page says its stall markers are the newest 200, from when, and where the rest are', async () => {
  await data();
  const { events } = await api<EventsResponse>(rig.collector.httpUrl, `/api/events?service=${SERVICE}&range=15m&type=stall&limit=200`);
  const oldest = new Date(Math.min(...events.map((e) => e.timeMs)));
  const hhmmss = [oldest.getHours(), oldest.getMinutes(), oldest.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  await postStalls(rig.collector.otlpUrl, [{ service: 'few-stalls', instanceId: 'few-1', startMs: Date.now() - 60_000, durationMs: 120, cpuMs: 110, route: '/report', method: 'GET' }]);
  await sendMetrics(rig.collector.otlpUrl, serviceResource('few-stalls', 'few-1'), (m) => {
    m.histogram('http.server.request.duration', 's', [0.05], { 'http.request.method': 'GET', 'http.route': '/report', 'http.response.status_code': 200 });
  });
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}?range=15m`);
    const note = page.getByTestId('stall-markers-limit');
    await note.waitFor();
    assert.equal(await note.textContent(), `Stall markers: the newest 200 stalls of this range, from ${hhmmss}; the earlier ones are on the Event loop page, or narrow the range.`);
    assert.equal(new URL((await note.locator('a').getAttribute('href')) ?? '', rig.collector.httpUrl).pathname, `/services/${SERVICE}/event-loop`);

    await page.goto(`${rig.collector.httpUrl}/services/few-stalls?range=15m`);
    await page.locator('.chart-markers li.marker-stall').waitFor();
    assert.equal(await note.count(), 0);
  } finally {
    await page.close();
  }
});
