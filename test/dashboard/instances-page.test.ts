// The Instances page over a fixed past range says what each process was at the range's end, not
// now: "Last seen" read a time after the range (the process went on reporting) and "Uptime" ran to
// now (s13 left out). And each card's settings control names its process, so a screen reader does
// not hear "Settings reported at start (3)" once per process with nothing telling them apart.
// Data at known past times through the real OTLP exporters; Chromium reads the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { InstancesResponse } from '@headroom/collector/api-types';
import { sendGauges, sendStart } from '../collector/support/advisor-harness';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();
const SERVICE = 'range-procs';
const MINUTE = 60_000;
const NOW = Date.now();
// A fixed past range: ten whole minutes half an hour ago.
const T0 = Math.floor((NOW - 30 * MINUTE) / MINUTE) * MINUTE;
const TO = T0 + 10 * MINUTE;
const RANGE = `from=${T0}&to=${TO}`;

const hhmmss = (ms: number): string => {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
};

/** One point a minute from `from`, and the last at `until`. */
const minutes = (from: number, until: number): { t: number; v: number }[] => {
  const points = [];
  for (let t = from; t < until; t += MINUTE) points.push({ t, v: 100 * 2 ** 20 });
  return [...points, { t: until, v: 100 * 2 ** 20 }];
};

let sent: Promise<void> | undefined;
const data = (): Promise<void> => (sent ??= sendData());

async function sendData(): Promise<void> {
  const settings = { 'server.keepAliveTimeout': 5000, 'server.headersTimeout': 60000, 'uv.threadpool_size': 4 };
  // pid 101 runs through the range and on to now; pid 102 falls silent in the middle of it.
  for (const [pid, until] of [[101, NOW - 5_000], [102, T0 + 5 * MINUTE]] as const) {
    const resource = { 'service.name': SERVICE, 'service.instance.id': `proc-${pid}`, 'process.pid': pid, 'host.name': 'web-1' };
    await sendStart(rig.collector.otlpUrl, resource, settings, T0 + MINUTE);
    await sendGauges(rig.collector.otlpUrl, resource, [{ name: 'process.memory.usage', unit: 'By', points: minutes(T0 + MINUTE, until) }]);
  }
  await eventually('both processes stored', () => api<InstancesResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/instances?${RANGE}`), (r) => r.instances.length === 2);
}

async function openInstances(query: string): Promise<Page> {
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/instances?${query}`);
  await page.locator('article.instance').nth(1).waitFor();
  return page;
}

/** A card's figures, label → value. */
async function figures(page: Page, instanceId: string): Promise<Record<string, string>> {
  const pairs = await page.locator(`article[data-instance="${instanceId}"] dl.kv-grid`).evaluate((dl) =>
    [...dl.querySelectorAll('dt')].map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? '']),
  );
  return Object.fromEntries(pairs);
}

test('over a past range, a process that went on reporting was seen at its end, and its uptime is as of then', async () => {
  await data();
  const page = await openInstances(RANGE);
  try {
    const running = await figures(page, 'proc-101');
    assert.equal(running['Last seen'], "reporting at the range's end", JSON.stringify(running));
    assert.equal(await page.locator('article[data-instance="proc-101"] [data-col="last-seen"]').getAttribute('title'), `last report ${hhmmss(NOW - 5_000)}, after this range`);
    // Started a minute into the range: 9 minutes old at its end, not half an hour.
    assert.equal(running['Uptime'], "9 min at the range's end");
    // The one that fell silent: its last report, and how long it ran until then.
    const silent = await figures(page, 'proc-102');
    assert.equal(silent['Last seen'], hhmmss(T0 + 5 * MINUTE));
    assert.equal(silent['Ran for'], '4 min');
    assert.equal(silent['Uptime'], undefined);
  } finally {
    await page.close();
  }
});

test('over the last hour, last seen is the last report and uptime runs to now', async () => {
  await data();
  const page = await openInstances('range=1h');
  try {
    const running = await figures(page, 'proc-101');
    assert.equal(running['Last seen'], hhmmss(NOW - 5_000));
    assert.match(running['Uptime'] ?? '', /^29 min$|^30 min$/);
  } finally {
    await page.close();
  }
});

