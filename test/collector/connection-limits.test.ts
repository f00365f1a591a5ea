// Connection bounds (web/connection-limits.ts): a client holding connections open past
// --max-connections gets new ones closed at once, the other port keeps answering, and an agent's
// export is answered once they go; slowloris connections (headers or body trickled, or idle after
// a request) are cut by the collector itself; one client address cannot take a whole port past
// --max-connections-per-address. Real collector, raw TCP and the real OTel exporter on
// 127.0.0.1 (and 127.0.0.2 as a second client: Linux routes all of 127/8 to loopback).
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import type { TestCollector } from './support/collector-harness';
import { sendTraces, serviceResource, startTestCollector } from './support/collector-harness';
import { captureConsoleErrors } from './support/console-errors';

interface Held {
  socket: net.Socket;
  /** Bytes the server sent on it. */
  received: () => string;
  closed: Promise<void>;
}

/** A raw connection (from `localAddress`, when given) that sends `bytes` and then nothing more. */
function hold(url: string, bytes: string, localAddress?: string): Promise<Held> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port: Number(port), host: hostname, ...(localAddress !== undefined && { localAddress }) });
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', () => undefined); // a reset is one way to be closed
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('connect', () => {
      socket.write(bytes);
      resolve({ socket, received: () => data, closed });
    });
    socket.once('error', reject);
  });
}

const PARTIAL_HEADERS = 'POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ';

async function metric(collector: TestCollector, name: string, port: 'otlp' | 'http'): Promise<number> {
  const text = await fetch(`${collector.httpUrl}/metrics`).then((r) => r.text());
  const match = new RegExp(`^${name}\\{port="${port}"\\} (\\d+)$`, 'm').exec(text);
  assert.ok(match, `${name}{port="${port}"} in /metrics`);
  return Number(match[1]);
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`never: ${what}`);
}

async function exportOneSpan(collector: TestCollector, name: string): Promise<void> {
  await sendTraces(collector.otlpUrl, serviceResource('after-flood', 'after-1'), [{ name, startMs: Date.now() - 100, durationMs: 5 }]);
  await collector.storage.flush();
  const traces = collector.storage.traces({ service: 'after-flood', from: Date.now() - 60_000, to: Date.now() + 60_000, limit: 10 });
  assert.ok(traces.traces.some((t) => t.name === name), `${name} stored`);
}

test('past --max-connections new OTLP connections are closed at once; the dashboard port answers, and an export is answered once they go', async (t) => {
  const collector = await startTestCollector({ connections: { maxConnections: 4 } });
  t.after(() => collector.dispose());

  const held = await Promise.all(Array.from({ length: 4 }, () => hold(collector.otlpUrl, PARTIAL_HEADERS)));
  t.after(() => held.forEach((h) => h.socket.destroy()));
  await until('the OTLP port holds 4', async () => (await metric(collector, 'headroom_connections_open', 'otlp')) === 4);

  const fifth = await hold(collector.otlpUrl, 'POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n');
  await fifth.closed;
  assert.equal(fifth.received(), '', 'closed without an answer');
  assert.equal(await metric(collector, 'headroom_connections_dropped_total', 'otlp'), 1);

  // The other port has its own cap: the dashboard and /healthz answer meanwhile.
  assert.equal((await fetch(`${collector.httpUrl}/healthz`)).status, 200);
  assert.equal(await metric(collector, 'headroom_connections_dropped_total', 'http'), 0);

  for (const h of held) h.socket.destroy();
  await until('the OTLP port free', async () => (await metric(collector, 'headroom_connections_open', 'otlp')) === 0);
  await exportOneSpan(collector, 'GET /after');
});

