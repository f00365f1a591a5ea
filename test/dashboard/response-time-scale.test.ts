// The response-time chart's scale (QA3): one minute of 16.6 s queue wait set the y scale and
// flattened app time, p50 and p95 to 0. Queue wait is drawn against an axis of its own, and a
// click on a legend entry hides that series and rescales to the rest. Metrics sent over OTLP to
// a real collector; Chromium draws the service page.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { ServiceSeriesResponse } from '@headroom/collector/api-types';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();

test('queue wait takes its own axis, and a legend click hides a series and rescales', async () => {
  const service = 'saturated-svc';
  const attributes = { 'http.route': '/hash', 'http.request.method': 'GET', 'http.response.status_code': 200 };
  // 100 requests: 98 of 50 ms, 2 of 400 ms (so a p99 of ~400 ms); each waited 16.6 s behind the proxy.
  await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'sat-1'), (m) => {
    m.histogram('http.server.request.duration', 's', [...Array.from({ length: 98 }, () => 0.05), 0.4, 0.4], attributes);
    m.histogram('headroom.http.server.queue_wait', 's', Array.from({ length: 100 }, () => 16.6), attributes);
  });
  await eventually('the minute with its queue wait', () => api<ServiceSeriesResponse>(rig.collector.httpUrl, `/api/services/${service}/series?range=15m`), (s) => s.queueWaitMs.some((v) => v !== null));

  for (const width of [1280, 390]) {
    const page = await rig.browser.newPage({ viewport: { width, height: 900 } });
    try {
      await page.goto(`${rig.collector.httpUrl}/services/${service}`, { waitUntil: 'domcontentloaded' });
      const plot = page.locator('figure[data-chart="response-time"] .uplot');
      await plot.waitFor();
      await page.waitForFunction(() => document.querySelector('figure[data-chart="response-time"] .uplot')?.getAttribute('data-y-max') !== null);
      const yMax = Number(await plot.getAttribute('data-y-max'));
      const ownMax = Number(await plot.getAttribute('data-own-max'));
      // The in-app lines keep their scale (p99 ~400 ms); the 16.6 s wait has its own.
      assert.ok(yMax > 300 && yMax < 1000, `left axis up to ${yMax} ms`);
      assert.ok(ownMax >= 16_600, `queue axis up to ${ownMax} ms`);
      await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-response-time-scale-${width}.png`), fullPage: false });

      // Hiding p99 rescales the left axis to app time and p50/p95 (~50 ms).
      const p99 = page.locator('figure[data-chart="response-time"] .u-legend .u-series', { hasText: 'p99' });
      await p99.locator('.u-label').click();
      assert.match((await p99.getAttribute('class')) ?? '', /u-off/);
      await page.waitForFunction(() => Number(document.querySelector('figure[data-chart="response-time"] .uplot')?.getAttribute('data-y-max')) < 100);
    } finally {
      await page.close();
    }
  }
});
