// The queue-wait share holds for only the requests that carried a queue-start header
// (docs/api.md): where 2 of 100 did, the service card and the overview's reason say so.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { ServicesResponse } from '@headroom/collector/api-types';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();

test('the queue-wait share says it covers the 2 of 100 requests that carried a queue-start header', async () => {
  const service = 'queue-few-svc';
  const attributes = { 'http.route': '/q', 'http.request.method': 'GET', 'http.response.status_code': 200 };
  // 100 requests of 2 ms; 2 of them came through a proxy that stamped a header and waited 300 ms.
  await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'queue-instance'), (m) => {
    m.histogram('http.server.request.duration', 's', Array.from({ length: 100 }, () => 0.002), attributes);
    m.histogram('headroom.http.server.queue_wait', 's', [0.3, 0.3], attributes);
  });
  const summary = await eventually(
    'the service with its queue-wait share',
    () => api<ServicesResponse>(rig.collector.httpUrl, '/api/services?range=15m'),
    (r) => r.services.some((s) => s.service === service && s.requests === 100 && s.queueWaitShare !== null),
  );
  const me = summary.services.find((s) => s.service === service);
  assert.equal(me?.queueWaitRequests, 2);
  assert.ok((me?.queueWaitShare ?? 0) > 0.25, 'a share the overview flags');

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}`, { waitUntil: 'domcontentloaded' });
    const card = page.locator('[data-testid="service-stats"] .stat', { hasText: 'Queue wait share' });
    await card.waitFor();
    assert.match((await card.textContent()) ?? '', /Queue wait share99 %of the 2 of 100 requests with a queue-start header/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-queue-wait-coverage.png'), fullPage: true });

    await page.goto(`${rig.collector.httpUrl}/`, { waitUntil: 'domcontentloaded' });
    const reasons = page.locator(`tr[data-service="${service}"] ul.reasons`);
    await reasons.waitFor();
    assert.match((await reasons.textContent()) ?? '', /queue wait 99 % of response time · in the 2 of 100 requests with a queue-start header/);
    // Said, but a share over 2 % of the requests does not mark the service as needing attention.
    assert.equal(await page.locator(`tr[data-service="${service}"]`).getAttribute('class'), null);

    // The transactions table's per-route queue wait is the mean of those 2, and says so.
    await page.goto(`${rig.collector.httpUrl}/services/${service}/transactions`, { waitUntil: 'domcontentloaded' });
    const cell = page.locator('[data-testid="transactions-table"] tbody tr[data-route="GET /q"] td[data-col="queue-wait"]');
    await cell.waitFor();
    assert.equal(await cell.textContent(), '300 ms');
    assert.equal(await page.locator('[data-testid="transactions-table"] th', { hasText: 'Queue wait' }).textContent(), 'Queue wait*');
    assert.match((await page.getByTestId('queue-wait-note').textContent()) ?? '', /the mean over only the requests that carried a queue-start header/);
  } finally {
    await page.close();
  }
});
