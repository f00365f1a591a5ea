// The optional tokens: the dashboard token on the HTTP port (API, page, /metrics, /ws) and
// the ingest token on the OTLP port, each with the real clients that would send them.
import assert from 'node:assert/strict';
import http from 'node:http';
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

/** GET with a chosen Host (as a browser sends through an SSH tunnel on another port). */
function getWithHost(url: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number; setCookie: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: target.hostname, port: target.port, path: target.pathname + target.search, headers: { Host: host, ...headers }, agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, setCookie: (res.headers['set-cookie'] ?? []).join('\n') });
    });
    req.on('error', reject);
  });
}

describe('dashboard and ingest tokens', () => {
  let collector: TestCollector;
  let cookieName: string;

  before(async () => {
    collector = await startTestCollector({ dashboardToken: DASHBOARD_TOKEN, ingestToken: INGEST_TOKEN });
    cookieName = `headroom_token_${new URL(collector.httpUrl).port}`;
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
    assert.ok(cookie.startsWith(`${cookieName}=dash-0123456789;`), cookie);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\//);

    const withCookie = await fetch(`${collector.httpUrl}/api/services`, { headers: { Cookie: cookie.split(';')[0] as string } });
    assert.equal(withCookie.status, 200);
  });

  it('sends a browser that opened /?token=… on to the page without the token in the URL', async () => {
    const res = await fetch(`${collector.httpUrl}/?token=${DASHBOARD_TOKEN}`, { redirect: 'manual', headers: { Accept: 'text/html' } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/');
    assert.ok((res.headers.get('set-cookie') ?? '').startsWith(`${cookieName}=`));
    const page = await fetch(`${collector.httpUrl}/`, { headers: { Cookie: `${cookieName}=${DASHBOARD_TOKEN}` } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Headroom/);
  });

  it('names the cookie after the port, so other ports of the host neither read nor overwrite it', async () => {
    const port = new URL(collector.httpUrl).port;
    // A browser sends every cookie of 127.0.0.1 to every port: another collector's, or the
    // unnamed one of earlier versions, is not this collector's token.
    const foreign = await fetch(`${collector.httpUrl}/api/services`, { headers: { Cookie: `headroom_token=${DASHBOARD_TOKEN}; headroom_token_1=${DASHBOARD_TOKEN}` } });
    assert.equal(foreign.status, 401);
    const both = await fetch(`${collector.httpUrl}/api/services`, { headers: { Cookie: `headroom_token_1=other; ${cookieName}=${DASHBOARD_TOKEN}` } });
    assert.equal(both.status, 200);
    // Through a tunnel on another local port, the cookie is named for the port the browser used.
    const tunnelled = await getWithHost(`${collector.httpUrl}/api/services?token=${DASHBOARD_TOKEN}`, 'localhost:9001');
    assert.equal(tunnelled.status, 200);
    assert.match(tunnelled.setCookie, /^headroom_token_9001=dash-0123456789;/);
    assert.equal((await getWithHost(`${collector.httpUrl}/api/services`, 'localhost:9001', { Cookie: `headroom_token_9001=${DASHBOARD_TOKEN}` })).status, 200);
    assert.equal((await getWithHost(`${collector.httpUrl}/api/services`, 'localhost:9001', { Cookie: `headroom_token_${port}=${DASHBOARD_TOKEN}` })).status, 401);
  });

  it('checks the token and the origin at the WebSocket upgrade', async () => {
    const ws = collector.httpUrl.replace('http:', 'ws:') + '/ws';
    assert.equal((await openWs(ws)).status, 401);
    const ok = await openWs(`${ws}?token=${DASHBOARD_TOKEN}`);
    assert.equal(ok.status, 101);
    assert.equal(ok.first?.type, 'hello');
    const withCookie = await openWs(ws, { Cookie: `${cookieName}=${DASHBOARD_TOKEN}` });
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
