// The optional tokens: the dashboard token on the HTTP port (API, page, /metrics, /ws) and
// the ingest token on the OTLP port, each with the real clients that would send them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { ApiError, LiveServerMessage, ServicesResponse } from '../../collector/src/api-types';
import { otlpTypes } from '../../collector/src/receiver/decode/proto-root';
import { getJson, sendTraces, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';

const DASHBOARD_TOKEN = 'dash-0123456789';
const INGEST_TOKEN = 'ingest-0123456789';

function openWs(url: string, headers: Record<string, string> = {}): Promise<{ status: number | null; first?: LiveServerMessage }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode ?? null });
    });
    ws.once('message', (data) => {
      ws.close();
      resolve({ status: 101, first: JSON.parse(data.toString()) as LiveServerMessage });
    });
    ws.once('error', () => undefined);
  });
}

describe('dashboard and ingest tokens', () => {
  let collector: TestCollector;

  before(async () => {
    collector = await startTestCollector({ dashboardToken: DASHBOARD_TOKEN, ingestToken: INGEST_TOKEN });
  });

  after(async () => {
    await collector.dispose();
  });

  it('answers 401 on /api, /metrics and the page without the dashboard token', async () => {
    const api = await getJson<ApiError>(`${collector.httpUrl}/api/services`);
    assert.equal(api.status, 401);
    assert.equal(api.body.error.code, 'HR_API_UNAUTHORIZED');
    assert.match(api.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await getJson<ApiError>(`${collector.httpUrl}/api/services`, { headers: { Authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    assert.equal((await fetch(`${collector.httpUrl}/metrics`)).status, 401);
    const page = await fetch(`${collector.httpUrl}/`);
    assert.equal(page.status, 401);
    assert.match(await page.text(), /HR_API_UNAUTHORIZED/);
  });

  it('keeps /healthz open for probes', async () => {
    assert.equal((await fetch(`${collector.httpUrl}/healthz`)).status, 200);
  });

  it('accepts the token as a Bearer header, a query parameter or the cookie it sets', async () => {
    const header = await getJson<ServicesResponse>(`${collector.httpUrl}/api/services`, { headers: { Authorization: `Bearer ${DASHBOARD_TOKEN}` } });
    assert.equal(header.status, 200);
    assert.ok(Array.isArray(header.body.services));

    const query = await fetch(`${collector.httpUrl}/api/services?token=${DASHBOARD_TOKEN}`);
    assert.equal(query.status, 200);
    const cookie = query.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^headroom_token=dash-0123456789;/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);

    const withCookie = await fetch(`${collector.httpUrl}/api/services`, { headers: { Cookie: cookie.split(';')[0] as string } });
    assert.equal(withCookie.status, 200);
  });

  it('sends a browser that opened /?token=… on to the page without the token in the URL', async () => {
    const res = await fetch(`${collector.httpUrl}/?token=${DASHBOARD_TOKEN}`, { redirect: 'manual', headers: { Accept: 'text/html' } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/');
    assert.match(res.headers.get('set-cookie') ?? '', /^headroom_token=/);
    const page = await fetch(`${collector.httpUrl}/`, { headers: { Cookie: `headroom_token=${DASHBOARD_TOKEN}` } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Headroom/);
  });

  it('checks the token and the origin at the WebSocket upgrade', async () => {
    const ws = collector.httpUrl.replace('http:', 'ws:') + '/ws';
    assert.equal((await openWs(ws)).status, 401);
    const ok = await openWs(`${ws}?token=${DASHBOARD_TOKEN}`);
    assert.equal(ok.status, 101);
    assert.equal(ok.first?.type, 'hello');
    const withCookie = await openWs(ws, { Cookie: `headroom_token=${DASHBOARD_TOKEN}` });
    assert.equal(withCookie.status, 101);
    const foreign = await openWs(`${ws}?token=${DASHBOARD_TOKEN}`, { Origin: 'https://evil.example' });
    assert.equal(foreign.status, 403);
  });

  it('refuses OTLP data without the ingest token with a google.rpc.Status 401, and takes it with the token', async () => {
    const res = await fetch(`${collector.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [] }),
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const status = (await res.json()) as { code: number; message: string };
    assert.equal(status.code, 16);
    assert.match(status.message, /HR_API_INGEST_UNAUTHORIZED/);

    const proto = await fetch(`${collector.otlpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-protobuf', Authorization: 'Bearer wrong' },
      body: new Uint8Array(0),
    });
    assert.equal(proto.status, 401);
    assert.equal(proto.headers.get('content-type'), 'application/x-protobuf');
    const decoded = otlpTypes().status.decode(new Uint8Array(await proto.arrayBuffer())) as unknown as { code: number; message: string };
    assert.equal(decoded.code, 16);
    assert.match(decoded.message, /HR_API_INGEST_UNAUTHORIZED/);

    const resource = serviceResource('tokened', 'tokened-1');
    const spec = [{ name: 'GET /x', startMs: Date.now() - 1000, durationMs: 5, attributes: { 'http.route': '/x' } }];
    await assert.rejects(sendTraces(collector.otlpUrl, resource, spec), 'the exporter reports the refusal');
    const [traceId] = await sendTraces(collector.otlpUrl, resource, spec, INGEST_TOKEN);
    await collector.storage.flush();
    const trace = await fetch(`${collector.httpUrl}/api/traces/${traceId}`, { headers: { Authorization: `Bearer ${DASHBOARD_TOKEN}` } });
    assert.equal(trace.status, 200);
  });
});
