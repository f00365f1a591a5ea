// The response-time chart in Chromium over request metrics sent at a known time: a trickled
// 3.2 s upload shows as body read, its own part of the stack, not as app time.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { ServiceSeriesResponse } from '@headroom/collector/api-types';
import { formatMs } from '../../dashboard/src/format/units';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();

async function legend(page: Page, chart: string): Promise<Record<string, string>> {
  const rows = await page.locator(`[data-chart="${chart}"] .u-legend .u-series`).evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector('.u-label')?.textContent ?? '', tr.querySelector('.u-value')?.textContent ?? '']),
  );
  return Object.fromEntries(rows);
}

test('a slow upload is drawn as body read, and the app part leaves it out', async () => {
  const service = 'upload-ui-svc';
  const post = { 'http.request.method': 'POST', 'http.route': '/upload', 'http.response.status_code': 200 };
  await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'upload-1'), (m) => {
    m.histogram('http.server.request.duration', 's', [3.2, 0.1, 0.1, 0.1], post);
    m.histogram('headroom.http.server.request_body.duration', 's', [3.19, 0.01], post);
    m.histogram('headroom.http.server.response_write.duration', 's', [0.002, 0.002, 0.002, 0.002], post);
  });
  const series = await eventually('the four requests', () => api<ServiceSeriesResponse>(rig.collector.httpUrl, `/api/services/${service}/series?range=15m`), (s) => s.requests.includes(4));
  const i = series.requests.indexOf(4);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}`);
    await page.locator('[data-chart="response-time"] canvas').waitFor();
    const shown = await eventually('the legend', () => legend(page, 'response-time'), (l) => 'body read (mean)' in l);
    assert.equal(shown['body read (mean)'], formatMs(series.bodyReadPerRequestMs[i]), JSON.stringify(shown));
    assert.equal(shown['body read (mean)'], '800 ms');
    assert.equal(shown['app (mean)'], formatMs(series.appMs[i]));
    assert.equal(shown['app (mean)'], '73 ms');
    assert.equal(shown['response write (mean)'], '2 ms');
    await page.locator('[data-chart="response-time"]').screenshot({ path: path.join(ARTIFACTS, 'dashboard-body-read.png') });
  } finally {
    await page.close();
  }
});
