// The event-loop page shows each stall's CPU time beside its duration and says when the process
// hardly ran (machine busy or a blocking system call) instead of presenting it as code blocking
// the loop (QA defect 5). Stalls sent over OTLP/JSON to a real collector; Chromium reads the page.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { StallsResponse } from '@headroom/collector/api-types';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { attr, nanos, postOtlpJson, postStalls, resource } from './support/otlp-json';

const rig = useCollectorAndBrowser();

test('an off-CPU stall is marked as the process hardly running, a busy loop is not', async () => {
  const t0 = Date.now() - 120_000;
  await postStalls(rig.collector.otlpUrl, [
    { service: 'orders', instanceId: 'orders-1', startMs: t0, durationMs: 370, cpuMs: 8.9, route: '/orders/:id/items', method: 'GET' },
    { service: 'orders', instanceId: 'orders-1', startMs: t0 + 30_000, durationMs: 200, cpuMs: 190, route: '/busy/:n', method: 'GET' },
  ]);
  await eventually('both stalls grouped', () => api<StallsResponse>(rig.collector.httpUrl, '/api/services/orders/stalls?range=15m'), (r) => r.groups.length === 2);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/orders/event-loop`);
    const items = page.locator('[data-testid="stall-list"] li');
    await items.nth(1).waitFor();
    const read = await items.evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-off-cpu'), li.querySelector('[data-testid="stall-cpu"]')?.textContent, li.querySelector('[data-testid="hardly-ran"]')?.textContent ?? null]));
    assert.deepEqual(read, [
      ['false', ' (CPU 190 ms)', null],
      ['true', ' (CPU 8.9 ms)', 'process hardly ran: machine busy or a blocking system call'],
    ]);
    const cpuCell = (route: string) => page.locator(`[data-testid="stalls-table"] tr[data-route="${route}"] [data-col="cpu"]`).textContent();
    // The group's share of time on CPU stands in the column; a busy loop's is no empty cell.
    assert.equal(await cpuCell('GET /orders/:id/items'), '2 % on CPU · process hardly ran: machine busy or a blocking system call');
    assert.equal(await cpuCell('GET /busy/:n'), '95 % on CPU');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-event-loop-cpu.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test("a stall in the agent's own export is named Headroom's agent, in the table and the list, not \"outside a request\"", async () => {
  const t0 = Date.now() - 100_000;
  await postStalls(rig.collector.otlpUrl, [
    { service: 'exports', instanceId: 'exports-1', startMs: t0, durationMs: 140, cpuMs: 138, agent: { function: 'ProtobufWriter.writeString', filepath: '/app/node_modules/@opentelemetry/otlp-transformer/build/src/protobuf.js' } },
    { service: 'exports', instanceId: 'exports-1', startMs: t0 + 20_000, durationMs: 120, cpuMs: 118 },
  ]);
  await eventually('both stalls grouped', () => api<StallsResponse>(rig.collector.httpUrl, '/api/services/exports/stalls?range=15m'), (r) => r.groups.length === 2);
  const groups = await api<StallsResponse>(rig.collector.httpUrl, '/api/services/exports/stalls?range=15m');
  assert.deepEqual(groups.groups.map((g) => [g.count, g.agent]).sort(), [[1, 0], [1, 1]]);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/exports/event-loop`);
    const items = page.locator('[data-testid="stall-list"] li');
    await items.nth(1).waitFor();
    const listed = await items.evaluateAll((lis) => lis.map((li) => li.querySelector('[data-testid="agent-stall"]')?.textContent ?? null));
    assert.deepEqual(listed, [null, "Headroom's agent (its own export or metric collection)"]);
    const rows = page.locator('[data-testid="stalls-table"] tbody tr');
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('.route-cell')?.textContent));
    assert.deepEqual(cells.sort(), ["Headroom's agent (its own export or metric collection)", 'outside a request']);
  } finally {
    await page.close();
  }
});

