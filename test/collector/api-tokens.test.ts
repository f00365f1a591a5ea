// The optional tokens: the dashboard token on the HTTP port (API, page, /metrics, /ws) and
// the ingest token on the OTLP port, each with the real clients that would send them. No
// cookie: the page's shell is open, and the page sends the token itself.
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
  let cookieName: string;

  before(async () => {
    collector = await startTestCollector({ dashboardToken: DASHBOARD_TOKEN, ingestToken: INGEST_TOKEN });
    cookieName = `headroom_token_${new URL(collector.httpUrl).port}`;
  });

  after(async () => {
    await collector.dispose();
  });

  it('answers 401 on /api and /metrics without the dashboard token', async () => {
    const api = await getJson<ApiError>(`${collector.httpUrl}/api/services`);
    assert.equal(api.status, 401);
    assert.equal(api.body.error.code, 'HR_API_UNAUTHORIZED');
    assert.match(api.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await getJson<ApiError>(`${collector.httpUrl}/api/services`, { headers: { Authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    const metrics = await getJson<ApiError>(`${collector.httpUrl}/metrics`);
    assert.equal(metrics.status, 401);
    assert.equal(metrics.body.error.code, 'HR_API_UNAUTHORIZED');
    assert.equal((await fetch(`${collector.httpUrl}/metrics?token=${DASHBOARD_TOKEN}`)).status, 200, 'a scraper may send it as ?token=');
  });

  it('asks for the token on every spelling of a data path the router answers to', async () => {
    // Express matches paths without regard to case, and /metrics also as /metrics/: each of
    // these reached the data without a token (QA: GET /API/services answered 200).
    for (const path of ['/API/services', '/Api/alerts/destinations', '/api/services/', '/METRICS', '/metrics/', '/Metrics/']) {
      const res = await fetch(`${collector.httpUrl}${path}`);
      assert.equal(res.status, 401, path);
    }
    const write = await fetch(`${collector.httpUrl}/API/alerts/destinations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'sneaky', type: 'webhook', url: 'http://127.0.0.1:9/hook' }),
    });
    assert.equal(write.status, 401);
    const list = await getJson<{ destinations: unknown[] }>(`${collector.httpUrl}/api/alerts/destinations`, { headers: { Authorization: `Bearer ${DASHBOARD_TOKEN}` } });
    assert.deepEqual(list.body.destinations, [], 'nothing was added');
  });

  it('serves the page shell without the token, the same as a collector without one', async () => {
    const open = await startTestCollector();
    try {
      for (const path of ['/', '/services/checkout/traces']) {
        const guarded = await fetch(`${collector.httpUrl}${path}`, { headers: { Accept: 'text/html' } });
        const plain = await fetch(`${open.httpUrl}${path}`, { headers: { Accept: 'text/html' } });
        assert.equal(guarded.status, 200, path);
        assert.equal(guarded.headers.get('content-type'), plain.headers.get('content-type'));
        assert.equal(await guarded.text(), await plain.text(), 'the shell says nothing of the token');
        assert.equal(guarded.headers.get('www-authenticate'), null);
      }
    } finally {
      await open.dispose();
    }
  });

  it('keeps /healthz open for probes', async () => {
    assert.equal((await fetch(`${collector.httpUrl}/healthz`)).status, 200);
  });

  it('accepts the token as a Bearer header or a query parameter, and never sets a cookie', async () => {
    const header = await getJson<ServicesResponse>(`${collector.httpUrl}/api/services`, { headers: { Authorization: `Bearer ${DASHBOARD_TOKEN}` } });
    assert.equal(header.status, 200);
    assert.ok(Array.isArray(header.body.services));
    assert.equal(header.headers.get('set-cookie'), null);

    const query = await fetch(`${collector.httpUrl}/api/services?token=${DASHBOARD_TOKEN}`);
    assert.equal(query.status, 200);
    assert.equal(query.headers.get('set-cookie'), null);
    // A browser opening /?token=… gets the shell as it is (the page takes the token from its URL).
    const page = await fetch(`${collector.httpUrl}/?token=${DASHBOARD_TOKEN}`, { redirect: 'manual', headers: { Accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('set-cookie'), null);
  });

  it('no longer takes the old token cookie, and expires it', async () => {
    // A browser sends every cookie of 127.0.0.1 to every port: earlier collectors' cookies
    // (per port, and the unnamed one before that) reach this one.
    const stale = `${cookieName}=${DASHBOARD_TOKEN}; headroom_token=${DASHBOARD_TOKEN}; other=kept`;
    const api = await fetch(`${collector.httpUrl}/api/services`, { headers: { Cookie: stale } });
    assert.equal(api.status, 401);
    const expired = api.headers.getSetCookie();
    assert.deepEqual(expired.map((c) => c.split(';')[0]).sort(), ['headroom_token=', `${cookieName}=`]);
    for (const c of expired) {
      assert.match(c, /; Path=\/;/);
      assert.match(c, /Max-Age=0/);
    }
    const page = await fetch(`${collector.httpUrl}/`, { headers: { Cookie: `${cookieName}=${DASHBOARD_TOKEN}` } });
    assert.equal(page.status, 200);
    assert.deepEqual(page.headers.getSetCookie(), [`${cookieName}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`]);
    const ws = collector.httpUrl.replace('http:', 'ws:') + '/ws';
    assert.equal((await openWs(ws, { Cookie: `${cookieName}=${DASHBOARD_TOKEN}` })).status, 401);
  });

  it('checks the token and the origin at the WebSocket upgrade', async () => {
    const ws = collector.httpUrl.replace('http:', 'ws:') + '/ws';
    assert.equal((await openWs(ws)).status, 401);
    const ok = await openWs(`${ws}?token=${DASHBOARD_TOKEN}`);
    assert.equal(ok.status, 101);
    assert.equal(ok.first?.type, 'hello');
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
