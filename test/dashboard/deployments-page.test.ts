// Deploys on the dashboard: a service that ran 1.0.0 (5 ms requests) and then a version whose
// name carries markup and a bidi control (50 ms requests). The service's charts mark the deploy
// (apart from restarts), the Deployments page compares before and after and links to the time
// around it, the Instances page says each process's version; the version is text everywhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { DeploymentsResponse } from '@headroom/collector/api-types';
import { viewUrl, parseView } from '../../dashboard/src/state/view-state';
import { sendLogs, sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();
const SERVICE = 'deploy-svc';
const HOSTILE = '2.0<img src=x onerror=alert(1)>\u202E';
/** How the dashboard shows it: the markup as text, the bidi control made visible. */
const SHOWN = '2.0<img src=x onerror=alert(1)>⟨U+202E⟩';
const REVISION = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const ROUTE = { 'http.route': '/work', 'http.request.method': 'GET', 'http.response.status_code': 200 };

let sent: Promise<DeploymentsResponse> | undefined;
const data = (): Promise<DeploymentsResponse> => (sent ??= sendData());

async function sendData(): Promise<DeploymentsResponse> {
  await sendMetrics(rig.collector.otlpUrl, serviceResource(SERVICE, 'old-1', { 'service.version': '1.0.0' }), (m) => {
    m.histogram('http.server.request.duration', 's', Array(40).fill(0.005), ROUTE);
  });
  await eventually('1.0.0 seen', () => api<DeploymentsResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/deployments?range=15m`), (r) => r.deployments.length === 1);
  // A later first sighting for the new version.
  await new Promise((r) => setTimeout(r, 20));
  await sendMetrics(rig.collector.otlpUrl, serviceResource(SERVICE, 'new-1', { 'service.version': HOSTILE, 'vcs.ref.head.revision': REVISION }), (m) => {
    m.histogram('http.server.request.duration', 's', Array(40).fill(0.05), ROUTE);
  });
  return eventually('both versions', () => api<DeploymentsResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/deployments?range=15m`), (r) => r.deployments.length === 2 && r.deployments[0]!.after.requests === 40);
}

async function open(path: string, dialogs: string[]): Promise<Page> {
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(rig.collector.httpUrl + path);
  return page;
}

