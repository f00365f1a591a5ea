// Telemetry the agents dropped, on the dashboard: the service page says the range is
// incomplete, hatches the span on the request charts and lists it in words; the instances page
// shows each process's counts. Data sent at known times through the real OTLP exporter.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Attributes } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';
import { ValueType } from '@opentelemetry/api';
import type { Page } from 'playwright-core';
import type { ServiceSeriesResponse } from '@headroom/collector/api-types';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';

const MINUTE = 60_000;
const SERVICE = 'gaps-svc';
const rig = useCollectorAndBrowser();

const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6];

/** Per minute: the requests one instance served (a delta histogram) and its dropped counts (the agent's cumulative Sum). */
function minuteReport(startMs: number, endMs: number, requests: number, dropped: { spans: number; metrics: number; logs: number }): MetricData[] {
  const attrs: Attributes = { 'http.route': '/orders', 'http.request.method': 'GET', 'http.response.status_code': 200 };
  return [
    {
      descriptor: { name: 'http.server.request.duration', description: '', unit: 's', valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: [
        {
          startTime: hr(endMs - MINUTE + 1),
          endTime: hr(endMs),
          attributes: attrs,
          value: { buckets: { boundaries: [0.05], counts: [requests, 0] }, count: requests, sum: requests * 0.02, min: 0.02, max: 0.02 },
        },
      ],
    },
    {
      descriptor: { name: 'headroom.agent.dropped', description: '', unit: '{item}', valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: false,
      dataPoints: Object.entries(dropped).map(([signal, value]) => ({ startTime: hr(startMs), endTime: hr(endMs), attributes: { 'headroom.signal': signal }, value })),
    },
  ];
}

async function send(instanceId: string, metrics: MetricData[]): Promise<void> {
  const exporter = new OTLPMetricExporter({ url: `${rig.collector.otlpUrl}/v1/metrics` });
  const resource = resourceFromAttributes({ 'service.name': SERVICE, 'service.instance.id': instanceId });
  const result = await new Promise<ExportResult>((resolve) => exporter.export({ resource, scopeMetrics: [{ scope: { name: '@headroom/agent' }, metrics }] }, resolve));
  await exporter.shutdown();
  assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
}

/** The longest run of non-white pixels in a row near the top of a chart's plot area (above the data). */
async function longestShadedRun(page: Page, chart: string): Promise<{ run: number; width: number }> {
  return page.locator(`[data-chart="${chart}"] .uplot`).evaluate((plot) => {
    const canvas = plot.querySelector('canvas') as HTMLCanvasElement;
    const over = plot.querySelector('.u-over') as HTMLElement;
    const scale = canvas.width / canvas.getBoundingClientRect().width;
    const y = Math.round((over.offsetTop + 3) * scale);
    const x0 = Math.round(over.offsetLeft * scale);
    const w = Math.round(over.offsetWidth * scale);
    const row = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(x0, y, w, 1).data;
    let best = 0;
    let run = 0;
    for (let i = 0; i < w; i++) {
      // The canvas is transparent where nothing is drawn. Grid lines are single pixels; the
      // band is a run of translucent grey at least a few pixels wide.
      run = (row[4 * i + 3] as number) > 20 ? run + 1 : 0;
      best = Math.max(best, run);
    }
    return { run: best, width: w };
  });
}

test('dropped telemetry: the service page marks the incomplete span in words and on the charts; the instances page shows each process\'s counts', async () => {
  const base = Math.floor(Date.now() / MINUTE) * MINUTE - 12 * MINUTE;
  const nothing = { spans: 0, metrics: 0, logs: 0 };
  // Instance a serves 600 requests a minute. The collector is down in minutes 6 and 7: of
  // those minutes only the intervals the agent could hold arrive (a third of the requests),
  // each report counting what was dropped before it.
  const lostBy: Record<number, { spans: number; metrics: number; logs: number }> = {
    6: { spans: 300, metrics: 150, logs: 0 },
    7: { spans: 581, metrics: 201, logs: 0 },
  };
  for (let m = 1; m <= 10; m++) {
    const lost = lostBy[m] ?? (m > 7 ? { spans: 581, metrics: 201, logs: 0 } : nothing);
    await send('a', minuteReport(base, base + m * MINUTE + 30_000, m === 6 || m === 7 ? 200 : 600, lost));
  }
  // Instance b's first report, in minute 7, counts metric points lost since it started.
  await send('b', minuteReport(base + 6 * MINUTE, base + 7 * MINUTE + 40_000, 10, { spans: 0, metrics: 50, logs: 0 }));
  const series = await eventually(
    'the dropped counts in the series',
    () => api<ServiceSeriesResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/series?range=15m`),
    (s) => s.dropped.total.spans === 581 && s.dropped.total.metricPoints === 251,
  );
  assert.equal(series.dropped.gaps.length, 3);
  // Minute 5 holds a's last report before the loss, 6 and 7 the reports that counted it; b
  // (no start event stored) from its first report's minute.
  assert.deepEqual(series.dropped.buckets.map((b) => [b.t - base, b.instances]), [[5 * MINUTE, 1], [6 * MINUTE, 1], [7 * MINUTE, 2]]);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}?range=15m`, { waitUntil: 'domcontentloaded' });
    await page.locator('[data-chart="throughput"] canvas').waitFor();
    const note = await page.locator('[data-testid="telemetry-incomplete"]').textContent();
    assert.match(note ?? '', /^Telemetry incomplete in this range: 251 metric points, 581 spans dropped by 2 instances/);
    const listed = await page.locator('[data-testid="telemetry-gaps"] li').allTextContents();
    assert.equal(listed.length, 1, JSON.stringify(listed));
    assert.match(listed[0] ?? '', /telemetry incomplete: 251 metric points, 581 spans dropped by 2 instances$/);
    for (const chart of ['response-time', 'throughput', 'error-rate', 'apdex']) {
      assert.equal(await page.locator(`[data-chart="${chart}"]`).getAttribute('data-gaps'), '1', chart);
    }
    assert.match((await page.locator('[data-chart="throughput"] .chart-incomplete').getAttribute('title')) ?? '', /581 spans/);
    // The span is drawn: a band of grey several pixels wide above the data, where an
    // unmarked chart has only single-pixel grid lines.
    const band = await longestShadedRun(page, 'throughput');
    assert.ok(band.run >= 8 && band.run < band.width / 2, `a hatched band over part of the throughput chart: ${JSON.stringify(band)}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-telemetry-gaps.png'), fullPage: true });

    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/instances?range=15m`, { waitUntil: 'domcontentloaded' });
    const a = page.locator('[data-instance="a"] [data-col="dropped"]');
    await a.waitFor();
    assert.equal(await a.textContent(), '581 spans, 201 metric points, 0 log records since start (all in this range)');
    assert.equal(await page.locator('[data-instance="b"] [data-col="dropped"]').textContent(), '0 spans, 50 metric points, 0 log records since start (all in this range)');
  } finally {
    await page.close();
  }
});
