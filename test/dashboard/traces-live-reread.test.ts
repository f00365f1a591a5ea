// A live "all traces" list takes traces the live stream does not carry. The stream sends only
// notable traces (failed or slow), so a fast trace exported after the page read its list stayed
// off it until a reload (seen as a flaky deep-link test: 3 of 4 traces shown). The list now
// re-reads as the service's data arrives. Traces and request metrics over OTLP to a real
// collector; Chromium reads the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TracesResponse } from '@headroom/collector/api-types';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { nanos, postOtlpJson, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const SERVICE = 'reread-svc';

async function fastTrace(traceId: string, startMs: number): Promise<void> {
  await postOtlpJson(rig.collector.otlpUrl, 'traces', { resourceSpans: [{ resource: resource(SERVICE, 'rr-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
    { traceId, spanId: `${traceId.slice(0, 15)}1`, name: 'GET /items', kind: 2, startTimeUnixNano: nanos(startMs), endTimeUnixNano: nanos(startMs + 12), status: { code: 0 },
      attributes: [{ key: 'http.route', value: { stringValue: '/items' } }, { key: 'http.request.method', value: { stringValue: 'GET' } }, { key: 'http.response.status_code', value: { intValue: 200 } }] },
  ] }] }] });
}

async function requests(n: number): Promise<void> {
  await sendMetrics(rig.collector.otlpUrl, serviceResource(SERVICE, 'rr-1'), (m) => {
    m.histogram('http.server.request.duration', 's', new Array<number>(n).fill(0.012), { 'http.request.method': 'GET', 'http.route': '/items', 'http.response.status_code': 200 });
  });
}

test('a live list of all traces shows a fast trace that arrives after it was read; the notable list leaves it out', async () => {
  const first = 'a0000000000000000000000000000001';
  const second = 'a0000000000000000000000000000002';
  await fastTrace(first, Date.now() - 30_000);
  await requests(5);
  await eventually('the first trace stored', () => api<TracesResponse>(rig.collector.httpUrl, `/api/traces?service=${SERVICE}&range=15m`), (r) => r.traces.length === 1);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const notable = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/traces?all=1`);
    await page.locator(`[data-testid="traces-table"] tr[data-trace-id="${first}"]`).waitFor();
    await notable.goto(`${rig.collector.httpUrl}/services/${SERVICE}/traces`);
    await notable.getByTestId('traces-note').waitFor();

    // A fast trace (not notable: no live frame for it) and the requests the agent reports with it.
    await fastTrace(second, Date.now() - 1_000);
    await requests(5);
    await eventually('the second trace on the live list', () => page.locator(`[data-testid="traces-table"] tr[data-trace-id="${second}"]`).count(), (n) => n === 1, 15_000);
    assert.equal(await page.locator('[data-testid="traces-table"] tbody tr').count(), 2);
    assert.equal(await notable.locator('[data-testid="traces-table"] tbody tr').count(), 0, 'neither trace is slow or failed');
  } finally {
    await page.close();
    await notable.close();
  }
});