test('the Deployments page compares each deploy before and after, names the version as text, and links to the time around it', async () => {
  const res = await data();
  const dialogs: string[] = [];
  const page = await open(`/services/${SERVICE}/deployments`, dialogs);
  try {
    const cards = page.getByTestId('deployment');
    await eventually('two deployments', () => cards.count(), (n) => n === 2);
    assert.deepEqual(await cards.locator('h2').allTextContents(), [`${SHOWN} (a1b2c3d4e5f6)`, '1.0.0']);
    assert.equal(await page.locator('img').count(), 0, 'no element made from the version');
    assert.equal(await cards.first().locator('.deployment-revision').textContent(), REVISION, 'the whole revision under its short form');
    // The new version's figures against the old one's: p50 5 ms → 50 ms, said as worse in words.
    const row = (figure: string) => cards.first().locator(`tr[data-figure="${figure}"]`);
    const p50 = await row('p50').locator('td').allTextContents();
    assert.match(p50[0]!, /^5(\.\d+)? ms$/);
    assert.match(p50[1]!, /^5\d(\.\d+)? ms$/);
    assert.match(p50[2]!, /^×\d+(\.\d)? worse$/);
    assert.equal(await row('p50').locator('td.error-text').count(), 1);
    assert.deepEqual(await row('Error rate').locator('td').allTextContents(), ['0 %', '0 %', 'no change']);
    assert.deepEqual(await row('Apdex').locator('td').allTextContents(), ['1.00', '1.00', 'no change']);
    const [before, after] = await cards.first().locator('thead th.num').allTextContents();
    assert.match(before!, /^Before \(.*, 1 process, 40 requests\)$/);
    assert.match(after!, /^After \(.* so far, 1 process, 40 requests\)$/, 'the after side is minutes old');
    // "Charts around this deploy": the service's charts over the window before it to the end of the after side.
    const link = cards.first().getByRole('link', { name: /^Charts around this deploy/ });
    const href = (await link.getAttribute('href')) ?? '';
    const url = new URL(href, rig.collector.httpUrl);
    const view = parseView(url.pathname, url.search);
    const deploy = res.deployments[0]!;
    assert.deepEqual([view.page, view.service, view.range], ['service', SERVICE, { kind: 'custom', from: deploy.before.from, to: deploy.after.to }]);
    assert.equal(viewUrl(view), href);
    // The tab is there, current on this page.
    assert.equal(await page.locator('nav.tabs a.active').textContent(), 'Deployments');
    // 1.0.0, the first version seen, replaced nothing: its card says so, with its own figures only
    // (it read 'Before (…, 0 processes, 0 requests)', dashes and a throughput '0 rpm → 40 rpm, new').
    const first = cards.last();
    assert.match((await first.getByTestId('deployment-alone').textContent()) ?? '', /^No other version's processes ran in the 30 min before it \(\d\d:\d\d:\d\d–\d\d:\d\d:\d\d\): nothing to compare it with\.$/);
    assert.deepEqual((await first.locator('thead th').allTextContents()).map((t) => t.replace(/ \(.*/, '')), ['Figure', 'After']);
    assert.deepEqual(await first.locator('tr[data-figure="Throughput"] td').allTextContents(), ['40 rpm']);
    assert.equal(await cards.first().getByTestId('deployment-alone').count(), 0, 'a deploy that replaced processes compares');
  } finally {
    await page.close();
  }
  assert.deepEqual(dialogs, []);
});

test("a deploy's error rate is marked, and under its table says that it leaves out the requests no route matched that did not fail (scanner 404s), with how many on each side", async () => {
  // 40 routed requests, 4 of them 500s, beside a scanner's 60 fast 404s before the deploy and 10
  // after: the rate is 4 of 40 (10 %), not 4 of the 100 the side's header counts.
  const service = 'scanned-deploy';
  const unrouted = { 'http.request.method': 'GET', 'http.response.status_code': 404 };
  const side = async (instance: string, version: string, scanner: number) => {
    await sendMetrics(rig.collector.otlpUrl, serviceResource(service, instance, { 'service.version': version }), (m) => {
      m.histogram('http.server.request.duration', 's', Array(36).fill(0.005), ROUTE);
      m.histogram('http.server.request.duration', 's', Array(4).fill(0.005), { ...ROUTE, 'http.response.status_code': 500 });
      m.histogram('http.server.request.duration', 's', Array(scanner).fill(0.001), unrouted);
    });
  };
  await side('old', '1.0.0', 60);
  await eventually('1.0.0 seen', () => api<DeploymentsResponse>(rig.collector.httpUrl, `/api/services/${service}/deployments?range=15m`), (r) => r.deployments.length === 1);
  await new Promise((r) => setTimeout(r, 20));
  await side('new', '2.0.0', 10);
  const res = await eventually('2.0.0 after 1.0.0', () => api<DeploymentsResponse>(rig.collector.httpUrl, `/api/services/${service}/deployments?range=15m`), (r) => r.deployments.length === 2 && r.deployments[0]!.after.requests === 50);
  assert.deepEqual([res.deployments[0]!.before.errorRateRequests, res.deployments[0]!.after.errorRateRequests], [40, 40]);
  const dialogs: string[] = [];
  const page = await open(`/services/${service}/deployments`, dialogs);
  try {
    const card = page.getByTestId('deployment').first();
    await eventually('the 2.0.0 card', () => card.locator('h2').textContent(), (t) => t === '2.0.0');
    const row = card.locator('tr[data-figure="Error rate"]');
    assert.deepEqual(await row.locator('td').allTextContents(), ['10 %', '10 %', 'no change']);
    // The figure is marked, and what it leaves out is said under the table, with how many.
    const rule = 'Error rate: it leaves out the requests no route matched that did not fail (scanner 404s), as error-rate alert rules do';
    assert.equal(await row.locator('th').textContent(), 'Error rate*');
    assert.deepEqual(await card.getByTestId('figure-note').allTextContents(), [`* ${rule}: 60 of the 100 requests before, 10 of the 50 requests after.`]);
    // The first version's card, alone, names only its after side's.
    const first = page.getByTestId('deployment').last();
    assert.deepEqual(await first.getByTestId('figure-note').allTextContents(), [`* ${rule}: 60 of the 100 requests after.`]);
    // Only the error rate leaves requests out: no other figure is marked.
    assert.deepEqual((await card.locator('tbody th').allTextContents()).filter((t) => t.endsWith('*')), ['Error rate*']);
  } finally {
    await page.close();
  }
  assert.deepEqual(dialogs, []);
});

test('a version that stopped says so: its after side runs until it stopped, while the running one is "so far"', async () => {
  const service = 'stopped-deploy';
  await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'first', { 'service.version': '1.0.0' }), (m) => {
    m.histogram('http.server.request.duration', 's', Array(10).fill(0.005), ROUTE);
  });
  await sendLogs(rig.collector.otlpUrl, serviceResource(service, 'first', { 'service.version': '1.0.0' }), [
    { timeMs: Date.now(), body: 'process stopped by SIGTERM', attributes: { 'event.name': 'headroom.process.stop', 'headroom.stop.reason': 'signal', 'headroom.stop.signal': 'SIGTERM' } },
  ]);
  await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'second', { 'service.version': '2.0.0' }), (m) => {
    m.histogram('http.server.request.duration', 's', Array(10).fill(0.005), ROUTE);
  });
  const res = await eventually('1.0.0 stopped, 2.0.0 running', () => api<DeploymentsResponse>(rig.collector.httpUrl, `/api/services/${service}/deployments?range=15m`), (r) => r.deployments.length === 2 && r.deployments[1]!.stoppedAt !== null);
  assert.equal(res.deployments[0]!.stoppedAt, null);
  const dialogs: string[] = [];
  const page = await open(`/services/${service}/deployments`, dialogs);
  try {
    const cards = page.getByTestId('deployment');
    await eventually('two deployments', () => cards.count(), (n) => n === 2);
    const heading = async (card: ReturnType<typeof cards.first>) => (await card.locator('thead th', { hasText: /^After/ }).textContent()) ?? '';
    assert.match(await heading(cards.last()), /^After \(\d\d:\d\d:\d\d–\d\d:\d\d:\d\d, until it stopped, 1 process, 10 requests\)$/);
    assert.match((await cards.last().locator('header .muted').textContent()) ?? '', / · stopped \d\d:\d\d:\d\d$/);
    assert.match(await heading(cards.first()), /^After \(.* so far, 1 process, 10 requests\)$/);
    assert.match((await cards.first().locator('header .muted').textContent()) ?? '', / · last seen \d\d:\d\d:\d\d$/);
  } finally {
    await page.close();
  }
  assert.deepEqual(dialogs, []);
});

