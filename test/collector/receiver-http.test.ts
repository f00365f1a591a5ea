// OTLP/HTTP semantics: paths, methods, content types, gzip, the body cap (also after
// decompression), undecodable bodies, a full write queue, aborted requests — and after each
// bad request a good one still succeeds.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { otlpTypes } from '../../collector/src/receiver/decode/proto-root';
import { allOf, send, startReceiver, type Harness, type RawResponse } from '../fixtures/receiver/harness';

const CAP = 64 * 1024;
const PROTO = { 'Content-Type': 'application/x-protobuf' };
const JSON_CT = { 'Content-Type': 'application/json' };

function spanJson(traceId = '5b8efff798038103d269b633813fc60c') {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [{ spans: [{ traceId, spanId: 'eee19b7ec3c1b174', name: 'ok', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000100000000' }] }],
      },
    ],
  });
}

function spanProto(spanIds: Buffer[]): Buffer {
  const t = otlpTypes().traceRequest;
  const msg = t.fromObject({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [{ spans: spanIds.map((spanId) => ({ traceId: Buffer.alloc(16, 7), spanId, name: 'p', startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000000000001' })) }],
      },
    ],
  });
  return Buffer.from(t.encode(msg).finish());
}

function statusOf(res: RawResponse): { code: number; message: string } {
  if (res.headers['content-type'] === 'application/x-protobuf') {
    return otlpTypes().status.toObject(otlpTypes().status.decode(res.body)) as { code: number; message: string };
  }
  return JSON.parse(res.body.toString()) as { code: number; message: string };
}

describe('OTLP/HTTP receiver', () => {
  let h: Harness;
  before(async () => {
    h = await startReceiver({ maxBodyBytes: CAP });
  });
  after(() => h.close());
  beforeEach(() => {
    h.batches.length = 0;
  });

  async function goodRequestStillWorks() {
    const before = allOf(h.batches, 'spans').length;
    const res = await send(h.url, { path: '/v1/traces', headers: JSON_CT, body: spanJson() });
    assert.equal(res.status, 200);
    assert.equal(allOf(h.batches, 'spans').length, before + 1);
  }

  test('protobuf success: empty ExportTraceServiceResponse in protobuf', async () => {
    const res = await send(h.url, { path: '/v1/traces', headers: PROTO, body: spanProto([Buffer.alloc(8, 1)]) });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/x-protobuf');
    assert.equal(res.body.length, 0);
    assert.equal(allOf(h.batches, 'spans')[0]!.spanId, '0101010101010101');
  });

  test('protobuf partial success is a protobuf ExportTraceServiceResponse', async () => {
    const res = await send(h.url, { path: '/v1/traces', headers: PROTO, body: spanProto([Buffer.alloc(8, 1), Buffer.alloc(3, 1)]) });
    assert.equal(res.status, 200);
    const t = otlpTypes().traceResponse;
    const decoded = t.toObject(t.decode(res.body), { longs: Number }) as { partialSuccess: { rejectedSpans: number; errorMessage: string } };
    assert.equal(decoded.partialSuccess.rejectedSpans, 1);
    assert.match(decoded.partialSuccess.errorMessage, /HR_OTLP_PARTIAL/);
  });

  test('an invalid UTF-8 byte in a string costs that character only, not the request', async () => {
    const body = spanProto([Buffer.alloc(8, 1)]);
    const at = body.indexOf(Buffer.from('svc'));
    body[at + 1] = 0xff;
    const res = await send(h.url, { path: '/v1/traces', headers: PROTO, body });
    assert.equal(res.status, 200);
    assert.equal(allOf(h.batches, 'spans')[0]!.service, 's\ufffdc');
  });

  test('garbage protobuf: 400 with a protobuf google.rpc.Status', async () => {
    const res = await send(h.url, { path: '/v1/traces', headers: PROTO, body: Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]) });
    assert.equal(res.status, 400);
    assert.equal(res.headers['content-type'], 'application/x-protobuf');
    const status = statusOf(res);
    assert.equal(status.code, 3);
    assert.match(status.message, /^HR_OTLP_DECODE/);
    await goodRequestStillWorks();
  });

  test('unknown path 404, wrong method 405 (Allow: POST), other content type 415', async () => {
    const notFound = await send(h.url, { path: '/v1/profiles', headers: JSON_CT, body: '{}' });
    assert.equal(notFound.status, 404);
    assert.match(statusOf(notFound).message, /^HR_OTLP_NOT_FOUND/);
    const wrongMethod = await send(h.url, { method: 'GET', path: '/v1/traces' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers['allow'], 'POST');
    const wrongType = await send(h.url, { path: '/v1/traces', headers: { 'Content-Type': 'text/plain' }, body: 'hello' });
    assert.equal(wrongType.status, 415);
    assert.match(statusOf(wrongType).message, /^HR_OTLP_CONTENT_TYPE/);
    const charset = await send(h.url, { path: '/v1/traces?x=1', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: spanJson() });
    assert.equal(charset.status, 200);
    await goodRequestStillWorks();
  });

  test('gzip bodies are inflated; bad gzip is 400; other encodings 415', async () => {
    const gz = await send(h.url, { path: '/v1/traces', headers: { ...JSON_CT, 'Content-Encoding': 'gzip' }, body: zlib.gzipSync(spanJson()) });
    assert.equal(gz.status, 200);
    assert.equal(allOf(h.batches, 'spans').length, 1);
    const bad = await send(h.url, { path: '/v1/traces', headers: { ...JSON_CT, 'Content-Encoding': 'gzip' }, body: 'not gzip at all' });
    assert.equal(bad.status, 400);
    assert.match(statusOf(bad).message, /^HR_OTLP_BAD_GZIP/);
    const br = await send(h.url, { path: '/v1/traces', headers: { ...JSON_CT, 'Content-Encoding': 'br' }, body: spanJson() });
    assert.equal(br.status, 415);
    assert.match(statusOf(br).message, /^HR_OTLP_CONTENT_ENCODING/);
    assert.equal(br.headers['accept-encoding'], 'gzip');
    await goodRequestStillWorks();
  });

  test('body over the cap: 413 from Content-Length, from a streamed body, and after decompression', async () => {
    const big = Buffer.alloc(CAP + 1, 0x20);
    const declared = await send(h.url, { path: '/v1/traces', headers: JSON_CT, body: big });
    assert.equal(declared.status, 413);
    assert.match(statusOf(declared).message, /^HR_OTLP_TOO_LARGE/);

    // Chunked: no Content-Length, the cap is enforced while reading.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${h.url}/v1/traces`, { method: 'POST', headers: JSON_CT }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write(Buffer.alloc(16 * 1024, 0x20));
      req.end();
    });
    assert.equal(streamed, 413);

    // A decompression bomb: 2 KiB of gzip that inflates to 8 MiB.
    const bomb = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024));
    assert.ok(bomb.length < CAP);
    const inflated = await send(h.url, { path: '/v1/traces', headers: { ...PROTO, 'Content-Encoding': 'gzip' }, body: bomb });
    assert.equal(inflated.status, 413);
    assert.match(statusOf(inflated).message, /after gzip decompression/);
    assert.equal(h.batches.length, 0);
    await goodRequestStillWorks();
  });

  test('full write queue: 503 with Retry-After, nothing recorded; the retry succeeds', async () => {
    h.full = true;
    const res = await send(h.url, { path: '/v1/traces', headers: JSON_CT, body: spanJson() });
    assert.equal(res.status, 503);
    assert.equal(res.headers['retry-after'], '5');
    assert.equal(statusOf(res).code, 14);
    assert.equal(h.batches.length, 0);
    h.full = false;
    await goodRequestStillWorks();
    assert.ok(h.receiver.stats().traces.refused >= 1);
  });

  test('503 leaves cumulative state untouched, so the retried points give the same deltas', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'c2d' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'http.server.request.duration',
                  unit: 's',
                  histogram: {
                    aggregationTemporality: 2,
                    dataPoints: [{ startTimeUnixNano: String(now - 60_000_000_000n), timeUnixNano: String(now), count: '4', sum: 1, bucketCounts: ['4'], explicitBounds: [] }],
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    h.full = true;
    assert.equal((await send(h.url, { path: '/v1/metrics', headers: JSON_CT, body })).status, 503);
    h.full = false;
    assert.equal((await send(h.url, { path: '/v1/metrics', headers: JSON_CT, body })).status, 200);
    const points = allOf(h.batches, 'requests');
    assert.equal(points.length, 1);
    assert.equal(points[0]!.count, 4);
    // The same cumulative point again is a duplicate: no new delta.
    assert.equal((await send(h.url, { path: '/v1/metrics', headers: JSON_CT, body })).status, 200);
    assert.equal(allOf(h.batches, 'requests').length, 1);
  });

  test('a client that aborts mid-body costs nothing; the next request succeeds', async () => {
    await new Promise<void>((resolve) => {
      const req = http.request(`${h.url}/v1/traces`, { method: 'POST', headers: { ...JSON_CT, 'Content-Length': '5000' } });
      req.on('error', () => resolve());
      req.write('{"resourceSpans": [');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    await goodRequestStillWorks();
    const stats = h.receiver.stats();
    assert.ok((stats.responses['200'] ?? 0) > 0);
    assert.ok((stats.responses['413'] ?? 0) >= 3);
  });
});