test("an alert's link, whose range ends minutes after it fired, shows a process reporting now as live, not gone", async () => {
  // A notification links to its alert's time "from 30 minutes before to 5 after" (alerts/dashboard-link.ts):
  // opened at once, the range ends in the future, and "no report in its last 2 minutes" held for
  // every process — the on-call walkthrough's (s15) only live process read "gone without a stop:
  // killed, crashed or cut off" on the Instances page, and "0 live · 1 gone" on the service page.
  await data();
  const now = Date.now();
  const range = `from=${now - 30 * MINUTE}&to=${now + 5 * MINUTE}`;
  const page = await openInstances(range);
  try {
    assert.equal(await page.locator('article[data-instance="proc-101"]').getAttribute('data-gone'), null, 'reporting now: live');
    assert.equal(await page.locator('article[data-instance="proc-102"]').getAttribute('data-gone'), '1', 'silent for 25 minutes: gone');
    assert.match((await page.getByTestId('instances-note').textContent()) ?? '', /^1 live, 1 gone without a stop/);
    // And the charts fold the gone one away, keeping the live one (all gone, they folded none).
    await eventually('the gone process folded', () => page.getByText('1 gone process hidden: show').count(), (n) => n > 0);
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}?${range}`);
    await eventually('the Instances figure', () => page.getByTestId('stat-instances').locator('.stat-value').textContent(), (t) => t === '1 live · 1 gone');
  } finally {
    await page.close();
  }
});

const CLUSTER = 'cluster-procs';

/** A primary and two workers reporting now, in the order worker 10, worker 2, primary; the workers' settings the same. */
async function sendCluster(): Promise<void> {
  const workerSettings = { 'server.keepAliveTimeout': 5000, 'server.headersTimeout': 60000, cluster_role: 'worker' };
  const processes = [
    { pid: 310, resource: { 'headroom.cluster.worker_id': 10 }, settings: workerSettings },
    { pid: 302, resource: { 'headroom.cluster.worker_id': 2 }, settings: workerSettings },
    { pid: 300, resource: {}, settings: { cluster_role: 'primary' } },
  ];
  for (const [n, p] of processes.entries()) {
    const resource = { 'service.name': CLUSTER, 'service.instance.id': `cluster-${n}`, 'process.pid': p.pid, ...p.resource };
    await sendStart(rig.collector.otlpUrl, resource, p.settings, NOW - 2 * MINUTE + n * 1_000);
    await sendGauges(rig.collector.otlpUrl, resource, [{ name: 'process.memory.usage', unit: 'By', points: minutes(NOW - 2 * MINUTE, NOW - 1_000) }]);
  }
  await eventually('the cluster stored', () => api<InstancesResponse>(rig.collector.httpUrl, `/api/services/${CLUSTER}/instances?range=15m`), (r) => r.instances.length === 3);
}

test("each process's settings control is named for its process; a worker's the same as another's is said so, and closed", async () => {
  await sendCluster();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${CLUSTER}/instances?range=15m`);
    await page.locator('article.instance').nth(2).waitFor();
    // By name, numbers in order, not in the order they were first seen.
    assert.deepEqual(await page.locator('article.instance h2').allTextContents(), ['primary · pid 300', 'worker 2 · pid 302', 'worker 10 · pid 310']);
    // The accessible names Chromium computes for them, from its accessibility tree.
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { role?: { value: string }; name?: { value: string } }[] };
    assert.deepEqual(nodes.filter((n) => n.role?.value === 'DisclosureTriangle').map((n) => n.name?.value), [
      'Settings reported at start (1) by primary · pid 300',
      'Settings reported at start (3) by worker 2 · pid 302',
      'Settings reported at start (3) by worker 10 · pid 310, the same as worker 2 · pid 302',
    ]);
    // What a sighted user reads stays short: the process is the card's heading.
    assert.deepEqual(await page.locator('details.settings > summary').allTextContents(), [
      'Settings reported at start (1)',
      'Settings reported at start (3)',
      'Settings reported at start (3), the same as worker 2 · pid 302',
    ]);
    // The repeat is closed; a click opens it.
    assert.deepEqual(await page.locator('details.settings').evaluateAll((els) => els.map((el) => (el as HTMLDetailsElement).open)), [true, true, false]);
  } finally {
    await page.close();
  }
});

test("live, a new process's card appears as its first data arrives (the live stream's process frame), not with the 10 s refresh", async () => {
  const service = 'live-procs';
  const route = { 'http.route': '/work', 'http.request.method': 'GET', 'http.response.status_code': 200 };
  const first = serviceResource(service, 'live-1', { 'process.pid': 501 });
  const traffic = () => sendMetrics(rig.collector.otlpUrl, first, (m) => m.histogram('http.server.request.duration', 's', Array(10).fill(0.005), route));
  await traffic();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    const reads = { list: 0, series: 0 };
    page.on('request', (r) => {
      const path = new URL(r.url()).pathname;
      if (path === `/api/services/${service}/instances`) reads.list++;
      if (path === `/api/services/${service}/instances/series`) reads.series++;
    });
    await page.goto(`${rig.collector.httpUrl}/services/${service}/instances`);
    const cards = page.locator('article.instance');
    await eventually('the first process listed', () => cards.count(), (n) => n === 1);
    await page.getByText('Live').first().waitFor();
    // Traffic: the page's throttled refresh runs now, and then not for 10 s.
    const before = reads.series;
    await traffic();
    await eventually('the refresh after traffic', async () => reads.series, (n) => n > before);
    const refreshed = reads.series;
    // A second process reports its runtime alone, with no start event (an app under another
    // OTel SDK): the collector's process frame is all that says it is new.
    await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'live-2', { 'process.pid': 502 }), (m) => m.gauge('process.memory.usage', 'By', 50_000_000));
    await eventually('the second process listed', () => cards.count(), (n) => n === 2, 8_000);
    assert.deepEqual((await page.locator('article.instance h2').allTextContents()).sort(), ['pid 501', 'pid 502']);
    assert.equal(reads.series, refreshed, "the card came before the page's 10 s refresh");
  } finally {
    await page.close();
  }
});
