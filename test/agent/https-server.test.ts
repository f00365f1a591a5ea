// An https server under the agent: Headroom's request hook covers https.Server as it does
// http.Server. Requests are counted by route, traced ones carry url.scheme = https, and a
// light request that fails keeps its (partial) server span.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import type { TraceResponse, TracesResponse, TransactionsResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runApp, type RunningApp, startTestCollector, type TestCollector } from './support/harness';

const CA = readFileSync(`${FIXTURES}/tls/cert.pem`);

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get({ host: '127.0.0.1', port, path, ca: CA }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

const SERVICES = { 'https-traced': {}, 'https-light': { HEADROOM_TRACES_PER_SECOND: '0', HEADROOM_RECORDED_TRACES_PER_SECOND: '0' } };

describe('an https server under the agent', () => {
  let collector: TestCollector;
  const apps: RunningApp[] = [];

  before(async () => {
    collector = await startTestCollector();
    await Promise.all(
      Object.entries(SERVICES).map(async ([service, env]) => {
        const app = await runApp(`${FIXTURES}/https-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: service, ...env });
        apps.push(app);
        for (const id of [1, 2, 3]) assert.equal(await get(app.port, `/secure/${id}`), 200);
        assert.equal(await get(app.port, '/secure-fail'), 500);
      }),
    );
  });

  after(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await collector?.close();
  });

  test('requests are counted by route', async () => {
    for (const service of Object.keys(SERVICES)) {
      const res = await eventually(async () => {
        const r = await collector.api<TransactionsResponse>(`/api/services/${service}/transactions?${RANGE()}`);
        return r.transactions.reduce((n, t) => n + t.requests, 0) >= 4 ? r : undefined;
      }, `4 requests of ${service}`);
      assert.deepEqual(Object.fromEntries(res.transactions.map((t) => [t.route, [t.requests, t.errors]]).sort()), { '/secure-fail': [1, 1], '/secure/:id': [3, 0] }, service);
    }
  });

  test('server spans say https, traced or written at the end of a light request', async () => {
    const rootOf = async (service: string, route: string) => {
      const list = await eventually(async () => {
        const r = await collector.api<TracesResponse>(`/api/traces?service=${service}&route=${encodeURIComponent(route)}&${RANGE()}`);
        return r.traces.length > 0 ? r : undefined;
      }, `a ${route} trace of ${service}`);
      const t = await collector.api<TraceResponse>(`/api/traces/${list.traces[0]?.traceId as string}`);
      return t.spans.find((s) => !s.parentSpanId);
    };
    const traced = await rootOf('https-traced', '/secure/:id');
    assert.equal(traced?.attributes['url.scheme'], 'https');
    assert.equal(traced?.name, 'GET /secure/:id');
    const partial = await rootOf('https-light', '/secure-fail');
    assert.equal(partial?.attributes['url.scheme'], 'https');
    assert.equal(partial?.attributes['headroom.trace.partial'], true);
    assert.equal(partial?.attributes['http.response.status_code'], 500);
  });
});
