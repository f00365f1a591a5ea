// Dashboard pages over data sent at known times (through the real OTLP exporters): what the
// chart legends show when nothing is hovered, and the trace list's slow-and-failed default
// with its paging.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import type { InstanceSeriesResponse, TracesResponse } from '@headroom/collector/api-types';
import { formatBytes } from '../../dashboard/src/format/units';
import { sendGauges } from '../collector/support/advisor-harness';
import { sendLogs, sendTraces, serviceResource, type SpanSpec } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';

const MINUTE = 60_000;
const rig = useCollectorAndBrowser();

async function open(urlPath: string): Promise<Page> {
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(rig.collector.httpUrl + urlPath, { waitUntil: 'domcontentloaded' });
  return page;
}

/** The legend of a chart as label → shown value (uPlot's legend table). */
async function legend(page: Page, chart: string): Promise<Record<string, string>> {
  const rows = await page.locator(`[data-chart="${chart}"] .u-legend .u-series`).evaluateAll((trs) =>
    trs.map((tr) => [tr.querySelector('.u-label')?.textContent ?? '', tr.querySelector('.u-value')?.textContent ?? '']),
  );
  return Object.fromEntries(rows);
}

/**
 * The overview's Instances cell for a service once it reads `expected` (it counted every process
 * seen in the range, so "2" for one live process beside one that crashed).
 */
async function overviewInstances(service: string, expected: string): Promise<void> {
  const page = await open('/');
  try {
    await eventually("the overview's instances", () => page.locator(`tr[data-service="${service}"] [data-col="instances"]`).textContent(), (v) => v === expected);
  } finally {
    await page.close();
  }
}

test('a process that sent its stop event is shown stopped at once, with why, and leaves the live count', async () => {
  const service = 'stopped-svc';
  const now = Date.now();
  const points = [3, 2, 1, 0].map((n) => ({ t: now - n * 20_000, v: 200 * 2 ** 20 }));
  for (const [id, pid] of [['running-instance', 201], ['stopped-instance', 202], ['crashed-instance', 203]] as const) {
    await sendGauges(rig.collector.otlpUrl, { 'service.name': service, 'service.instance.id': id, 'process.pid': pid }, [{ name: 'process.memory.usage', unit: 'By', points }]);
  }
  // As the agent sends it (agent/src/signals/process-stop.ts), seconds ago: both processes
  // reported within the last two minutes, so only the event tells the stopped one apart.
  await sendLogs(rig.collector.otlpUrl, serviceResource(service, 'stopped-instance', { 'process.pid': 202 }), [
    {
      timeMs: now - 1_000,
      body: 'process stopped by SIGTERM after 2 h 5 min',
      attributes: { 'event.name': 'headroom.process.stop', 'headroom.stop.reason': 'signal', 'headroom.stop.signal': 'SIGTERM', 'headroom.stop.uptime_s': 7500 },
    },
  ]);
  await sendLogs(rig.collector.otlpUrl, serviceResource(service, 'crashed-instance', { 'process.pid': 203 }), [
    { timeMs: now - 900, body: 'process crashed: uncaught exception after 12 s', attributes: { 'event.name': 'headroom.process.stop', 'headroom.stop.reason': 'uncaught_exception' } },
  ]);
  const page = await open(`/services/${service}/instances`);
  try {
    await eventually('the note', () => page.locator('[data-testid="instances-note"]').textContent(), (t) => t === '1 live, 2 stopped');
    const cards = await page.locator('article.instance').evaluateAll((els) => els.map((el) => [el.getAttribute('data-instance'), el.getAttribute('data-gone')]));
    assert.deepEqual(cards[0], ['running-instance', null], 'the live one first');
    assert.deepEqual(cards.slice(1).sort(), [['crashed-instance', '1'], ['stopped-instance', '1']]);
    const stopped = page.locator('[data-instance="stopped-instance"]');
    assert.equal(await stopped.locator('[data-testid="instance-state"]').textContent(), 'stopped by SIGTERM');
    assert.equal(await stopped.locator('[data-testid="instance-state"].badge-error').count(), 0, 'a clean stop is no error');
    const crashed = page.locator('[data-instance="crashed-instance"] [data-testid="instance-state"]');
    assert.equal(await crashed.textContent(), 'crashed');
    assert.equal(await crashed.evaluate((el) => el.classList.contains('badge-error')), true, 'a crash is shown as an error');
    assert.match((await stopped.locator('[data-col="stopped"]').textContent()) ?? '', /: process stopped by SIGTERM after 2 h 5 min$/);
    assert.equal(await page.locator('[data-instance="running-instance"] [data-testid="instance-state"]').count(), 0);
    // The charts fold the stopped ones away at once too, as they do a process silent for 2 minutes.
    await page.locator('[data-chart="memory"] canvas').waitFor();
    const shown = await eventually('the memory legend', () => legend(page, 'memory'), (l) => 'pid 201 RSS' in l);
    assert.equal(shown['pid 202 RSS'], undefined, JSON.stringify(shown));
    assert.equal(shown['pid 203 RSS'], undefined, JSON.stringify(shown));
  } finally {
    await page.close();
  }
  await overviewInstances(service, '1 live · 2 gone');
});

