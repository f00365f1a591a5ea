// Caps on what senders create (receiver/ingest-limits.ts): past --max-services or
// --max-instances the items of a new service or instance are refused one resource at a time in
// partial_success, counted in /metrics, logged once; the rest of the request is stored, known
// services keep recording, and a restart on the same file keeps the count. Real collector, OTLP/JSON
// over HTTP on 127.0.0.1, a real SQLite file.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import type { ServicesResponse } from '../../collector/src/api-types';
import { startCollector } from '../../collector/src/server';
import { send } from '../fixtures/receiver/harness';
import { captureConsoleErrors } from './support/console-errors';
import { getJson, makeTempDir } from './support/collector-harness';

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const MINUTE = 60_000;

function resource(service: string, instanceId: string) {
  return {
    attributes: [
      { key: 'service.name', value: { stringValue: service } },
      { key: 'service.instance.id', value: { stringValue: instanceId } },
    ],
  };
}

function spans(n: number) {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  return Array.from({ length: n }, (_v, i) => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name: `GET /${i}`,
    kind: 2,
    startTimeUnixNano: String(nowNs - 5_000_000n),
    endTimeUnixNano: String(nowNs),
  }));
}

/** One request with two spans for each [service, instance]. */
function tracesBody(resources: [string, string][]): string {
  return JSON.stringify({ resourceSpans: resources.map(([s, i]) => ({ resource: resource(s, i), scopeSpans: [{ spans: spans(2) }] })) });
}

function logsBody(service: string, instanceId: string, records: number): string {
  const timeUnixNano = String(BigInt(Date.now()) * 1_000_000n);
  const logRecords = Array.from({ length: records }, () => ({ timeUnixNano, body: { stringValue: 'hello' } }));
  return JSON.stringify({ resourceLogs: [{ resource: resource(service, instanceId), scopeLogs: [{ logRecords }] }] });
}

function metricsBody(service: string, instanceId: string): string {
  const timeUnixNano = String(BigInt(Date.now()) * 1_000_000n);
  const dataPoints = [{ timeUnixNano, asDouble: 123456789 }];
  return JSON.stringify({
    resourceMetrics: [{ resource: resource(service, instanceId), scopeMetrics: [{ metrics: [{ name: 'process.memory.usage', unit: 'By', gauge: { dataPoints } }] }] }],
  });
}

interface ExportAnswer {
  partialSuccess?: { rejectedSpans?: string; rejectedDataPoints?: string; rejectedLogRecords?: string; errorMessage?: string };
}

async function post(otlpUrl: string, signal: 'traces' | 'metrics' | 'logs', body: string): Promise<ExportAnswer> {
  const res = await send(otlpUrl, { path: `/v1/${signal}`, headers: JSON_HEADERS, body });
  assert.equal(res.status, 200, res.body.toString());
  return JSON.parse(res.body.toString()) as ExportAnswer;
}

async function serviceNames(httpUrl: string): Promise<string[]> {
  const now = Date.now();
  const res = await getJson<ServicesResponse>(`${httpUrl}/api/services?from=${now - 10 * MINUTE}&to=${now + MINUTE}`);
  assert.equal(res.status, 200);
  return res.body.services.map((s) => s.service).sort();
}

test('past --max-services the new services of a request are refused in partial_success, the rest stored; known ones keep recording, across a restart', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const dbPath = path.join(dir.path, 'headroom.db');
  const logs = captureConsoleErrors();
  t.after(() => logs.restore());
  let collector = await startCollector({ dbPath, otlpPort: 0, httpPort: 0, maxServices: 3 });
  t.after(() => collector.close());

  // Five services in one request, two spans each: the first three fit.
  const first = await post(collector.otlpUrl, 'traces', tracesBody([['a', 'a-1'], ['b', 'b-1'], ['c', 'c-1'], ['d', 'd-1'], ['e', 'e-1']]));
  assert.equal(first.partialSuccess?.rejectedSpans, '4');
  assert.match(first.partialSuccess?.errorMessage ?? '', /^HR_OTLP_PARTIAL: 4 item\(s\) of new services \("d", "e"\) refused: the collector holds 3 services, its --max-services limit \(HR_OTLP_SERVICE_LIMIT\)$/);
  await collector.storage.flush();
  assert.deepEqual(await serviceNames(collector.httpUrl), ['a', 'b', 'c']);

  // A known service's metrics and a new instance of it pass; a sixth service's logs do not.
  assert.deepEqual(await post(collector.otlpUrl, 'metrics', metricsBody('a', 'a-2')), {});
  const refusedLogs = await post(collector.otlpUrl, 'logs', logsBody('f', 'f-1', 3));
  assert.equal(refusedLogs.partialSuccess?.rejectedLogRecords, '3');
  assert.match(refusedLogs.partialSuccess?.errorMessage ?? '', /HR_OTLP_SERVICE_LIMIT/);

  const metrics = await fetch(`${collector.httpUrl}/metrics`).then((r) => r.text());
  assert.match(metrics, /^headroom_receiver_items_over_limit_total\{signal="traces",limit="services"\} 4$/m);
  assert.match(metrics, /^headroom_receiver_items_over_limit_total\{signal="logs",limit="services"\} 3$/m);
  assert.match(metrics, /^headroom_receiver_services 3$/m);
  // Logged at once, then not again for every request.
  const lines = logs.lines.filter((l) => l.includes('HR_OTLP_SERVICE_LIMIT'));
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0] ?? '', /\(3 services\); 4 item\(s\) refused, of "d" among others/);

  // Restarted on the same file: the three are still counted, so "d" is still refused and "a" is not.
  await collector.close();
  collector = await startCollector({ dbPath, otlpPort: 0, httpPort: 0, maxServices: 3 });
  const again = await post(collector.otlpUrl, 'traces', tracesBody([['d', 'd-1'], ['a', 'a-1']]));
  assert.equal(again.partialSuccess?.rejectedSpans, '2');
  assert.match(again.partialSuccess?.errorMessage ?? '', /"d"/);
  await collector.storage.flush();
  assert.deepEqual(await serviceNames(collector.httpUrl), ['a', 'b', 'c']);
});