describe('in-flight body budget', () => {
  let h: Harness;
  before(async () => {
    h = await startReceiver({ maxBodyBytes: CAP, maxInFlightBytes: 1024 });
  });
  after(() => h.close());

  test('while slow senders hold the budget, new requests get 503; once they finish, 200 again', async () => {
    const body = spanJson();
    const padded = body.slice(0, -1) + ' '.repeat(2048) + '}';
    let slowStatus = 0;
    const slow = http.request(`${h.url}/v1/traces`, { method: 'POST', headers: { ...JSON_CT, 'Content-Length': String(Buffer.byteLength(padded)) } }, (res) => {
      slowStatus = res.statusCode ?? 0;
      res.resume();
    });
    const slowDone = new Promise<void>((resolve) => slow.on('close', () => resolve()));
    slow.write(padded.slice(0, 1500));
    // Wait until the receiver holds those bytes.
    for (let i = 0; i < 200 && h.receiver.stats().inFlightBytes < 1024; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(h.receiver.stats().inFlightBytes >= 1024);

    const refused = await send(h.url, { path: '/v1/traces', headers: JSON_CT, body });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers['retry-after'], '5');
    assert.match(statusOf(refused).message, /^HR_OTLP_BUSY/);

    slow.end(padded.slice(1500));
    await slowDone;
    assert.equal(slowStatus, 200);
    assert.equal(h.receiver.stats().inFlightBytes, 0);
    const ok = await send(h.url, { path: '/v1/traces', headers: JSON_CT, body });
    assert.equal(ok.status, 200);
    assert.equal(allOf(h.batches, 'spans').length, 2);
  });
});