test('in a trace, a stall span the process hardly ran through is tagged so', async () => {
  const t0 = Date.now() - 90_000;
  const traceId = '5a11000000000000000000000000c0de';
  await postOtlpJson(rig.collector.otlpUrl, 'traces', {
    resourceSpans: [{ resource: resource('orders', 'orders-1'), scopeSpans: [{ scope: { name: 't' }, spans: [
      { traceId, spanId: 'd000000000000001', name: 'GET /orders/:id/items', kind: 2, startTimeUnixNano: nanos(t0), endTimeUnixNano: nanos(t0 + 400), status: { code: 0 } },
      { traceId, spanId: 'd000000000000002', parentSpanId: 'd000000000000001', name: 'event loop blocked', kind: 1, startTimeUnixNano: nanos(t0 + 10), endTimeUnixNano: nanos(t0 + 380),
        status: { code: 0 }, attributes: [attr('headroom.stall', true), attr('headroom.stall.duration_ms', 370), attr('headroom.stall.cpu_ms', 8.9)] },
    ] }] }],
  });
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/orders/traces/${traceId}`);
    await page.locator('[data-span-id="d000000000000002"]').waitFor();
    assert.equal(await page.locator('[data-span-id="d000000000000002"] [data-testid="hardly-ran"]').textContent(), 'process hardly ran');
    assert.equal(await page.locator('[data-span-id="d000000000000001"] [data-testid="hardly-ran"]').count(), 0);
  } finally {
    await page.close();
  }
});

test('the latest stalls name their process as the other pages do, and each trace link says whose trace it opens', async () => {
  const t0 = Date.now() - 80_000;
  const instanceId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
  await postStalls(rig.collector.otlpUrl, [
    { service: 'named', instanceId, pid: 4242, startMs: t0, durationMs: 250, cpuMs: 240, route: '/report', method: 'GET', traceId: '5a11000000000000000000000000fee1', spanId: 'f000000000000001' },
    { service: 'named', instanceId, pid: 4242, startMs: t0 + 20_000, durationMs: 130, cpuMs: 125, route: '/report', method: 'GET', traceId: '5a11000000000000000000000000fee2', spanId: 'f000000000000002' },
    // Caught under a span of no request (a job's, a client call's): its trace, outside a request.
    { service: 'named', instanceId, pid: 4242, startMs: t0 + 40_000, durationMs: 120, cpuMs: 115, traceId: '5a11000000000000000000000000fee3', spanId: 'f000000000000003' },
  ]);
  await eventually('both stalls grouped', () => api<StallsResponse>(rig.collector.httpUrl, '/api/services/named/stalls?range=15m'), (r) => r.groups[0]?.count === 2);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/named/event-loop`);
    const items = page.locator('[data-testid="stall-list"] li');
    await items.nth(2).waitFor();
    await eventually('the process named', () => items.first().textContent(), (t) => (t ?? '').includes('pid 4242'));
    assert.equal(await page.locator('[data-testid="stall-list"]').getByText(instanceId).count(), 0);
    const clock = (ms: number) => new Date(ms).toTimeString().slice(0, 8);
    const names = await page.locator('[data-testid="stall-list"] a').evaluateAll((as) => as.map((a) => a.getAttribute('aria-label') ?? a.textContent));
    assert.deepEqual(names, [
      // Not "in outside a request".
      `trace of the 120 ms stall at ${clock(t0 + 40_000)} outside a request`,
      `trace of the 130 ms stall at ${clock(t0 + 20_000)} in GET /report`,
      `trace of the 250 ms stall at ${clock(t0)} in GET /report`,
    ]);
    await page.getByRole('link', { name: `trace of the 250 ms stall at ${clock(t0)} in GET /report` }).click();
    await page.waitForURL('**/services/named/traces/5a11000000000000000000000000fee1');
  } finally {
    await page.close();
  }
});

test('at 800 px the stalls table fits: a long code location wraps, and the counts and times stay in view', async () => {
  const t0 = Date.now() - 70_000;
  const filepath = '/srv/app/node_modules/@opentelemetry/instrumentation-http/build/src/http.js';
  await postStalls(rig.collector.otlpUrl, [
    { service: 'narrow-stalls', instanceId: 'ns-1', startMs: t0, durationMs: 420, cpuMs: 5, agent: { function: 'ProtobufWriter.writeString', filepath } },
    { service: 'narrow-stalls', instanceId: 'ns-1', startMs: t0 + 10_000, durationMs: 180, cpuMs: 175, route: '/report/:year/:month/summary', method: 'GET' },
  ]);
  await eventually('both stalls grouped', () => api<StallsResponse>(rig.collector.httpUrl, '/api/services/narrow-stalls/stalls?range=15m'), (r) => r.groups.length === 2);

  const page = await rig.browser.newPage({ viewport: { width: 800, height: 900 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/narrow-stalls/event-loop`);
    const table = page.getByTestId('stalls-table');
    await table.locator('tbody tr').nth(1).waitFor();
    const fit = await table.evaluate((t) => {
      const scroll = t.closest('.table-scroll') as HTMLElement;
      return { scrollWidth: scroll.scrollWidth, clientWidth: scroll.clientWidth, right: Math.max(...[...t.querySelectorAll('[data-col="total"]')].map((c) => c.getBoundingClientRect().right)) };
    });
    assert.ok(fit.scrollWidth <= fit.clientWidth, `the table scrolls sideways: ${JSON.stringify(fit)}`);
    assert.ok(fit.right <= 800, `the total blocked is out of view: ${JSON.stringify(fit)}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-stalls-800.png'), fullPage: true });
  } finally {
    await page.close();
  }
});
