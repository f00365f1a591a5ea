// An https server under the agent: Headroom's request hook covers https.Server as it does
// http.Server. Requests are counted by route, traced ones carry url.scheme = https, and a
// light request that fails keeps its (partial) server span.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { after, before, describe, test } from 'node:test';
import type { TransactionsResponse } from '../../collector/src/api-types';
import { FIXTURES, LIGHT_BUDGETS, RANGE, requestsByRoute, runServiceApps, startTestCollector, traceOfRoute, type RunningApp, type TestCollector } from './support/harness';

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

const SERVICES: Record<string, Record<string, string>> = { 'https-traced': {}, 'https-light': LIGHT_BUDGETS };

describe('an https server under the agent', () => {
  let collector: TestCollector;
  const apps = new Map<string, RunningApp>();

  before(async () => {
    collector = await startTestCollector();
    const services = Object.entries(SERVICES).map(([service, env]) => ({ service, script: `${FIXTURES}/https-app.js`, env }));
    await runServiceApps(collector, services, async (app) => {
      for (const id of [1, 2, 3]) assert.equal(await get(app.port, `/secure/${id}`), 200);
      assert.equal(await get(app.port, '/secure-fail'), 500);
    }, apps);
  });

  after(async () => {
    await Promise.all([...apps.values()].map((app) => app.stop()));
    await collector?.close();
  });

  test('requests are counted by route, the failing one as an error', async () => {
    for (const service of Object.keys(SERVICES)) {
      assert.deepEqual(await requestsByRoute(collector, service, 4), { 'GET /secure-fail': 1, 'GET /secure/:id': 3 }, service);
      const res = await collector.api<TransactionsResponse>(`/api/services/${service}/transactions?${RANGE()}`);
      assert.deepEqual(Object.fromEntries(res.transactions.map((t) => [t.route, t.errors]).sort()), { 'GET /secure-fail': 1, 'GET /secure/:id': 0 }, service);
    }
  });

  test('server spans say https, traced or written at the end of a light request', async () => {
    const rootOf = async (service: string, route: string) => (await traceOfRoute(collector, service, route)).spans.find((s) => !s.parentSpanId);
    const traced = await rootOf('https-traced', 'GET /secure/:id');
    assert.equal(traced?.attributes['url.scheme'], 'https');
    assert.equal(traced?.name, 'GET /secure/:id');
    const partial = await rootOf('https-light', 'GET /secure-fail');
    assert.equal(partial?.attributes['url.scheme'], 'https');
    assert.equal(partial?.attributes['headroom.trace.partial'], true);
    assert.equal(partial?.attributes['http.response.status_code'], 500);
  });
});
