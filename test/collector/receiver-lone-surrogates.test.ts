// JSON can carry what UTF-8 cannot: a lone surrogate ("\ud800"). SQLite stores text as UTF-8,
// so such a name came back from the database as other characters than were written, and the
// service it named was listed but could not be opened (QA: /api/services showed "svc\ufffd…",
// and every page of it answered 404). The receiver replaces a lone surrogate with U+FFFD, as
// protobuf decoding does with a byte sequence that is not UTF-8.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { InstancesResponse, ServicesResponse, TracesResponse } from '../../collector/src/api-types';
import { getJson, startTestCollector, type TestCollector } from './support/collector-harness';

let collector: TestCollector;

before(async () => {
  collector = await startTestCollector();
});

after(async () => {
  await collector.dispose();
});

test('a name with a lone surrogate is stored with U+FFFD in its place, and its service opens', async () => {
  const now = BigInt(Date.now()) * 1_000_000n;
  // Written by hand: JSON.stringify would escape the surrogate as it is, which is the point.
  const body = `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"half\\ud800svc"}}]},`
    + `"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331","name":"GET /\\udc00x","kind":2,`
    + `"startTimeUnixNano":"${now - 5_000_000n}","endTimeUnixNano":"${now}","attributes":[{"key":"http.route","value":{"stringValue":"/\\udc00x"}},{"key":"http.request.method","value":{"stringValue":"GET"}}]}]}]}]}`;
  const res = await fetch(`${collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  assert.equal(res.status, 200, await res.text());
  await collector.storage.flush();

  const services = await getJson<ServicesResponse>(`${collector.httpUrl}/api/services?range=1h`);
  assert.deepEqual(services.body.services.map((s) => s.service), ['half\ufffdsvc']);
  const name = encodeURIComponent('half\ufffdsvc');
  const instances = await getJson<InstancesResponse>(`${collector.httpUrl}/api/services/${name}/instances?range=1h`);
  assert.equal(instances.status, 200);
  assert.equal(instances.body.instances.length, 1);
  const traces = await getJson<TracesResponse>(`${collector.httpUrl}/api/traces?service=${name}&range=1h`);
  assert.equal(traces.status, 200);
  assert.deepEqual(traces.body.traces.map((t) => t.route), ['GET /\ufffdx']);
});
