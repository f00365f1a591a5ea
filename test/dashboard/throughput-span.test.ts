// Throughput on a range longer than the service's life: averaged over the time it reported in
// the range, and said so (QA: 8.6 rpm on 7 days beside a chart at ≈3,400 rpm, for a service an
// hour old). Requests and a gauge point 40 minutes back through the real OTLP exporter; the
// service page and the overview in Chromium.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServicesResponse } from '@headroom/collector/api-types';
import { formatRpm } from '../../dashboard/src/format/units';
import { throughputNote } from '../../dashboard/src/shape/throughput-span';
import { sendGauges } from '../collector/support/advisor-harness';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();
const MINUTE = 60_000;

test('the throughput note says what the figure averages over when the service reported for part of the range', () => {
  const week = { from: 0, to: 7 * 24 * 60 * MINUTE };
  assert.equal(throughputNote({ reportedMs: 41 * MINUTE }, week), 'per minute of the 41 min it reported in this range');
  assert.equal(throughputNote({ reportedMs: week.to }, week), null);
  assert.equal(throughputNote({}, week), null);
  // A service 1.8 minutes old in the 15 minutes under way: said to the second, not floored to "1 min".
  const live = { from: 0, to: 15 * MINUTE };
  assert.equal(throughputNote({ reportedMs: 108_000 }, live, 14.5 * MINUTE), 'per minute of the 1 min 48 s it reported in this range');
  // One that reported until its last export a few seconds ago reported through the range.
  assert.equal(throughputNote({ reportedMs: 14.4 * MINUTE }, live, 14.5 * MINUTE), null);
});

test('on 7 days, a service 40 minutes old shows its rate over those minutes, and says so', async () => {
  const service = 'young-svc';
  const now = Date.now();
  await sendGauges(rig.collector.otlpUrl, { 'service.name': service, 'service.instance.id': 'young-1', 'host.name': 'h1' }, [
    { name: 'nodejs.eventloop.utilization', unit: '1', points: [{ t: now - 40 * MINUTE, v: 0.1 }] },
  ]);
  await sendMetrics(rig.collector.otlpUrl, serviceResource(service, 'young-1', { 'host.name': 'h1' }), (m) => {
    m.histogram('http.server.request.duration', 's', Array.from({ length: 600 }, () => 0.01), { 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 });
  });
  const { services } = await eventually('the 600 requests', () => api<ServicesResponse>(rig.collector.httpUrl, '/api/services?range=7d'), (r) => r.services.some((s) => s.service === service && s.requests === 600));
  const me = services.find((s) => s.service === service)!;
  // 600 requests over the 40-odd minutes it reported in, not over 10,080.
  assert.ok(me.throughputRpm > 14 && me.throughputRpm < 15.1, `throughput ${me.throughputRpm}`);
  const minutes = Math.floor((me.reportedMs ?? 0) / MINUTE);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}?range=7d`);
    const stat = page.locator('[data-testid="stat-throughput"]');
    await stat.waitFor();
    assert.equal(await stat.locator('.stat-value').textContent(), formatRpm(me.throughputRpm));
    assert.equal(await stat.locator('.stat-note').textContent(), `per minute of the ${minutes} min it reported in this range`);

    await page.goto(`${rig.collector.httpUrl}/?range=7d`);
    const cell = page.locator(`tr[data-service="${service}"] [data-col="throughput"]`);
    await cell.waitFor();
    assert.equal(await cell.textContent(), formatRpm(me.throughputRpm));
    assert.equal(await cell.getAttribute('title'), `per minute of the ${minutes} min it reported in this range`);
  } finally {
    await page.close();
  }
});