test('past --max-instances a service\'s new instances are refused; its live ones and other services\' are not', async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const logs = captureConsoleErrors();
  t.after(() => logs.restore());
  const collector = await startCollector({ dbPath: path.join(dir.path, 'headroom.db'), otlpPort: 0, httpPort: 0, maxInstancesPerService: 2 });
  t.after(() => collector.close());

  const answer = await post(collector.otlpUrl, 'traces', tracesBody([['api', 'api-1'], ['api', 'api-2'], ['api', 'api-3'], ['worker', 'worker-1']]));
  assert.equal(answer.partialSuccess?.rejectedSpans, '2');
  assert.match(answer.partialSuccess?.errorMessage ?? '', /2 item\(s\) of new instances of "api" refused: 2 instances reported in the last 10 minutes, the --max-instances limit \(HR_OTLP_INSTANCE_LIMIT\)/);
  // The two admitted instances keep sending.
  assert.deepEqual(await post(collector.otlpUrl, 'logs', logsBody('api', 'api-2', 1)), {});
  await collector.storage.flush();
  const now = Date.now();
  const listed = collector.storage.instances({ service: 'api', from: now - 10 * MINUTE, to: now + MINUTE });
  assert.deepEqual(listed.instances.map((i) => i.instanceId).sort(), ['api-1', 'api-2']);
  assert.equal(collector.storage.instances({ service: 'worker', from: now - 10 * MINUTE, to: now + MINUTE }).instances.length, 1);
  const metrics = await fetch(`${collector.httpUrl}/metrics`).then((r) => r.text());
  assert.match(metrics, /^headroom_receiver_items_over_limit_total\{signal="traces",limit="instances"\} 2$/m);
  assert.equal(logs.lines.filter((l) => l.includes('HR_OTLP_INSTANCE_LIMIT')).length, 1);
});

/** One cumulative request-duration histogram of `instanceId`, a point per route, `count` requests each. */
function cumulativeBody(instanceId: string, routes: string[], startMs: number, timeMs: number, count: number): string {
  const ns = (ms: number): string => String(BigInt(ms) * 1_000_000n);
  const dataPoints = routes.map((route) => ({
    attributes: [
      { key: 'http.request.method', value: { stringValue: 'GET' } },
      { key: 'http.route', value: { stringValue: route } },
    ],
    startTimeUnixNano: ns(startMs),
    timeUnixNano: ns(timeMs),
    count: String(count),
    sum: count * 0.01,
    bucketCounts: [String(count), '0'],
    explicitBounds: [0.1],
  }));
  const metric = { name: 'http.server.request.duration', unit: 's', histogram: { aggregationTemporality: 2, dataPoints } };
  return JSON.stringify({ resourceMetrics: [{ resource: resource('api', instanceId), scopeMetrics: [{ metrics: [metric] }] }] });
}

test('a flood of refused instances leaves the cumulative-to-delta state alone: an admitted stream\'s next delta stays right', { timeout: 120_000 }, async (t) => {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const logs = captureConsoleErrors();
  t.after(() => logs.restore());
  const collector = await startCollector({ dbPath: path.join(dir.path, 'headroom.db'), otlpPort: 0, httpPort: 0, maxInstancesPerService: 1 });
  t.after(() => collector.close());
  const now = Date.now();
  const start = now - 5 * MINUTE; // a process started 5 minutes ago: its first point counts whole

  // The admitted instance: 10 requests, then 15 in all (a delta of 5).
  assert.deepEqual(await post(collector.otlpUrl, 'metrics', cumulativeBody('api-1', ['/real'], start, now - 3 * MINUTE, 10)), {});
  assert.deepEqual(await post(collector.otlpUrl, 'metrics', cumulativeBody('api-1', ['/real'], start, now - 2 * MINUTE, 15)), {});

  // A second instance, refused past --max-instances 1, sends more streams than the state holds (50,000).
  for (let i = 0; i < 5; i++) {
    const routes = Array.from({ length: 10_001 }, (_v, j) => `/flood/${i}/${j}`);
    const refused = await post(collector.otlpUrl, 'metrics', cumulativeBody('api-2', routes, start, now - 90_000, 1));
    assert.equal(refused.partialSuccess?.rejectedDataPoints, '10001');
  }
  const metrics = await fetch(`${collector.httpUrl}/metrics`).then((r) => r.text());
  const streams = /^headroom_receiver_cumulative_streams (\d+)$/m.exec(metrics)?.[1];

  // The admitted stream goes on: 22 in all is a delta of 7, not its whole count again.
  assert.deepEqual(await post(collector.otlpUrl, 'metrics', cumulativeBody('api-1', ['/real'], start, now - 30_000, 22)), {});
  await collector.storage.flush();
  const res = await getJson<ServicesResponse>(`${collector.httpUrl}/api/services?from=${now - 10 * MINUTE}&to=${now + MINUTE}`);
  assert.deepEqual({ requests: res.body.services.find((s) => s.service === 'api')?.requests, streams }, { requests: 22, streams: '1' });
});
