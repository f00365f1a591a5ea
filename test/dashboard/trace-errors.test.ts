// A failed trace says why before any span is clicked: the trace page lists each failing span's
// exception (type and message) or status message, and the trace list's row carries the first
// of them (TraceSummary.errorMessage), over a trace sent as OTLP/JSON at a known time.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { TracesResponse } from '@headroom/collector/api-types';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();
const SERVICE = 'pay-svc';
const TRACE_ID = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const attr = (key: string, value: string | number) => ({ key, value: typeof value === 'number' ? { intValue: value } : { stringValue: value } });

async function sendFailedTrace(): Promise<void> {
  const startNs = BigInt(Date.now() - 60_000) * 1_000_000n;
  const at = (ms: number) => String(startNs + BigInt(ms) * 1_000_000n);
  const spans = [
    // The server span of a 500: status ERROR with no message, as the http instrumentation sets it.
    { traceId: TRACE_ID, spanId: '1000000000000001', name: 'POST /pay', kind: 2, startTimeUnixNano: at(0), endTimeUnixNano: at(40),
      status: { code: 2 }, attributes: [attr('http.route', '/pay'), attr('http.request.method', 'POST'), attr('http.response.status_code', 500)] },
    { traceId: TRACE_ID, spanId: '1000000000000002', parentSpanId: '1000000000000001', name: 'request handler - /pay', kind: 1,
      startTimeUnixNano: at(5), endTimeUnixNano: at(35), status: { code: 2, message: 'card declined: insufficient funds' },
      events: [{ timeUnixNano: at(30), name: 'exception', attributes: [attr('exception.type', 'PaymentError'), attr('exception.message', 'card declined: insufficient funds')] }] },
    { traceId: TRACE_ID, spanId: '1000000000000003', parentSpanId: '1000000000000002', name: 'pg.query SELECT', kind: 3, startTimeUnixNano: at(6), endTimeUnixNano: at(20), status: { code: 0 } },
  ];
  const body = { resourceSpans: [{ resource: { attributes: [attr('service.name', SERVICE), attr('service.instance.id', 'pay-1')] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] };
  const res = await fetch(`${rig.collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
}

test('a failed trace shows its exception in the trace view and its list row without a click', async () => {
  await sendFailedTrace();
  const listed = await eventually('the trace listed', () => api<TracesResponse>(rig.collector.httpUrl, `/api/traces?service=${SERVICE}&range=15m`), (r) => r.traces.length === 1);
  // The root's 500 says nothing; the handler span below it says why.
  assert.equal(listed.traces[0]?.errorMessage, 'PaymentError: card declined: insufficient funds');

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/traces/${TRACE_ID}`);
    const errors = page.locator('[data-testid="trace-errors"]');
    await errors.waitFor();
    assert.equal(await page.locator('[data-testid="span-detail"]').count(), 0, 'no span is open');
    const items = await errors.locator('li').evaluateAll((lis) => lis.map((li) => li.textContent));
    assert.deepEqual(items, ['PaymentError: card declined: insufficient funds in request handler - /pay', 'HTTP 500, no message recorded in POST /pay']);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-trace-errors.png'), fullPage: true });
    // The span named there opens.
    await errors.locator('li').first().locator('button').click();
    assert.match((await page.locator('[data-testid="span-detail"] h2').textContent()) ?? '', /request handler - \/pay/);

    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/traces`);
    const row = page.locator(`[data-testid="traces-table"] tr[data-trace-id="${TRACE_ID}"]`);
    await row.waitFor();
    assert.equal(await row.locator('[data-testid="trace-error"]').textContent(), 'PaymentError: card declined: insufficient funds');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-traces-error-row.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test('at 800 px the trace list fits its width with a long error message: the message is cut to one line, the status stays in view', async () => {
  const service = 'pay-narrow';
  const traceId = 'c0ffee00c0ffee00c0ffee00c0ffee01';
  const startNs = BigInt(Date.now() - 50_000) * 1_000_000n;
  const at = (ms: number) => String(startNs + BigInt(ms) * 1_000_000n);
  const message = 'upstream ledger refused the transfer because the account was locked by a concurrent settlement run (retry after the batch completes)';
  const spans = [{ traceId, spanId: '2000000000000001', name: 'POST /pay', kind: 2, startTimeUnixNano: at(0), endTimeUnixNano: at(40), status: { code: 2, message },
    attributes: [attr('http.route', '/pay'), attr('http.request.method', 'POST'), attr('http.response.status_code', 500)] }];
  const res = await fetch(`${rig.collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [attr('service.name', service), attr('service.instance.id', 'pn-1')] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] }) });
  assert.equal(res.status, 200);
  await eventually('the trace listed', () => api<TracesResponse>(rig.collector.httpUrl, `/api/traces?service=${service}&range=15m`), (r) => r.traces.length === 1);

  const page = await rig.browser.newPage({ viewport: { width: 800, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}/traces`);
    const table = page.getByTestId('traces-table');
    await table.locator(`tr[data-trace-id="${traceId}"] [data-testid="trace-error"]`).waitFor();
    const fit = await table.evaluate((t) => {
      const scroll = t.closest('.table-scroll') as HTMLElement;
      return { scrollWidth: scroll.scrollWidth, clientWidth: scroll.clientWidth };
    });
    assert.ok(fit.scrollWidth <= fit.clientWidth, `the list scrolls sideways, its Status out of view: ${JSON.stringify(fit)}`);
    assert.equal(await table.locator('[data-testid="trace-error"]').getAttribute('title'), message, 'the whole message is the tooltip');
  } finally {
    await page.close();
  }
});
