// Percentiles from too few requests: the rule (p50 from 2 requests, p95 from 20, p99 from 100)
// and, in Chromium over request metrics sent through the OTLP exporter, a service with two
// requests of 48.7 and 244 ms — the QA case where p50 = p95 = p99 = 48.9 ms sat under the mean.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { ServicesResponse } from '@headroom/collector/api-types';
import { responseTimeChart } from '../../dashboard/src/charts/response-time-chart';
import { formatMs, formatPercentile } from '../../dashboard/src/format/units';
import { minRequestsFor, percentileSampleNote, trustedPercentile } from '../../dashboard/src/shape/percentile-sample';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();

test('a percentile needs at least one request above it: p50 from 2 requests, p95 from 20, p99 from 100', () => {
  assert.deepEqual([minRequestsFor('p50'), minRequestsFor('p95'), minRequestsFor('p99')], [2, 20, 100]);
  assert.equal(trustedPercentile(48.9, 2, 'p50'), 48.9);
  assert.equal(trustedPercentile(48.9, 19, 'p95'), null);
  assert.equal(trustedPercentile(48.9, 20, 'p95'), 48.9);
  assert.equal(trustedPercentile(48.9, 99, 'p99'), null);
  assert.equal(formatPercentile(48.9, 2, 'p99'), '–');
  assert.equal(percentileSampleNote(2), 'from 2 requests; p95 needs 20, p99 100');
  assert.equal(percentileSampleNote(1), 'from 1 request; p50 needs 2, p95 20, p99 100');
  assert.equal(percentileSampleNote(100), null);
});

test('the response-time chart draws a bucket\'s percentile only where the bucket has the requests for it', () => {
  const nulls = [null, null, null];
  const c = responseTimeChart({
    from: 0, to: 180_000, service: 's', route: null, instanceId: null, bucketMs: 60_000, t: [0, 60_000, 120_000],
    requests: [2, 30, 150], throughputRpm: [2, 30, 150], errorRate: nulls, p50Ms: [48.9, 50, 51], p95Ms: [48.9, 90, 95], p99Ms: [48.9, 99, 120],
    apdex: nulls, queueWaitMs: nulls, appMs: [141, 60, 60], responseWriteMs: nulls, bodyReadMs: nulls,
  });
  const line = (label: string) => c.series.find((s) => s.label === label)?.values;
  assert.deepEqual(line('p50'), [48.9, 50, 51]);
  assert.deepEqual(line('p95'), [null, 90, 95]);
  assert.deepEqual(line('p99'), [null, null, 120]);
});

test('two requests: the service card and the transactions row show p95 and p99 as dashes with the request count', async () => {
  const service = 'tiny-svc';
  await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'tiny-1'), (m) => {
    m.histogram('http.server.request.duration', 's', [0.0487, 0.244], { 'http.request.method': 'GET', 'http.route': '/tiny', 'http.response.status_code': 200 });
  });
  const { services } = await eventually('the two requests', () => api<ServicesResponse>(rig.collector.httpUrl, '/api/services?range=15m'), (r) => r.services.some((s) => s.service === service && s.requests === 2));
  const me = services.find((s) => s.service === service)!;
  // The store's sketch answers the lower-rank request for every percentile of two.
  assert.ok(me.p99Ms !== null && me.p99Ms < 50, `p99 ${me.p99Ms}`);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}`);
    const stat = page.locator('[data-testid="stat-percentiles"]');
    await stat.waitFor();
    assert.equal(await stat.locator('.stat-value').textContent(), `${formatMs(me.p50Ms)} / – / –`);
    assert.equal(await stat.locator('.stat-note').textContent(), 'from 2 requests; p95 needs 20, p99 100');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-small-sample.png'), fullPage: true });

    await page.goto(`${rig.collector.httpUrl}/services/${service}/transactions`);
    const row = page.locator('tr[data-route="GET /tiny"]');
    await row.waitFor();
    assert.equal(await row.locator('[data-col="p95"]').textContent(), '–');
    assert.equal(await row.locator('[data-col="p95"]').getAttribute('title'), 'from 2 requests; p95 needs 20');
    assert.equal(await row.locator('[data-col="p50"]').textContent(), formatMs(me.p50Ms));
  } finally {
    await page.close();
  }
});