test('a chart legend shows one moment: the newest bucket with data; a process gone by then is folded away, and shows a dash when shown; processes named by role, worker and pid', async () => {
  const service = 'legend-svc';
  const now = Date.now();
  const minuteAgo = (n: number) => Math.floor(now / MINUTE) * MINUTE - n * MINUTE + 5_000;
  // One process stopped reporting ten minutes ago, the other reports until now (its last point
  // seconds old, in the current minute: a process silent for 2 minutes counts as gone, and a
  // point a minute back could pass that while a loaded machine runs the test).
  const gone = [12, 11, 10].map((n) => ({ t: minuteAgo(n), v: 300 * 2 ** 20 }));
  const lastPoint = Math.max(now - 2_000, Math.floor(now / MINUTE) * MINUTE);
  const alive = [...[12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map(minuteAgo), lastPoint].map((t, i) => ({ t, v: (100 + i) * 2 ** 20 }));
  await sendGauges(rig.collector.otlpUrl, { 'service.name': service, 'service.instance.id': 'gone-instance', 'process.pid': 101, 'headroom.cluster.role': 'primary' }, [{ name: 'process.memory.usage', unit: 'By', points: gone }]);
  await sendGauges(rig.collector.otlpUrl, { 'service.name': service, 'service.instance.id': 'alive-instance', 'process.pid': 102, 'headroom.cluster.role': 'worker', 'headroom.cluster.worker_id': 2 }, [{ name: 'process.memory.usage', unit: 'By', points: alive }]);
  await eventually(
    'both instances in the instance series',
    () => api<InstanceSeriesResponse>(rig.collector.httpUrl, `/api/services/${service}/instances/series?range=15m`),
    (r) => r.instances.length === 2 && r.instances.every((i) => i.rssBytes.some((v) => v !== null)),
  );

  const page = await open(`/services/${service}/instances`);
  try {
    await page.locator('[data-chart="memory"] canvas').waitFor();
    // Legends name the processes (the names come with the instance list, maybe after the chart).
    const shown = await eventually('named legend rows', () => legend(page, 'memory'), (l) => 'worker 2 · pid 102 RSS' in l);
    assert.equal(shown['worker 2 · pid 102 RSS'], formatBytes(alive.at(-1)!.v), JSON.stringify(shown));
    assert.match(shown.time ?? '', /\(latest\)$/);
    // The stopped process is folded away until asked for; then it shows no value now.
    assert.equal(shown['primary · pid 101 RSS'], undefined, JSON.stringify(shown));
    await page.locator('[data-chart="memory"] [data-testid="gone-toggle"]').click();
    const withGone = await eventually('the gone process shown', () => legend(page, 'memory'), (l) => 'primary · pid 101 RSS' in l);
    assert.equal(withGone['primary · pid 101 RSS'], '–', `the stopped process shows no value now: ${JSON.stringify(withGone)}`);
    // The cards: live first, the stopped process marked gone, the id still there.
    assert.match((await page.locator('[data-testid="instances-note"]').textContent()) ?? '', /^1 live, 1 gone/);
    const cards = await page.locator('article.instance').evaluateAll((els) => els.map((el) => [el.getAttribute('data-instance'), el.getAttribute('data-gone')]));
    assert.deepEqual(cards, [['alive-instance', null], ['gone-instance', '1']]);
    assert.equal((await page.locator('[data-instance="gone-instance"] .instance-name').textContent())?.trim(), 'primary · pid 101gone');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-legend-latest.png'), fullPage: true });
  } finally {
    await page.close();
  }
  // The service page names them too, however its requests come back (the chart takes the
  // names when they arrive after its data), and counts the live one apart from the gone one.
  const servicePage = await open(`/services/${service}`);
  try {
    await servicePage.locator('[data-chart="memory"] canvas').waitFor();
    await servicePage.locator('[data-chart="memory"] [data-testid="gone-toggle"]').click();
    await eventually('named legend rows on the service page', () => legend(servicePage, 'memory'), (l) => 'worker 2 · pid 102 RSS' in l && 'primary · pid 101 RSS' in l);
    await eventually('the instances figure', () => servicePage.locator('[data-testid="stat-instances"] .stat-value').textContent(), (v) => v === '1 live · 1 gone');
  } finally {
    await servicePage.close();
  }
  await overviewInstances(service, '1 live · 1 gone');
});

test('the traces page lists the slow and failed traces by default, a hundred at a time, with "load more"', async () => {
  const service = 'traces-svc';
  const now = Date.now();
  // Apdex T 100 ms: a trace is slow from 400 ms.
  const resource = serviceResource(service, 'traces-instance', { 'headroom.apdex_t_ms': 100 });
  const root = (name: string, startMs: number, durationMs: number, error = false): SpanSpec => ({ name, startMs, durationMs, error, attributes: { 'http.route': name.split(' ')[1]! } });
  const slow = Array.from({ length: 130 }, (_, i) => root('GET /report', now - 5 * MINUTE + i * 1000, 450 + i));
  const fast = Array.from({ length: 40 }, (_, i) => root('GET /fast', now - 2 * MINUTE + i * 1000, 5));
  const failed = root('GET /fail', now - 60_000, 3, true);
  await sendTraces(rig.collector.otlpUrl, resource, [...slow, ...fast, failed]);
  await eventually('every trace stored', () => api<TracesResponse>(rig.collector.httpUrl, `/api/traces?service=${service}&range=15m&limit=1000`), (r) => r.traces.length === 171);

  const page = await open(`/services/${service}/traces`);
  try {
    const rows = page.locator('[data-testid="traces-table"] tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 100, 'one page');
    assert.match((await page.locator('[data-testid="traces-note"]').textContent()) ?? '', /Slow and failed traces \(slow: from 400 ms, 4 × Apdex T, queue wait included\), newest first/);
    await page.locator('[data-testid="load-more"]').click();
    await eventually('the second page', () => rows.count(), (n) => n === 131);
    assert.equal(await page.locator('[data-testid="load-more"]').count(), 0, 'no more pages');
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('.route-cell a')?.textContent ?? ''));
    assert.equal(shown.filter((r) => r === '/fast').length, 0, 'no fast, successful trace');
    assert.equal(shown.filter((r) => r === '/fail').length, 1);
    assert.equal(new Set(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-trace-id')))).size, 131, 'no trace twice');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-traces-notable.png'), fullPage: true });

    // Slowest first, from the form; the choice goes into the URL.
    await page.locator('select[name="sort"]').selectOption('duration');
    await page.locator('[data-testid="trace-filters"] button[type="submit"]').click();
    await page.waitForURL(/sort=duration/);
    await eventually('slowest first', () => rows.first().locator('[data-col="duration"]').textContent(), (v) => v?.trim() === '579 ms');
    // All traces, on request.
    const all = await open(`/services/${service}/traces?all=1`);
    await all.locator('[data-testid="traces-table"] tbody tr').first().waitFor();
    assert.match((await all.locator('[data-testid="traces-note"]').textContent()) ?? '', /^All traces, newest first/);
    assert.ok((await all.locator('tr', { hasText: '/fast' }).count()) > 0);
    await all.close();
  } finally {
    await page.close();
  }
});

