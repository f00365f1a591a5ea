// Whatever a client sends, the receiver answers (200 or 400 here) and keeps serving:
// random bytes, and valid protobuf requests with random bytes flipped.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { otlpTypes } from '../../collector/src/receiver/decode/proto-root';
import { send, startReceiver, type Harness } from '../fixtures/receiver/harness';

// A small deterministic PRNG (mulberry32), so a failure reproduces.
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function validMetricsRequest(): Buffer {
  const t = otlpTypes().metricsRequest;
  const attrs = [{ key: 'http.route', value: { stringValue: '/r' } }, { key: 'http.request.method', value: { stringValue: 'GET' } }];
  return Buffer.from(
    t
      .encode(
        t.fromObject({
          resourceMetrics: [
            {
              resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fuzz' } }] },
              scopeMetrics: [
                {
                  metrics: [
                    { name: 'http.server.request.duration', unit: 's', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ attributes: attrs, startTimeUnixNano: '1700000000000000000', timeUnixNano: '1700000060000000000', count: 3, sum: 0.3, scale: 3, zeroCount: 1, positive: { offset: -20, bucketCounts: [1, 1] } }] } },
                    { name: 'v8js.memory.heap.used', unit: 'By', gauge: { dataPoints: [{ timeUnixNano: '1700000060000000000', asInt: 1234 }] } },
                    { name: 'http.server.duration', unit: 'ms', histogram: { aggregationTemporality: 1, dataPoints: [{ attributes: attrs, timeUnixNano: '1700000060000000000', count: 2, sum: 30, bucketCounts: [1, 1], explicitBounds: [10] }] } },
                  ],
                },
              ],
            },
          ],
        }),
      )
      .finish(),
  );
}

let h: Harness;
before(async () => {
  h = await startReceiver({ maxBodyBytes: 1024 * 1024 });
});
after(() => h.close());

test('random bodies and mutated protobuf never get a 5xx and never stop the receiver', async () => {
  const rand = prng(42);
  const valid = validMetricsRequest();
  const paths = ['/v1/traces', '/v1/metrics', '/v1/logs'];
  const statuses = new Map<number, number>();
  for (let i = 0; i < 300; i++) {
    let body: Buffer;
    if (i % 2 === 0) {
      body = Buffer.from(valid);
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) body[Math.floor(rand() * body.length)] = Math.floor(rand() * 256);
    } else {
      body = Buffer.alloc(Math.floor(rand() * 200));
      for (let j = 0; j < body.length; j++) body[j] = Math.floor(rand() * 256);
    }
    const json = i % 7 === 0;
    const res = await send(h.url, {
      path: i % 2 === 0 ? '/v1/metrics' : paths[i % 3]!,
      headers: { 'Content-Type': json ? 'application/json' : 'application/x-protobuf' },
      body,
    });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    assert.ok(res.status === 200 || res.status === 400, `request ${i}: status ${res.status} ${res.body.toString()}`);
  }
  // Both outcomes occurred, so the loop exercised decoding and normalising alike.
  assert.ok((statuses.get(200) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0, JSON.stringify([...statuses]));
  const res = await send(h.url, { path: '/v1/metrics', headers: { 'Content-Type': 'application/x-protobuf' }, body: valid });
  assert.equal(res.status, 200);
});
