// Apdex counts a failed request as frustrated, however fast it failed (the Apdex spec; New
// Relic alike): a minute of fast 503s is not satisfied. Real SDK histograms split by status
// through the OTLP receiver; the overview, the series and the alerts' window all read it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sendMetrics, serviceResource, startTestCollector } from './support/collector-harness';

const MINUTE = 60_000;

function repeat(n: number, seconds: number): number[] {
  return Array.from({ length: n }, () => seconds);
}

test('failed requests are frustrated in Apdex: the overview, the series and the alert window agree', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const resource = serviceResource('shop', 'shop-1', { 'headroom.apdex_t_ms': 100 });
  const route = (status: number): Record<string, string | number> => ({
    'http.request.method': 'GET',
    'http.route': '/busy',
    'http.response.status_code': status,
  });
  await sendMetrics(collector.otlpUrl, resource, (m) => {
    // T = 100 ms: 50 satisfied and 10 tolerating successes; 40 fast 503s (shed load) and
    // 10 tolerating-speed 500s, all frustrated.
    m.histogram('http.server.request.duration', 's', [...repeat(50, 0.01), ...repeat(10, 0.25)], route(200));
    m.histogram('http.server.request.duration', 's', repeat(40, 0.01), route(503));
    m.histogram('http.server.request.duration', 's', repeat(10, 0.25), route(500));
  });
  await collector.storage.flush();

  const expected = (50 + 10 / 2) / 110;
  const now = Date.now();
  const range = { from: now - 10 * MINUTE, to: now + MINUTE };
  const overview = collector.storage.services(range).services.find((s) => s.service === 'shop');
  assert.ok(overview, 'shop in the overview');
  assert.equal(overview.requests, 110);
  assert.ok(overview.apdex !== null && Math.abs(overview.apdex - expected) < 1e-6, `overview apdex ${overview.apdex}, expected ${expected}`);

  const series = collector.storage.serviceSeries({ service: 'shop', ...range, bucketMs: MINUTE });
  const minutes = series.apdex.filter((a): a is number => a !== null);
  assert.equal(minutes.length, 1, 'one minute with requests');
  assert.ok(Math.abs(minutes[0]! - expected) < 1e-6, `series apdex ${minutes[0]}`);

  const window = collector.storage.requestWindow({ service: 'shop', ...range });
  assert.ok(window.apdex !== null && Math.abs(window.apdex - expected) < 1e-6, `alert window apdex ${window.apdex}`);
  assert.equal(window.errors, 50);
});

test('a minute of only fast failures reads Apdex 0, and only fast successes 1', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const status = (s: number) => ({ 'http.request.method': 'GET', 'http.route': '/x', 'http.response.status_code': s });
  await sendMetrics(collector.otlpUrl, serviceResource('down', 'down-1', { 'headroom.apdex_t_ms': 100 }), (m) =>
    m.histogram('http.server.request.duration', 's', repeat(30, 0.002), status(503)),
  );
  await sendMetrics(collector.otlpUrl, serviceResource('up', 'up-1', { 'headroom.apdex_t_ms': 100 }), (m) =>
    m.histogram('http.server.request.duration', 's', repeat(30, 0.002), status(404)),
  );
  await collector.storage.flush();
  const now = Date.now();
  const byName = new Map(collector.storage.services({ from: now - 10 * MINUTE, to: now + MINUTE }).services.map((s) => [s.service, s]));
  assert.equal(byName.get('down')?.apdex, 0);
  assert.equal(byName.get('up')?.apdex, 1, 'a 404 is not an error (as documented), so not frustrated');
});
