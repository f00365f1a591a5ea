// OTLP/JSON specifics (hex ids, enum names, int64 as strings or numbers, snake_case keys,
// unknown fields) and partial success for partly invalid data.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { allOf, send, startReceiver, type Harness } from '../fixtures/receiver/harness';

const fixture = (name: string) => readFileSync(path.join(__dirname, '../fixtures/receiver', name));
const JSON_HEADERS = { 'Content-Type': 'application/json' };

let h: Harness;
before(async () => {
  h = await startReceiver();
});
after(() => h.close());
beforeEach(() => {
  h.batches.length = 0;
});

test('JSON mapping: snake_case keys, enum names, int64 as number or string, unknown fields ignored', async () => {
  const res = await send(h.url, { path: '/v1/traces', headers: JSON_HEADERS, body: fixture('traces-json-mapping.json') });
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(res.body.toString()), {});
  const span = allOf(h.batches, 'spans')[0]!;
  assert.equal(span.service, 'legacy');
  assert.equal(span.traceId, '0102030405060708090a0b0c0d0e0f10');
  assert.equal(span.spanId, '0102030405060708');
  assert.equal(span.parentSpanId, '1112131415161718');
  assert.equal(span.kind, 3);
  assert.equal(span.statusCode, 2);
  assert.equal(span.statusMessage, 'failed');
  // Sent as a bare JSON number past 2^53 (a double would make it ...000000000): still exact.
  assert.equal(span.startNs, 1544712660000000001n);
  assert.equal(span.endNs, 1544712660300000001n);
  const attributes = JSON.parse(span.attributesJson) as Record<string, unknown>;
  assert.equal(attributes['big'], '9007199254740993'); // past 2^53: kept exact as a string
  assert.equal(attributes['blob'], 'aGVsbG8=');
  assert.deepEqual(attributes['nested'], { k: [true, 1.5] });
  assert.equal(attributes['empty'], null);
  assert.deepEqual(JSON.parse(span.eventsJson ?? 'null'), [{ t: '1544712660100000000', n: 'retry', a: {} }]);
  assert.equal(allOf(h.batches, 'instances')[0]!.pid, 99);
});

test('trace and span ids in base64 (plain proto3 JSON, older senders) are accepted too', async () => {
  const span = { traceId: 'W47/95gDgQPSabYzgT/GDA==', spanId: '7uGbfsPBsXQ=', name: 'b64', startTimeUnixNano: '1', endTimeUnixNano: '2' };
  const res = await send(h.url, { path: '/v1/traces', headers: JSON_HEADERS, body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] }) });
  assert.equal(res.status, 200);
  const stored = allOf(h.batches, 'spans')[0]!;
  assert.equal(stored.traceId, '5b8efff798038103d269b633813fc60c');
  assert.equal(stored.spanId, 'eee19b7ec3c1b174');
});

test('partly invalid spans: 200 with partial_success naming the rejected count', async () => {
  const res = await send(h.url, { path: '/v1/traces', headers: JSON_HEADERS, body: fixture('traces-partly-invalid.json') });
  assert.equal(res.status, 200);
  const body = JSON.parse(res.body.toString()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
  assert.equal(body.partialSuccess.rejectedSpans, '2');
  assert.match(body.partialSuccess.errorMessage, /HR_OTLP_PARTIAL/);
  assert.match(body.partialSuccess.errorMessage, /invalid trace\/span id/);
  assert.match(body.partialSuccess.errorMessage, /service\.name/);
  const spans = allOf(h.batches, 'spans');
  assert.equal(spans.length, 1);
  assert.equal(spans[0]!.traceId, '5b8efff798038103d269b633813fc60c'); // upper-case hex accepted, stored lower
  assert.equal(spans[0]!.service, 'unknown_service');
  assert.equal(spans[0]!.instanceId, 'nameless-1');
});

test('partly invalid metric points: no value, no time, buckets not matching bounds or count', async () => {
  const res = await send(h.url, { path: '/v1/metrics', headers: JSON_HEADERS, body: fixture('metrics-partly-invalid.json') });
  assert.equal(res.status, 200);
  const body = JSON.parse(res.body.toString()) as { partialSuccess: { rejectedDataPoints: string; errorMessage: string } };
  assert.equal(body.partialSuccess.rejectedDataPoints, '4');
  assert.match(body.partialSuccess.errorMessage, /count is not the sum/);
  const gauges = allOf(h.batches, 'gauges');
  assert.equal(gauges.length, 1);
  assert.equal(gauges[0]!.metric, 'memory.rss');
  assert.equal(gauges[0]!.last, 123456789);
  assert.equal(gauges[0]!.timeNs, 1700000000000000000n);
  const req = allOf(h.batches, 'requests');
  assert.equal(req.length, 1);
  assert.deepEqual(req[0]!.distribution, { kind: 'explicit', bounds: [0.1, 1], counts: [1, 2, 0] });
  assert.equal(req[0]!.count, 3);
  assert.equal(req[0]!.route, 'GET /x');
});

test('empty requests succeed; a byte-order mark is tolerated', async () => {
  for (const body of ['', '{}', '\uFEFF{"resourceSpans": []}']) {
    const res = await send(h.url, { path: '/v1/traces', headers: JSON_HEADERS, body });
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(res.body.toString(), '{}');
  }
  assert.equal(h.batches.length, 0);
});

test('wrong JSON types are undecodable: 400 with a google.rpc.Status JSON body', async () => {
  for (const body of ['{"resourceSpans": [', '{"resourceSpans": {}}', '[]', '{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"soon"}]}]}]}']) {
    const res = await send(h.url, { path: '/v1/traces', headers: JSON_HEADERS, body });
    assert.equal(res.status, 400, body);
    const status = JSON.parse(res.body.toString()) as { code: number; message: string };
    assert.equal(status.code, 3);
    assert.match(status.message, /^HR_OTLP_DECODE/);
  }
  assert.equal(h.batches.length, 0);
});
