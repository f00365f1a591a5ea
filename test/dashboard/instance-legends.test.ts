// Per-instance charts after restarts (QA3): the legend's "latest" minute is the newest one most
// processes have reported, not one a single process has begun; processes gone by the end of
// the range are folded into one "N gone" toggle instead of a legend row per series. Memory
// points at known minutes over OTLP/JSON to a real collector; Chromium reads the service page.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { InstanceSeriesResponse } from '@headroom/collector/api-types';
import { legendIndex } from '../../dashboard/src/charts/legend-index';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { nanos, postOtlpJson, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const MINUTE = 60_000;
const MiB = 1024 * 1024;

test('the legend minute is the newest a majority of the recent series have a value in', () => {
  const line = (values: (number | null)[]) => ({ label: 'x', values, color: '#000', style: 'line' as const });
  const spec = (series: ReturnType<typeof line>[]) => ({ key: 'k', title: 't', unit: 'ms' as const, x: [0, 1, 2, 3], series });
  // One of five has begun the newest minute: the one before, which all five have, is shown.
  assert.equal(legendIndex(spec([line([1, 1, 1, 1]), ...Array.from({ length: 4 }, () => line([1, 1, 1, null]))])), 2);
  // Three of five have: the newest.
  assert.equal(legendIndex(spec([...Array.from({ length: 3 }, () => line([1, 1, 1, 1])), line([1, 1, 1, null]), line([1, 1, 1, null])])), 3);
  // A series that stopped two minutes ago does not hold the legend back.
  assert.equal(legendIndex(spec([line([1, 1, 1, 1]), line([1, 1, null, null])])), 3);
});

async function sendRss(service: string, instanceId: string, minutes: number[], bytes: number): Promise<void> {
  await postOtlpJson(rig.collector.otlpUrl, 'metrics', {
    resourceMetrics: [{ resource: resource(service, instanceId), scopeMetrics: [{ scope: { name: 't' }, metrics: [
      { name: 'process.memory.usage', unit: 'By', gauge: { dataPoints: minutes.map((t) => ({ timeUnixNano: nanos(t), asInt: String(bytes) })) } },
    ] }] }],
  });
}

test('after a restart the memory legend shows live processes at a minute they all reported; the gone one is one toggle', async () => {
  const service = 'restarted-svc';
  const now = Date.now();
  const m0 = Math.floor(now / MINUTE) * MINUTE;
  const before = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, k) => m0 - (from - k) * MINUTE + 5_000);
  // inst-a has begun the current minute, inst-b not yet; inst-old stopped 5 minutes ago.
  await sendRss(service, 'inst-a', [...before(5, 1), Math.min(now, m0 + 1_000)], 200 * MiB);
  await sendRss(service, 'inst-b', before(5, 1), 150 * MiB);
  await sendRss(service, 'inst-old', before(12, 6), 300 * MiB);
  await eventually('three processes', () => api<InstanceSeriesResponse>(rig.collector.httpUrl, `/api/services/${service}/instances/series?range=15m`), (r) => r.instances.length === 3);

  const page = await rig.browser.newPage({ viewport: { width: 390, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}`, { waitUntil: 'domcontentloaded' });
    const chart = page.locator('figure[data-chart="memory"]');
    const rows = chart.locator('.u-legend .u-series');
    await rows.first().waitFor();
    // The time row and 3 measures of each live process; inst-old folded away.
    assert.equal(await rows.count(), 1 + 2 * 3);
    assert.equal(await chart.locator('.u-legend', { hasText: 'inst-old' }).count(), 0);
    const toggle = chart.getByTestId('gone-toggle');
    assert.equal(await toggle.textContent(), '1 gone process hidden: show');
    // Both live processes read at one minute both reported: no dash for inst-b.
    const value = (label: string) => chart.locator('.u-legend .u-series', { hasText: label }).locator('.u-value').textContent();
    assert.equal(await value('inst-a RSS'), '200 MiB');
    assert.equal(await value('inst-b RSS'), '150 MiB');
    assert.match((await rows.first().locator('.u-value').textContent()) ?? '', /\(latest\)$/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-instance-legends-390.png'), fullPage: false });

    await toggle.click();
    await chart.locator('.u-legend', { hasText: 'inst-old RSS' }).waitFor();
    assert.equal(await rows.count(), 1 + 3 * 3);
    assert.equal(await toggle.textContent(), 'hide 1 gone');
  } finally {
    await page.close();
  }
});
