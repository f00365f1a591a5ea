// HTTP client spans name their peer in the waterfall row (QA3: a `fetch` span named just `GET`,
// several downstream calls told apart only by clicking). From the stable attributes or the
// older ones; host, port and path only. OTLP/JSON to a real collector; Chromium reads the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TraceResponse } from '@headroom/collector/api-types';
import { clientPeer } from '../../dashboard/src/shape/span-peer';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { attr, nanos, postOtlpJson, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const TRACE_ID = 'fee00000000000000000000000000001';

test('the peer is host, port and path, never the query; only for HTTP client spans', () => {
  assert.equal(clientPeer({ kind: 3, attributes: { 'http.request.method': 'GET', 'server.address': 'stock', 'server.port': 41002, 'url.full': 'http://stock:41002/price/a1?token=s3cret' } }), 'stock:41002/price/a1');
  assert.equal(clientPeer({ kind: 3, attributes: { 'http.method': 'POST', 'net.peer.name': 'pay.internal', 'net.peer.port': '8443', 'http.url': 'https://pay.internal:8443/charge' } }), 'pay.internal:8443/charge');
  assert.equal(clientPeer({ kind: 3, attributes: { 'url.full': 'http://[::1]:9000/' } }), '[::1]:9000');
  assert.equal(clientPeer({ kind: 3, attributes: { 'http.request.method': 'GET' } }), null, 'nothing known of the peer');
  assert.equal(clientPeer({ kind: 3, attributes: { 'db.system': 'postgresql', 'server.address': 'db', 'server.port': 5432 } }), null, 'not HTTP');
  assert.equal(clientPeer({ kind: 2, attributes: { 'http.request.method': 'GET', 'server.address': 'shop' } }), null, 'a server span');
  assert.equal(clientPeer({ kind: 3, attributes: { 'url.full': 'not a url', 'http.request.method': 'GET' } }), null);
});

test('each client span’s row names whom it called, as text', async () => {
  const t0 = Date.now() - 60_000;
  const span = (spanId: string, parentSpanId: string | null, name: string, kind: number, from: number, to: number, attributes: ReturnType<typeof attr>[] = []) => ({
    traceId: TRACE_ID, spanId, ...(parentSpanId !== null && { parentSpanId }), name, kind, startTimeUnixNano: nanos(t0 + from), endTimeUnixNano: nanos(t0 + to), status: { code: 0 }, attributes,
  });
  await postOtlpJson(rig.collector.otlpUrl, 'traces', {
    resourceSpans: [{ resource: resource('shop', 'shop-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
      span('f000000000000001', null, 'GET /price/:sku', 2, 0, 100, [attr('http.route', '/price/:sku')]),
      span('f000000000000002', 'f000000000000001', 'GET', 3, 5, 40, [attr('http.request.method', 'GET'), attr('server.address', 'stock'), attr('server.port', 41002), attr('url.full', 'http://stock:41002/price/a1?token=s3cret')]),
      span('f000000000000003', 'f000000000000001', 'POST', 3, 45, 90, [attr('http.method', 'POST'), attr('net.peer.name', '<b>pay</b>'), attr('net.peer.port', 8443)]),
      span('f000000000000004', 'f000000000000001', 'pg.query:SELECT', 3, 91, 95, [attr('db.system', 'postgresql'), attr('server.address', 'db')]),
    ] }] }],
  });
  await eventually('the trace stored', () => api<TraceResponse>(rig.collector.httpUrl, `/api/traces/${TRACE_ID}`), (t) => t.spans.length === 4);

  const page = await rig.browser.newPage({ viewport: { width: 390, height: 800 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/shop/traces/${TRACE_ID}`);
    await page.locator('[data-testid="waterfall"]').waitFor();
    const label = (id: string) => page.locator(`[data-span-id="${id}"] .wf-label`).textContent();
    assert.equal(await label('f000000000000002'), 'GET stock:41002/price/a1');
    // An app's text stays text.
    assert.equal(await label('f000000000000003'), 'POST <b>pay</b>:8443');
    assert.equal(await page.locator('[data-span-id="f000000000000003"] b').count(), 0);
    assert.equal(await label('f000000000000004'), 'pg.query:SELECT');
    assert.equal(await label('f000000000000001'), 'GET /price/:sku');
  } finally {
    await page.close();
  }
});
