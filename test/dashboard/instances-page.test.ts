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

test("each process's settings control is named for its process", async () => {
  await data();
  const page = await openInstances(RANGE);
  try {
    const summaries = page.locator('details.settings > summary');
    assert.equal(await summaries.count(), 2);
    // The accessible name Chromium computes for each (its text, with what is there for screen readers only).
    const names = await summaries.evaluateAll((els) => els.map((el) => el.textContent));
    assert.deepEqual(names, ['Settings reported at start (3) by pid 101', 'Settings reported at start (3) by pid 102']);
    // What a sighted user reads stays short: the process is the card's heading.
    const shown = await summaries.evaluateAll((els) => els.map((el) => [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE || (n as Element).getBoundingClientRect().width > 1).map((n) => n.textContent).join('')));
    assert.deepEqual(shown, ['Settings reported at start (3)', 'Settings reported at start (3)']);
    const snapshot = await page.locator('[data-testid="instances-table"]').ariaSnapshot();
    assert.match(snapshot, /Settings reported at start \(3\) by pid 101/);
    assert.match(snapshot, /Settings reported at start \(3\) by pid 102/);
  } finally {
    await page.close();
  }
});
