// A page draws its REST data without waiting for the live stream when nothing on it comes from the
// stream: a fixed range, a trace. Only live pages (and Alerts, which always listens) wait for the
// stream's first subscription, so no frame falls between their first read and the stream. Shown
// behind a proxy that forwards HTTP but holds the WebSocket upgrade (a proxy not set up for
// WebSockets), with the page's clock in the test's hands: it is moved on in small steps (Preact's
// effects wait for animation frames) and never as far as the pages' wait for the stream (1.5 s),
// so what is drawn was drawn without it.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { StallsResponse } from '@headroom/collector/api-types';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { nanos, postOtlpJson, postStalls, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const SERVICE = 'first-paint';
const TRACE = '5a110000000000000000000000000f17';

let proxy: http.Server;
let proxyUrl = '';
const held = new Set<Socket>();

before(async () => {
  proxy = http.createServer((req, res) => {
    const target = new URL(rig.collector.httpUrl);
    const forward = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  // The upgrade is neither answered nor refused: the page's WebSocket stays connecting.
  proxy.on('upgrade', (_req, socket: Socket) => {
    held.add(socket);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of held) s.destroy();
  proxy.closeAllConnections();
  await new Promise((resolve) => proxy.close(resolve));
});

/** Moves the page's clock on 20 ms at a time (never past `maxMs` in all) until `selector` shows. */
async function stepUntilShown(page: Page, selector: string, maxMs = 1000): Promise<void> {
  for (let moved = 0; moved < maxMs; moved += 20) {
    if ((await page.locator(selector).count()) > 0) return;
    await page.clock.runFor(20);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${selector} not shown within ${maxMs} ms of the page's clock`);
}

let sent: Promise<void> | undefined;
async function sendStalls(): Promise<void> {
  const now = Date.now();
  await postStalls(rig.collector.otlpUrl, [
    { service: SERVICE, instanceId: 'fp-1', startMs: now - 120_000, durationMs: 240, cpuMs: 230, route: '/report', method: 'GET', traceId: TRACE, spanId: 'f000000000000017' },
  ]);
  await postOtlpJson(rig.collector.otlpUrl, 'traces', {
    resourceSpans: [{ resource: resource(SERVICE, 'fp-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
      { traceId: TRACE, spanId: 'f000000000000017', name: 'GET /report', kind: 2, startTimeUnixNano: nanos(now - 120_010), endTimeUnixNano: nanos(now - 119_700), status: { code: 0 } },
    ] }] }],
  });
  await eventually('the stall stored', () => api<StallsResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/stalls?range=15m`), (r) => r.groups.length === 1);
}
const stallsSent = (): Promise<void> => (sent ??= sendStalls());

/** A page whose timers run only when the test moves its clock, and whose WebSocket never opens. */
async function frozenPage(): Promise<Page> {
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const now = Date.now();
  await page.clock.install({ time: now });
  await page.clock.pauseAt(now + 1000);
  return page;
}

test('a fixed range draws its data while the live stream is still connecting', async () => {
  await stallsSent();
  const page = await frozenPage();
  try {
    const to = Date.now();
    await page.goto(`${proxyUrl}/services/${SERVICE}/event-loop?from=${to - 30 * 60_000}&to=${to}`);
    await stepUntilShown(page, '[data-testid="stall-list"] li');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.live), 'connecting');
  } finally {
    await page.close();
  }
});

test('a trace draws while the live stream is still connecting', async () => {
  await stallsSent();
  const page = await frozenPage();
  try {
    await page.goto(`${proxyUrl}/services/${SERVICE}/traces/${TRACE}`);
    await stepUntilShown(page, '[data-span-id="f000000000000017"]');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.live), 'connecting');
  } finally {
    await page.close();
  }
});

test('a live page waits for the stream (or for its wait to run out), then draws', async () => {
  await stallsSent();
  const page = await frozenPage();
  const calls: string[] = [];
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/')) calls.push(r.url());
  });
  try {
    await page.goto(`${proxyUrl}/services/${SERVICE}/event-loop`);
    await page.clock.runFor(1000);
    await page.locator('h1').first().waitFor();
    assert.deepEqual(calls, [], 'a live page read before the stream was subscribed');
    await page.clock.runFor(1000);
    await stepUntilShown(page, '[data-testid="stall-list"] li');
  } finally {
    await page.close();
  }
});