test('the collector cuts slowloris connections itself: headers or a body trickled, or idle after a request', { timeout: 30_000 }, async (t) => {
  const collector = await startTestCollector({
    connections: { maxConnections: 3, headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 300, checkIntervalMs: 100 },
  });
  t.after(() => collector.dispose());

  const slowHeaders = await hold(collector.otlpUrl, PARTIAL_HEADERS);
  const slowBody = await hold(collector.otlpUrl, 'POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"resourceSpans":');
  const idle = await hold(collector.otlpUrl, 'POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
  t.after(() => [slowHeaders, slowBody, idle].forEach((h) => h.socket.destroy()));

  // All three places taken, then given back without the client doing anything.
  await Promise.all([slowHeaders.closed, slowBody.closed, idle.closed]);
  assert.match(slowHeaders.received(), /^HTTP\/1\.1 408 /);
  assert.match(slowBody.received(), /^HTTP\/1\.1 408 /);
  assert.match(idle.received(), /^HTTP\/1\.1 200 /, 'answered, then closed once idle');
  await exportOneSpan(collector, 'GET /after-slowloris');
});

/** One OTLP/JSON span posted from `localAddress`; resolves with the answer's status. */
function postSpanFrom(collector: TestCollector, localAddress: string, name: string): Promise<number> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const body = JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'other-client' } }] },
        scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name, kind: 2, startTimeUnixNano: String(now - 5_000_000n), endTimeUnixNano: String(now) }] }],
      },
    ],
  });
  return new Promise((resolve, reject) => {
    const req = http.request(`${collector.otlpUrl}/v1/traces`, { method: 'POST', localAddress, headers: { 'Content-Type': 'application/json' }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

test("past --max-connections-per-address one client's new connections are closed at once, logged once; another address and the other port are served", async (t) => {
  const logs = captureConsoleErrors();
  t.after(() => logs.restore());
  const collector = await startTestCollector({ connections: { maxConnections: 10, maxConnectionsPerAddress: 3 } });
  t.after(() => collector.dispose());

  const held = await Promise.all(Array.from({ length: 3 }, () => hold(collector.otlpUrl, PARTIAL_HEADERS, '127.0.0.1')));
  t.after(() => held.forEach((h) => h.socket.destroy()));
  await until('the OTLP port holds 3', async () => (await metric(collector, 'headroom_connections_open', 'otlp')) === 3);

  // The port has room (3 of 10), the address has not.
  for (let i = 0; i < 2; i++) {
    const more = await hold(collector.otlpUrl, 'POST /v1/traces HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n', '127.0.0.1');
    await more.closed;
    assert.equal(more.received(), '', 'closed without an answer');
  }
  assert.equal(await metric(collector, 'headroom_connections_dropped_per_address_total', 'otlp'), 2);
  assert.equal(await metric(collector, 'headroom_connections_dropped_total', 'otlp'), 0, 'not the port cap');
  const lines = logs.lines.filter((l) => l.includes('HR_CONNECTIONS_PER_ADDRESS'));
  assert.equal(lines.length, 1, 'logged once, not per connection');
  assert.match(lines[0] as string, /127\.0\.0\.1 holds 3 on the OTLP port \(--max-connections-per-address 3\); 1 connection\(s\) closed/);

  // Another client address exports meanwhile, and the dashboard port (its own counts) answers.
  assert.equal(await postSpanFrom(collector, '127.0.0.2', 'GET /other-client'), 200);
  await collector.storage.flush();
  const other = collector.storage.traces({ service: 'other-client', from: Date.now() - 60_000, to: Date.now() + 60_000, limit: 10 });
  assert.ok(other.traces.some((tr) => tr.name === 'GET /other-client'), "the other address's span stored");
  assert.equal((await fetch(`${collector.httpUrl}/healthz`)).status, 200);
  assert.equal(await metric(collector, 'headroom_connections_dropped_per_address_total', 'http'), 0);

  // Once its connections go, the first address is served again.
  for (const h of held) h.socket.destroy();
  await until('the OTLP port free', async () => (await metric(collector, 'headroom_connections_open', 'otlp')) === 0);
  await exportOneSpan(collector, 'GET /after-per-address');
});
