// A sender reporting raw paths as http.route (QA3: a scanner's 30 000 routes in a minute) is
// bounded by the store: a service adds at most its budget of routes per day, later new ones are
// stored as "METHOD (other routes)" in request rollups, spans and events alike, counted, and
// /transactions lists the top routes with the total. Real SDK exporters through the OTLP port.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TracesResponse, TransactionsResponse } from '../../collector/src/api-types';
import { getJson, sendLogs, sendMetrics, sendTraces, serviceResource, startTestCollector } from './support/collector-harness';

const MINUTE = 60_000;

function requestAttrs(method: string, route: string): Record<string, string | number> {
  return { 'http.request.method': method, 'http.route': route, 'http.response.status_code': 200 };
}

test('routes past the budget fold into "METHOD (other routes)" in rollups, spans and events; known routes keep recording', async (t) => {
  const collector = await startTestCollector({ maxNewRoutesPerDay: 5 });
  t.after(() => collector.dispose());
  const resource = serviceResource('scanned', 'scanned-1');

  // Two real routes first, then a scanner's 20 paths (GET and POST), then a real route again.
  await sendMetrics(collector.otlpUrl, resource, (m) => {
    m.histogram('http.server.request.duration', 's', [0.5, 0.5], requestAttrs('GET', '/orders'));
    m.histogram('http.server.request.duration', 's', [0.1], requestAttrs('POST', '/orders'));
  });
  await collector.storage.flush();
  await sendMetrics(collector.otlpUrl, resource, (m) => {
    for (let i = 0; i < 20; i++) m.histogram('http.server.request.duration', 's', [0.01], requestAttrs(i % 4 === 0 ? 'POST' : 'GET', `/wp-admin/${i}`));
    m.histogram('http.server.request.duration', 's', [0.5], requestAttrs('GET', '/orders'));
  });
  const now = Date.now();
  await sendTraces(collector.otlpUrl, resource, [
    { name: 'GET /wp-admin/19', startMs: now - 1000, durationMs: 5, attributes: requestAttrs('GET', '/wp-admin/19') },
    { name: 'GET /orders', startMs: now - 900, durationMs: 5, attributes: requestAttrs('GET', '/orders') },
  ]);
  await sendLogs(collector.otlpUrl, resource, [
    { timeMs: now - 800, attributes: { 'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 120, ...requestAttrs('GET', '/xmlrpc.php') } },
  ]);
  await collector.storage.flush();

  const range = { from: now - 10 * MINUTE, to: now + MINUTE };
  const all = collector.storage.transactions({ service: 'scanned', ...range });
  const routes = new Map(all.transactions.map((x) => [x.route, x.requests]));
  // Budget 5: GET /orders, POST /orders, then the first three scanner routes (POST /wp-admin/0,
  // GET /wp-admin/1, GET /wp-admin/2); the other 17 fold, keeping their method.
  assert.deepEqual(
    [...routes.keys()].sort(),
    ['GET (other routes)', 'GET /orders', 'GET /wp-admin/1', 'GET /wp-admin/2', 'POST (other routes)', 'POST /orders', 'POST /wp-admin/0'],
  );
  assert.equal(routes.get('GET /orders'), 3, 'a known route keeps recording past the budget');
  assert.equal(routes.get('GET (other routes)'), 13);
  assert.equal(routes.get('POST (other routes)'), 4);
  assert.equal(all.totalRoutes, 7);
  assert.equal(all.truncated, false);
  assert.ok(all.folded, 'folds reported');
  assert.equal(all.folded.routes, 17 + 1, 'the 17 metric routes (the span\'s /wp-admin/19 among them, counted once) and the stall\'s /xmlrpc.php');
  assert.equal(all.folded.requests, 17);
  assert.equal(collector.storage.stats().routesFolded, 18);

  // Spans and events carry the folded name: the traces filter and the transactions' stall join agree.
  const traces = await getJson<TracesResponse>(`${collector.httpUrl}/api/traces?service=scanned&route=${encodeURIComponent('GET (other routes)')}&from=${range.from}&to=${range.to}`);
  assert.equal(traces.status, 200);
  assert.deepEqual(traces.body.traces.map((x) => x.name), ['GET /wp-admin/19']);
  const folded = all.transactions.find((x) => x.route === 'GET (other routes)');
  assert.equal(folded?.stalls, 1, 'the stall event is keyed by the folded route');

  const metrics = await fetch(`${collector.httpUrl}/metrics`).then((r) => r.text());
  assert.match(metrics, /^headroom_store_routes_folded_total 18$/m);
});

test('/transactions lists the top routes by total time, with the total and a truncated flag', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  await sendMetrics(collector.otlpUrl, serviceResource('wide', 'wide-1'), (m) => {
    for (let i = 0; i < 250; i++) m.histogram('http.server.request.duration', 's', [0.001 * (i + 1)], requestAttrs('GET', `/r/${i}`));
  });
  await collector.storage.flush();
  const now = Date.now();
  const base = `${collector.httpUrl}/api/services/wide/transactions?from=${now - 10 * MINUTE}&to=${now + MINUTE}`;

  const byDefault = await getJson<TransactionsResponse>(base);
  assert.equal(byDefault.status, 200);
  assert.equal(byDefault.body.transactions.length, 200);
  assert.equal(byDefault.body.totalRoutes, 250);
  assert.equal(byDefault.body.truncated, true);
  assert.equal(byDefault.body.transactions[0]?.route, 'GET /r/249', 'the most total time first');
  assert.equal(byDefault.body.folded, null, '250 routes are within the default budget');
  const shares = byDefault.body.transactions.reduce((s, x) => s + x.share, 0);
  assert.ok(shares < 1, 'shares are of the whole service, listed or not');

  const top3 = await getJson<TransactionsResponse>(`${base}&limit=3`);
  assert.deepEqual(top3.body.transactions.map((x) => x.route), ['GET /r/249', 'GET /r/248', 'GET /r/247']);
  assert.equal(top3.body.truncated, true);
  const bad = await getJson(`${base}&limit=0`);
  assert.equal(bad.status, 400);
});
