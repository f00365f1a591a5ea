// The OTLP port against DNS rebinding: a page on evil.example:4318 whose name then resolves to
// 127.0.0.1 is the OTLP port's own origin, so its fetch needs no CORS preflight and could write
// any telemetry (fake services, alert-tripping errors, disk-filling spans). Browsers send
// Origin with such a POST; agents send none. Real Chromium, its name resolver mapping
// evil.example to the collector, and the Private/Local Network Access checks off: those are
// Chromium's alone, and Firefox and Safari make the request (QA: 200 and a service
// "rebound-page" in the dashboard).
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import type { ServicesResponse } from '../../collector/src/api-types';
import { getJson, startTestCollector, type TestCollector } from './support/collector-harness';

let collector: TestCollector;
let browser: Browser;

before(async () => {
  collector = await startTestCollector();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--host-resolver-rules=MAP evil.example 127.0.0.1',
      '--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,LocalNetworkAccessChecks',
    ],
  });
});

after(async () => {
  await browser.close();
  await collector.dispose();
});

function tracesBody(service: string, spanId: string): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [{ spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId, name: 'GET /x', kind: 2, startTimeUnixNano: String(now - 5_000_000n), endTimeUnixNano: String(now) }] }],
    }],
  });
}

async function serviceNames(): Promise<string[]> {
  await collector.storage.flush();
  const services = await getJson<ServicesResponse>(`${collector.httpUrl}/api/services?range=1h`);
  return services.body.services.map((s) => s.service);
}

/** A raw POST with the Host and headers given (fetch will not forge a Host). */
function post(url: string, host: string, headers: Record<string, string>, body: string): Promise<number> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent: false, headers: { Host: host, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test('a page rebound to the collector cannot send OTLP', async () => {
  const port = new URL(collector.otlpUrl).port;
  const page = await browser.newPage();
  try {
    // The attacker's page, as served before its name was pointed at 127.0.0.1.
    await page.route(`http://evil.example:${port}/`, (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>cat pictures</title>' }));
    await page.goto(`http://evil.example:${port}/`);
    const answer = await page.evaluate(async (body) => {
      const res = await fetch('/v1/traces', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      return { status: res.status, text: await res.text() };
    }, tracesBody('rebound-page', 'b7ad6b7169203331'));
    assert.equal(answer.status, 403, answer.text);
    const status = JSON.parse(answer.text) as { code: number; message: string };
    assert.equal(status.code, 7, 'google.rpc.Status PERMISSION_DENIED');
    assert.match(status.message, /^HR_OTLP_FORBIDDEN_ORIGIN: /);
  } finally {
    await page.close();
  }
  assert.ok(!(await serviceNames()).includes('rebound-page'), 'nothing was stored');
});

test('agents, which send no Origin, are taken whatever host their endpoint names', async () => {
  for (const [host, service] of [['collector.internal:4318', 'named-endpoint'], [`localhost:${new URL(collector.otlpUrl).port}`, 'local-endpoint']]) {
    const status = await post(`${collector.otlpUrl}/v1/traces`, host as string, { 'Content-Type': 'application/json' }, tracesBody(service as string, 'b7ad6b7169203332'));
    assert.equal(status, 200, host);
  }
  // A page on this machine's own loopback origin is this machine's (as on the dashboard port).
  const local = await post(`${collector.otlpUrl}/v1/traces`, 'localhost', { 'Content-Type': 'application/json', Origin: 'http://localhost:3000' }, tracesBody('local-page', 'b7ad6b7169203333'));
  assert.equal(local, 200);
  const names = await serviceNames();
  for (const service of ['named-endpoint', 'local-endpoint', 'local-page']) assert.ok(names.includes(service), service);
});
