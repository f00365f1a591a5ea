// A name from an app cannot reorder what the dashboard shows (QA4 defect 8b): a U+202E
// (right-to-left override) in a service name, a route or an exception message is shown as a
// visible "⟨U+202E⟩", and the characters after it are drawn in their stored order ("live"
// stays "live", not "evil"). Data through the OTLP port; Chromium measures where each character
// landed.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Locator } from 'playwright';
import type { TracesResponse, TransactionsResponse } from '@headroom/collector/api-types';
import type { ChartSpec } from '../../dashboard/src/charts/chart-spec';
import { toUplotOptions } from '../../dashboard/src/charts/uplot-options';
import { showBidiControls } from '../../dashboard/src/format/bidi-controls';
import { sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();
const RLO = '\u202E';
const SERVICE = `pay-${RLO}live`;
const ROUTE = `/${RLO}live/:id`;
const TRACE_ID = 'b1d1b1d1b1d1b1d1b1d1b1d1b1d1b1d1';
const MESSAGE = `declined ${RLO}live`;
const attr = (key: string, value: string | number) => ({ key, value: typeof value === 'number' ? { intValue: value } : { stringValue: value } });

test('every bidi control is shown as its code point; other text, right-to-left letters included, is left alone', () => {
  assert.equal(showBidiControls(`a\u202Ab\u202Bc\u202Cd\u202De\u202Ef`), 'a⟨U+202A⟩b⟨U+202B⟩c⟨U+202C⟩d⟨U+202D⟩e⟨U+202E⟩f');
  assert.equal(showBidiControls('\u2066\u2067\u2068\u2069\u200E\u200F\u061C'), '⟨U+2066⟩⟨U+2067⟩⟨U+2068⟩⟨U+2069⟩⟨U+200E⟩⟨U+200F⟩⟨U+061C⟩');
  assert.equal(showBidiControls('GET /users/:id שלום مرحبا'), 'GET /users/:id שלום مرحبا');
});

async function sendFailedTrace(): Promise<void> {
  const startNs = BigInt(Date.now() - 60_000) * 1_000_000n;
  const at = (ms: number) => String(startNs + BigInt(ms) * 1_000_000n);
  const spans = [
    { traceId: TRACE_ID, spanId: '2000000000000001', name: `GET ${ROUTE}`, kind: 2, startTimeUnixNano: at(0), endTimeUnixNano: at(40),
      status: { code: 2, message: MESSAGE }, attributes: [attr('http.route', ROUTE), attr('http.request.method', 'GET'), attr('http.response.status_code', 500)],
      events: [{ timeUnixNano: at(30), name: 'exception', attributes: [attr('exception.type', 'Error'), attr('exception.message', MESSAGE)] }] },
  ];
  const body = { resourceSpans: [{ resource: { attributes: [attr('service.name', SERVICE), attr('service.instance.id', 'bidi-1')] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] };
  const res = await fetch(`${rig.collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
}

/** The element's text and the left edge of each visible character, in the text's order. */
async function drawnOrder(el: Locator): Promise<{ text: string; lefts: number[] }> {
  return el.evaluate((node) => {
    const lefts: number[] = [];
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t !== null; t = walker.nextNode()) {
      for (let i = 0; i < (t.textContent ?? '').length; i++) {
        const range = document.createRange();
        range.setStart(t, i);
        range.setEnd(t, i + 1);
        const rect = range.getBoundingClientRect();
        if (rect.width > 0) lefts.push(rect.left);
      }
    }
    return { text: node.textContent ?? '', lefts };
  });
}

async function assertShownInOrder(el: Locator, expected: string): Promise<void> {
  const { text, lefts } = await drawnOrder(el);
  assert.equal(text, expected);
  assert.ok(!text.includes(RLO), 'no bidi control reaches the page');
  for (let i = 1; i < lefts.length; i++) assert.ok(lefts[i]! > lefts[i - 1]!, `"${text}": character ${i} is drawn left of the one before it (${lefts.join(', ')})`);
}

test("a chart's legend (which uPlot writes itself, past the page's hook) shows the control too", () => {
  const spec: ChartSpec = { key: 'k', title: 'memory', unit: 'bytes', x: [0], series: [{ label: `host-${RLO}live · pid 7`, values: [1], color: '#000' }] };
  const options = toUplotOptions(spec, { width: 400, height: 200 }, { xRange: () => null, spec: () => spec, onSelect: null });
  assert.equal(options.series[1]?.label, 'host-⟨U+202E⟩live · pid 7');
});

test('a service, a route and an exception message with U+202E show it as ⟨U+202E⟩, the text in its stored order', async () => {
  await sendMetrics(rig.collector.otlpUrl, serviceResource(SERVICE, 'bidi-1'), (m) => {
    m.histogram('http.server.request.duration', 's', [0.01, 0.02], { 'http.request.method': 'GET', 'http.route': ROUTE, 'http.response.status_code': 200 });
  });
  await sendFailedTrace();
  const service = encodeURIComponent(SERVICE);
  await eventually('the route stored', () => api<TransactionsResponse>(rig.collector.httpUrl, `/api/services/${service}/transactions?range=15m`), (r) => r.transactions.length === 1);
  await eventually('the trace stored', () => api<TracesResponse>(rig.collector.httpUrl, `/api/traces?service=${service}&range=15m`), (r) => r.traces.length === 1);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/`);
    const link = page.locator('a.service-link', { hasText: 'pay-' });
    await link.waitFor();
    await assertShownInOrder(link, 'pay-⟨U+202E⟩live');

    await page.goto(`${rig.collector.httpUrl}/services/${service}/transactions`);
    const route = page.locator('td.route-cell a').first();
    await route.waitFor();
    await assertShownInOrder(route, 'GET /⟨U+202E⟩live/:id');

    await page.goto(`${rig.collector.httpUrl}/services/${service}/traces/${TRACE_ID}`);
    const error = page.locator('[data-testid="trace-errors"] li').first();
    await error.waitFor();
    const { text } = await drawnOrder(error);
    assert.ok(text.includes('declined ⟨U+202E⟩live'), text);
    assert.ok(!text.includes(RLO), text);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-bidi-controls.png'), fullPage: true });
  } finally {
    await page.close();
  }
});
