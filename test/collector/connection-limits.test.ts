// Connection bounds (web/connection-limits.ts): a client holding connections open past
// --max-connections gets new ones closed at once, the other port keeps answering, and an agent's
// export is answered once they go; slowloris connections (headers or body trickled, or idle after
// a request) are cut by the collector itself. Real collector, raw TCP and the real OTel exporter
// on 127.0.0.1.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import type { TestCollector } from './support/collector-harness';
import { sendTraces, serviceResource, startTestCollector } from './support/collector-harness';

interface Held {
  socket: net.Socket;
  /** Bytes the server sent on it. */
  received: () => string;
  closed: Promise<void>;
}

/** A raw connection that sends `bytes` and then nothing more. */
function hold(url: string, bytes: string): Promise<Held> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
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