test('a trace across two services says on each waterfall row which service the span is from', async () => {
  const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const startNs = BigInt(Date.now() - 30_000) * 1_000_000n;
  const span = (spanId: string, parentSpanId: string, name: string, offsetMs: number, durationMs: number) => ({
    traceId, spanId, parentSpanId, name, kind: parentSpanId === '' ? 2 : 3,
    startTimeUnixNano: String(startNs + BigInt(offsetMs) * 1_000_000n),
    endTimeUnixNano: String(startNs + BigInt(offsetMs + durationMs) * 1_000_000n),
    attributes: [{ key: 'http.route', value: { stringValue: '/chain/:sku' } }],
  });
  const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'service.instance.id', value: { stringValue: `${service}-1` } }] });
  const body = {
    resourceSpans: [
      { resource: resource('shop'), scopeSpans: [{ scope: { name: 't' }, spans: [span('1111111111111111', '', 'GET /chain/:sku', 0, 40), span('2222222222222222', '1111111111111111', 'GET', 5, 30)] }] },
      { resource: resource('inventory'), scopeSpans: [{ scope: { name: 't' }, spans: [{ ...span('3333333333333333', '2222222222222222', 'GET /inventory/:sku', 8, 25), kind: 2 }] }] },
    ],
  };
  const res = await fetch(`${rig.collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  await eventually('the trace stored', () => api<{ spans: unknown[] }>(rig.collector.httpUrl, `/api/traces/${traceId}`), (t) => t.spans.length === 3);
  const page = await open(`/traces/${traceId}`);
  try {
    const rows = page.locator('.wf-row[data-span-id]');
    await eventually('the three spans', () => rows.count(), (n) => n === 3);
    const services = await rows.evaluateAll((els) => els.map((el) => [el.querySelector('.wf-label')?.textContent, el.querySelector('[data-testid="span-service"]')?.textContent]));
    assert.deepEqual(services, [['GET /chain/:sku', 'shop'], ['GET', 'shop'], ['GET /inventory/:sku', 'inventory']]);
    assert.equal(await page.getByTestId('caller-missing').count(), 0, 'the whole trace: no caller missing');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-trace-services.png'), fullPage: true });
  } finally {
    await page.close();
  }
});

test('a trace whose caller was not kept says so, and marks the rows under the missing span', async () => {
  // The callee's part of a call from an unsampled request of another service (the agent's light
  // requests propagate their ids unsampled; the callee kept its part because it failed).
  const traceId = 'b1b2c3d4e5f60718293a4b5c6d7e8f90';
  const startNs = BigInt(Date.now() - 30_000) * 1_000_000n;
  const span = (spanId: string, parentSpanId: string, name: string, offsetMs: number, durationMs: number) => ({
    traceId, spanId, parentSpanId, name, kind: 2,
    startTimeUnixNano: String(startNs + BigInt(offsetMs) * 1_000_000n),
    endTimeUnixNano: String(startNs + BigInt(offsetMs + durationMs) * 1_000_000n),
    status: { code: 2, message: 'out of stock' },
  });
  const body = {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'inventory' } }, { key: 'service.instance.id', value: { stringValue: 'inventory-2' } }] },
      scopeSpans: [{ scope: { name: 't' }, spans: [span('4444444444444444', 'ffffffffffffffff', 'GET /inventory/:sku', 0, 25), { ...span('5555555555555555', '4444444444444444', 'SELECT', 2, 10), kind: 3, status: { code: 0 } }] }],
    }],
  };
  const res = await fetch(`${rig.collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  await eventually('the trace stored', () => api<{ spans: unknown[] }>(rig.collector.httpUrl, `/api/traces/${traceId}`), (t) => t.spans.length === 2);
  const page = await open(`/traces/${traceId}`);
  try {
    await page.getByTestId('caller-missing').waitFor();
    assert.match(await page.getByTestId('caller-missing').innerText(), /starts inside a call from a span that was not kept/);
    const marked = await page.locator('.wf-row[data-span-id]').evaluateAll((els) => els.map((el) => [el.querySelector('.wf-label')?.textContent, el.querySelector('[data-testid="parent-missing"]')?.textContent ?? null]));
    assert.deepEqual(marked, [['GET /inventory/:sku', 'caller not recorded'], ['SELECT', null]]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-trace-caller-missing.png'), fullPage: true });
  } finally {
    await page.close();
  }
});
