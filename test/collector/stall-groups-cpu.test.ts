// GET /api/services/:service/stalls counts, per route and code location, the stalls during which
// the process hardly ran (under a third of the time on CPU: StallGroup.hardlyRan), so a loaded
// machine's pauses are not read as code blocking the loop (QA defect 5).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { StallsResponse } from '../../collector/src/api-types';
import { getJson, sendLogs, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';

let collector: TestCollector;
before(async () => {
  collector = await startTestCollector();
});
after(async () => {
  await collector.dispose();
});

test("stall groups count the stalls whose process hardly ran (a stall without a CPU time is not counted) and the agent's own", async () => {
  const t0 = Date.now() - 60_000;
  const stall = (i: number, durationMs: number, cpuMs: number | null, route: string) => ({
    timeMs: t0 + i * 1000,
    attributes: {
      'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': durationMs, 'http.route': route, 'http.request.method': 'GET',
      'code.function': 'work', 'code.filepath': '/app/work.js', 'code.lineno': 7,
      ...(cpuMs !== null && { 'headroom.stall.cpu_ms': cpuMs }),
    },
  });
  await sendLogs(collector.otlpUrl, serviceResource('orders', 'orders-1'), [
    stall(0, 370, 8.9, '/items'),
    stall(1, 250, 58.8, '/items'),
    stall(5, 1342.9, 270.8, '/items'), // a starved process: its other threads' CPU
    stall(2, 200, 190, '/items'),
    stall(3, 300, null, '/items'),
    stall(4, 150, 149, '/busy'),
  ]);
  await sendLogs(collector.otlpUrl, serviceResource('orders', 'orders-1'), [{
    timeMs: t0 + 6000,
    attributes: {
      'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 130, 'headroom.stall.cpu_ms': 128, 'headroom.stall.agent': true,
      'code.function': 'ProtobufWriter.writeString', 'code.filepath': '/app/node_modules/@opentelemetry/otlp-transformer/build/src/protobuf.js', 'code.lineno': 1,
    },
  }]);
  await collector.storage.flush();
  const { status, body } = await getJson<StallsResponse>(`${collector.httpUrl}/api/services/orders/stalls?range=15m`);
  assert.equal(status, 200);
  assert.deepEqual(body.groups.map((g) => [g.route, g.count, g.hardlyRan, g.agent]).sort(), [[null, 1, 0, 1], ['GET /busy', 1, 0, 0], ['GET /items', 5, 3, 0]]);
  // The share of time on CPU is over the stalls that carry a CPU time (not the 300 ms one without).
  const share = new Map(body.groups.map((g) => [g.route, g.cpuShare]));
  const items = (8.9 + 58.8 + 270.8 + 190) / (370 + 250 + 1342.9 + 200);
  assert.ok(Math.abs(share.get('GET /items')! - items) < 1e-9, `GET /items on CPU ${share.get('GET /items')}, not ${items}`);
  assert.ok(Math.abs(share.get('GET /busy')! - 149 / 150) < 1e-9);
});

test('a stall group none of whose stalls carries a CPU time has no share of CPU, and a CPU time past the stall counts as the whole stall', async () => {
  const t0 = Date.now() - 60_000;
  const stall = (i: number, route: string, cpuMs: number | null) => ({
    timeMs: t0 + i * 1000,
    attributes: {
      'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 200, 'http.route': route, 'http.request.method': 'GET',
      'code.function': 'work', 'code.filepath': '/app/work.js', 'code.lineno': 7,
      ...(cpuMs !== null && { 'headroom.stall.cpu_ms': cpuMs }),
    },
  });
  await sendLogs(collector.otlpUrl, serviceResource('legacy', 'legacy-1'), [stall(0, '/old', null), stall(1, '/old', null), stall(2, '/over', 260)]);
  await collector.storage.flush();
  const { body } = await getJson<StallsResponse>(`${collector.httpUrl}/api/services/legacy/stalls?range=15m`);
  assert.deepEqual(body.groups.map((g) => [g.route, g.cpuShare]).sort(), [['GET /old', null], ['GET /over', 1]]);
});

test('route= answers that route\'s groups, also when the service has 500 bigger groups elsewhere; a malformed route is 400', async () => {
  const t0 = Date.now() - 120_000;
  const stall = (i: number, durationMs: number, route: string, line: number) => ({
    timeMs: t0 + i * 10,
    attributes: {
      'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': durationMs, 'headroom.stall.cpu_ms': durationMs, 'http.route': route, 'http.request.method': 'GET',
      'code.function': 'work', 'code.filepath': '/app/work.js', 'code.lineno': line,
    },
  });
  // 501 code locations of /big, each longer than /small's one stall.
  await sendLogs(collector.otlpUrl, serviceResource('catalog', 'catalog-1'), [
    ...Array.from({ length: 501 }, (_, i) => stall(i, 400, '/big', i + 1)),
    stall(600, 120, '/small', 9),
  ]);
  await collector.storage.flush();
  const url = `${collector.httpUrl}/api/services/catalog/stalls?range=15m`;
  const all = await getJson<StallsResponse>(url);
  assert.equal(all.body.groups.length, 500);
  assert.ok(all.body.groups.every((g) => g.route === 'GET /big'), 'the top 500 are /big\'s');
  const small = await getJson<StallsResponse>(`${url}&route=${encodeURIComponent('GET /small')}`);
  assert.equal(small.status, 200);
  assert.deepEqual(small.body.groups.map((g) => [g.route, g.location, g.count, g.totalMs]), [['GET /small', 'work (/app/work.js:9)', 1, 120]]);
  const big = await getJson<StallsResponse>(`${url}&route=GET+%2Fbig`);
  assert.equal(big.body.groups.length, 500);
  const none = await getJson<StallsResponse>(`${url}&route=${encodeURIComponent("GET /x' OR 1=1 --")}`);
  assert.equal(none.status, 200);
  assert.deepEqual(none.body.groups, []);
  const bad = await getJson<{ error: { code: string } }>(`${url}&route=${encodeURIComponent('/small')}`);
  assert.equal(bad.status, 400);
});
