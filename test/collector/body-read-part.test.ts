// The body read as a part of response time, end to end (OTel SDK → receiver → SQLite → /api):
// a 3.2 s trickled upload among quick requests is body read, not app time. The parts of the
// series — bodyReadPerRequestMs + appMs + responseWriteMs — add up to the mean duration, and
// the live aggregate carries the same part.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LiveAggregate, ServiceSeriesResponse } from '../../collector/src/api-types';
import { getJson, sendMetrics, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';

const SERVICE = 'upload-svc';
let collector: TestCollector;

before(async () => {
  collector = await startTestCollector();
  const post = { 'http.request.method': 'POST', 'http.route': '/upload', 'http.response.status_code': 200 };
  await sendMetrics(collector.otlpUrl, serviceResource(SERVICE, 'upload-1'), (m) => {
    // Four requests of 3200, 100, 100 and 100 ms; the first read its body for 3190 ms, one
    // other had a body read in 10 ms; each wrote its response in 2 ms.
    m.histogram('http.server.request.duration', 's', [3.2, 0.1, 0.1, 0.1], post);
    m.histogram('headroom.http.server.request_body.duration', 's', [3.19, 0.01], post);
    m.histogram('headroom.http.server.response_write.duration', 's', [0.002, 0.002, 0.002, 0.002], post);
  });
});

after(async () => {
  await collector?.dispose();
});

const close = (actual: number | null | undefined, expected: number, what: string) => {
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) < 0.01, `${what}: ${actual} is not ${expected}`);
};

test('the series takes the body read out of the app part: read 800, app 73, write 2 of a mean of 875 ms', async () => {
  let series: ServiceSeriesResponse | undefined;
  for (let i = 0; i < 50 && !series?.requests.some((n) => n === 4); i++) {
    series = (await getJson<ServiceSeriesResponse>(`${collector.httpUrl}/api/services/${SERVICE}/series?range=15m`)).body;
    if (!series.requests.some((n) => n === 4)) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(series);
  const i = series.requests.findIndex((n) => n === 4);
  assert.ok(i >= 0, 'the four requests in one bucket');
  close(series.bodyReadMs[i], 1600, 'bodyReadMs (mean of the two requests with a body)');
  close(series.bodyReadPerRequestMs[i], 800, 'bodyReadPerRequestMs (3200 ms of reading over 4 requests)');
  close(series.responseWriteMs[i], 2, 'responseWriteMs');
  close(series.appMs[i], 875 - 800 - 2, 'appMs (mean duration less body read and response write)');
});

test('the live aggregate of the minute carries the same body-read part', async () => {
  const series = (await getJson<ServiceSeriesResponse>(`${collector.httpUrl}/api/services/${SERVICE}/series?range=15m`)).body;
  const minute = series.t[series.requests.findIndex((n) => n === 4)]!;
  const [agg] = collector.storage.liveAggregates(SERVICE, [minute]) as LiveAggregate[];
  close(agg?.bodyReadPerRequestMs, 800, 'live bodyReadPerRequestMs');
  close(agg?.appMs, 73, 'live appMs');
});