test('at 390 px every tab of the service is on screen, the current one (Deployments) too', async () => {
  await data();
  const page = await rig.browser.newPage({ viewport: { width: 390, height: 800 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/deployments`);
    await page.getByTestId('deployment').first().waitFor();
    // The tabs scrolled sideways with no scrollbar: Deployments and Advisor lay past the edge.
    const off = await page.locator('nav.tabs a').evaluateAll((as) => as.filter((a) => a.getBoundingClientRect().right > document.documentElement.clientWidth).map((a) => a.textContent));
    assert.deepEqual(off, []);
    assert.equal(await page.locator('nav.tabs a.active').textContent(), 'Deployments');
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'the page does not scroll sideways');
  } finally {
    await page.close();
  }
});

test("the service's charts mark each deploy, apart from restarts, and the list under them names the version as text", async () => {
  await data();
  const dialogs: string[] = [];
  const page = await open(`/services/${SERVICE}`, dialogs);
  try {
    const markers = page.locator('.chart-markers li.marker-deploy');
    await eventually('the deploy markers', () => markers.count(), (n) => n === 2);
    assert.deepEqual(await markers.locator('a').evaluateAll((as) => as.map((a) => a.textContent?.replace(/^\d\d:\d\d:\d\d /, ''))), ['deployed 1.0.0 (deployments)', `deployed ${SHOWN} (a1b2c3d4e5f6) (deployments)`]);
    assert.equal(await page.locator('.chart-markers li.marker-restart').count(), 0);
    assert.equal(await page.locator('img').count(), 0);
    await markers.last().locator('a').click();
    await page.getByTestId('deployment').first().waitFor();
    assert.match(new URL(page.url()).pathname, new RegExp(`/services/${SERVICE}/deployments$`));
  } finally {
    await page.close();
  }
  assert.deepEqual(dialogs, []);
});

test("a route's charts on the Transactions page mark each deploy too, where its time steps", async () => {
  // The on-call walkthrough (s15): a deploy made GET /api/search three times slower, and the
  // route's own charts showed the step with no deploy beside it.
  await data();
  const dialogs: string[] = [];
  const page = await open(`/services/${SERVICE}/transactions?range=15m&route=${encodeURIComponent('GET /work')}`, dialogs);
  try {
    const detail = page.getByTestId('route-detail');
    const markers = detail.locator('.chart-markers li.marker-deploy');
    await eventually('the deploy markers under the route\'s response time', () => markers.count(), (n) => n === 2);
    assert.deepEqual(await markers.locator('a').evaluateAll((as) => as.map((a) => a.textContent?.replace(/^\d\d:\d\d:\d\d /, ''))), ['deployed 1.0.0 (deployments)', `deployed ${SHOWN} (a1b2c3d4e5f6) (deployments)`]);
    assert.equal(await page.locator('img').count(), 0);
  } finally {
    await page.close();
  }
  assert.deepEqual(dialogs, []);
});

test('the Instances page says which version each process runs', async () => {
  await data();
  const dialogs: string[] = [];
  const page = await open(`/services/${SERVICE}/instances`, dialogs);
  try {
    const version = (id: string) => page.locator(`[data-instance="${id}"] [data-col="version"]`);
    await version('new-1').waitFor();
    assert.equal(await version('new-1').textContent(), `${SHOWN} (a1b2c3d4e5f6)`);
    assert.equal(await version('new-1').getAttribute('title'), REVISION);
    assert.equal(await version('old-1').textContent(), '1.0.0');
    assert.equal(await page.locator('img').count(), 0);
  } finally {
    await page.close();
  }
  assert.deepEqual(dialogs, []);
});

test("live, a new version's marker appears as its first process starts, not with the page's next 10 s refresh", async () => {
  const service = 'live-deploy';
  const traffic = () =>
    sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'live-old', { 'service.version': '1.0.0' }), (m) => {
      m.histogram('http.server.request.duration', 's', Array(10).fill(0.005), ROUTE);
    });
  await traffic();
  const dialogs: string[] = [];
  const page = await open(`/services/${service}`, dialogs);
  try {
    const reads = { deployments: 0, advisor: 0 };
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname === `/api/services/${service}/deployments`) reads.deployments++;
      if (url.pathname === '/api/advisor') reads.advisor++;
    });
    const markers = page.locator('.chart-markers li.marker-deploy');
    await eventually('1.0.0 marked', () => markers.count(), (n) => n === 1);
    await page.getByText('Live').first().waitFor();
    // Traffic: the page's throttled refresh re-reads what the live frames cannot carry (the
    // advisor's badge, the deploys), then waits 10 s before the next.
    const before = { ...reads };
    await traffic();
    await eventually('the refresh after traffic', async () => reads.advisor, (n) => n > before.advisor);
    await eventually('its deploys read', async () => reads.deployments, (n) => n > before.deployments);
    const refreshed = { ...reads };
    // The new process's start event, as the agent sends it on listen.
    await sendLogs(rig.collector.otlpUrl, serviceResource(service, 'live-new', { 'service.version': '2.0.0' }), [
      { timeMs: Date.now(), body: 'process started', attributes: { 'event.name': 'headroom.process.start', 'headroom.process.startup_ms': 120 } },
    ]);
    await eventually('2.0.0 marked', () => markers.count(), (n) => n === 2, 15_000);
    assert.match((await markers.last().textContent()) ?? '', /deployed 2\.0\.0/);
    assert.deepEqual([reads.deployments - refreshed.deployments, reads.advisor - refreshed.advisor], [1, 0], 'the deploys read once for the new process, without the 10 s refresh');
  } finally {
    await page.close();
  }
  assert.deepEqual(dialogs, []);
});

test('live, a new version under another OTel SDK (no start event) is marked as its first metrics arrive, on the charts and the Deployments tab', async () => {
  const service = 'live-deploy-sdk';
  const old = serviceResource(service, 'sdk-old', { 'service.version': '1.0.0' });
  const traffic = () => sendMetrics(rig.collector.otlpUrl, old, (m) => m.histogram('http.server.request.duration', 's', Array(10).fill(0.005), ROUTE));
  await traffic();
  const dialogs: string[] = [];
  const charts = await open(`/services/${service}`, dialogs);
  const tab = await open(`/services/${service}/deployments`, dialogs);
  try {
    const reads = { advisor: 0 };
    charts.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/advisor') reads.advisor++;
    });
    const markers = charts.locator('.chart-markers li.marker-deploy');
    await eventually('1.0.0 marked', () => markers.count(), (n) => n === 1);
    await eventually('1.0.0 listed', () => tab.getByTestId('deployment').count(), (n) => n === 1);
    await charts.getByText('Live').first().waitFor();
    await tab.getByText('Live').first().waitFor();
    // Traffic: both pages' throttled refreshes run now, and then not for 10 s.
    await traffic();
    await eventually('the refresh after traffic', async () => reads.advisor, (n) => n > 0);
    const refreshed = reads.advisor;
    // 2.0.0's first process reports its runtime alone (no requests yet), and no start event: an
    // app under another SDK. The resource it sends with every batch carries its version.
    await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'sdk-new', { 'service.version': '2.0.0' }), (m) => m.gauge('process.memory.usage', 'By', 50_000_000));
    await eventually('2.0.0 marked', () => markers.count(), (n) => n === 2, 8_000);
    assert.match((await markers.last().textContent()) ?? '', /deployed 2\.0\.0/);
    assert.equal(reads.advisor, refreshed, "the marker came before the page's 10 s refresh");
    await eventually('2.0.0 listed', () => tab.getByTestId('deployment').count(), (n) => n === 2, 8_000);
    assert.equal(await tab.getByTestId('deployment').first().locator('h2').textContent(), '2.0.0');
  } finally {
    await charts.close();
    await tab.close();
  }
  assert.deepEqual(dialogs, []);
});

test('under each deploy, the routes it changed most: the 3× slower one first, said in words, each linked to its charts around the deploy', async () => {
  const service = 'routes-deploy-page';
  const route = (path: string) => ({ 'http.route': path, 'http.request.method': 'GET', 'http.response.status_code': 200 });
  const side = async (instance: string, version: string, searchS: number) => {
    await sendMetrics(rig.collector.otlpUrl, serviceResource(service, instance, { 'service.version': version }), (m) => {
      m.histogram('http.server.request.duration', 's', Array(100).fill(searchS), route('/api/search'));
      m.histogram('http.server.request.duration', 's', Array(80).fill(0.01), route('/'));
    });
  };
  await side('old', '1.0.0', 0.04);
  await eventually('1.0.0 seen', () => api<DeploymentsResponse>(rig.collector.httpUrl, `/api/services/${service}/deployments?range=15m`), (r) => r.deployments.length === 1);
  await new Promise((r) => setTimeout(r, 20));
  await side('new', '2.0.0', 0.12);
  const res = await eventually('2.0.0 after 1.0.0', () => api<DeploymentsResponse>(rig.collector.httpUrl, `/api/services/${service}/deployments?range=15m`), (r) => r.deployments.length === 2 && r.deployments[0]!.after.requests === 180);
  const dialogs: string[] = [];
  const page = await open(`/services/${service}/deployments`, dialogs);
  try {
    const card = page.getByTestId('deployment').first();
    await eventually('the 2.0.0 card', () => card.locator('h2').textContent(), (t) => t === '2.0.0');
    assert.equal(await card.locator('h3').textContent(), 'Routes that changed most (50 requests or more on each side)');
    const rows = card.getByTestId('deployment-routes').locator('tbody tr');
    assert.deepEqual(await rows.locator('th').allTextContents(), ['GET /api/search', 'GET /']);
    const search = await rows.first().locator('td').allTextContents();
    assert.equal(search[0], '100 → 100');
    assert.match(search[1]!, /^4\d(\.\d+)? ms$/);
    assert.match(search[2]!, /^1[12]\d(\.\d+)? ms$/);
    assert.match(search[3]!, /^×\d(\.\d)? worse$/);
    assert.deepEqual(search.slice(4), ['0 %', '0 %', 'no change']);
    assert.equal(await rows.first().locator('td.error-text').count(), 1);
    assert.equal((await rows.nth(1).locator('td').allTextContents())[3], 'no change');
    // The route's own charts over the time around the deploy.
    const href = (await rows.first().getByRole('link').getAttribute('href')) ?? '';
    const url = new URL(href, rig.collector.httpUrl);
    const view = parseView(url.pathname, url.search);
    const deploy = res.deployments[0]!;
    assert.deepEqual([view.page, view.service, view.route, view.range], ['transactions', service, 'GET /api/search', { kind: 'custom', from: deploy.before.from, to: deploy.after.to }]);
    // The first version replaced nothing: no routes table.
    assert.equal(await page.getByTestId('deployment').last().getByTestId('deployment-routes').count(), 0);
  } finally {
    await page.close();
  }
  assert.deepEqual(dialogs, []);
});
