// A cumulative series that falls silent for over an hour and comes back (an app whose exports
// could not get through, a suspended process): its first point after the silence seeds the
// state again instead of being one delta of the whole hour, dumped into one minute. Before,
// which one it was depended on whether another sender's metrics had swept the stale state
// (cumulative-to-delta.ts). Real collector and SQLite file, OTLP/JSON over HTTP on 127.0.0.1;
// the collector's clock (Date) is moved forward by the test, timers stay real.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServicesResponse } from '../../collector/src/api-types';
import { send } from '../fixtures/receiver/harness';
import { getJson, startTestCollector } from './support/collector-harness';

const MINUTE = 60_000;

/** The cumulative request-duration histogram of one route, `count` requests since `startMs`. */
function cumulativeBody(startMs: number, timeMs: number, count: number): string {
  const ns = (ms: number): string => String(BigInt(ms) * 1_000_000n);
  const point = {
    attributes: [
      { key: 'http.request.method', value: { stringValue: 'GET' } },
      { key: 'http.route', value: { stringValue: '/orders' } },
    ],
    startTimeUnixNano: ns(startMs),
    timeUnixNano: ns(timeMs),
    count: String(count),
    sum: count * 0.02,
    bucketCounts: [String(count), '0'],
    explicitBounds: [0.1],
  };
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }, { key: 'service.instance.id', value: { stringValue: 'shop-1' } }] };
  const metric = { name: 'http.server.request.duration', unit: 's', histogram: { aggregationTemporality: 2, dataPoints: [point] } };
  return JSON.stringify({ resourceMetrics: [{ resource, scopeMetrics: [{ metrics: [metric] }] }] });
}

test('a cumulative series silent for over an hour comes back as a seed, not as one delta of the hour', async (t) => {
  const start = Date.now();
  t.mock.timers.enable({ apis: ['Date'], now: start });
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const processStart = start - 3 * 60 * MINUTE; // the app has run for 3 hours
  const post = async (atMs: number, count: number): Promise<void> => {
    t.mock.timers.setTime(atMs);
    const res = await send(collector.otlpUrl, { path: '/v1/metrics', headers: { 'Content-Type': 'application/json' }, body: cumulativeBody(processStart, atMs, count) });
    assert.equal(res.status, 200, res.body.toString());
  };

  await post(start, 1000); // the collector's first point of a long-running app: a seed
  await post(start + MINUTE, 1010); // 10 requests
  // Silent for 61 minutes, meanwhile 6,000 requests; then 5 more in its next minute.
  await post(start + 62 * MINUTE, 7010);
  await post(start + 63 * MINUTE, 7015);
  await collector.storage.flush();

  const from = start - MINUTE;
  const res = await getJson<ServicesResponse>(`${collector.httpUrl}/api/services?from=${from}&to=${start + 64 * MINUTE}`);
  assert.equal(res.status, 200);
  assert.equal(res.body.services.find((s) => s.service === 'shop')?.requests, 15, 'the minutes it was heard in, not 6,000 more in one minute');
});
