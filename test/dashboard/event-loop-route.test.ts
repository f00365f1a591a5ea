// The event-loop page filtered to one route (`?route=`): a route-scoped stall.count alert's link
// and a route's stall marker open that route's stalls, not the whole service's (QA: the alert's
// link opened every stall of the service, with no way to see the route's). Stalls over OTLP/JSON
// to a real collector, the rule through its API, Chromium reads the pages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertRulesResponse, StallsResponse } from '@headroom/collector/api-types';
import { postJson } from '../collector/support/webhook-receiver';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { postStalls } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const SERVICE = 'reports';

async function sendStalls(): Promise<void> {
  const t0 = Date.now() - 180_000;
  await postStalls(rig.collector.otlpUrl, [
    // No trace kept for the report's stalls: their markers lead to the event-loop page.
    { service: SERVICE, instanceId: 'reports-1', startMs: t0, durationMs: 310, cpuMs: 300, route: '/report', method: 'GET' },
    { service: SERVICE, instanceId: 'reports-1', startMs: t0 + 20_000, durationMs: 220, cpuMs: 210, route: '/report', method: 'GET' },
    { service: SERVICE, instanceId: 'reports-1', startMs: t0 + 40_000, durationMs: 180, cpuMs: 170, route: '/export', method: 'POST' },
    { service: SERVICE, instanceId: 'reports-1', startMs: t0 + 60_000, durationMs: 150, cpuMs: 140 },
  ]);
  await eventually('the stalls grouped', () => api<StallsResponse>(rig.collector.httpUrl, `/api/services/${SERVICE}/stalls?range=15m`), (r) => r.groups.length === 3);
}
let sent: Promise<void> | undefined;
/** Each test may run alone (--test-name-pattern): the stalls are sent by the first to need them. */
const stallsSent = (): Promise<void> => (sent ??= sendStalls());

test("a route-scoped stall.count alert's link opens the event-loop page on that route's stalls; 'show all routes' shows the rest", async () => {
  await stallsSent();
  const created = await postJson(`${rig.collector.httpUrl}/api/alerts/rules`, {
    id: 'report-stalls', name: 'Report stalls', series: 'stall.count', service: SERVICE, route: 'GET /report', windowMs: '15m', comparison: '>', threshold: 0,
  });
  assert.equal(created.status, 201, JSON.stringify(created.json));
  const rules = await api<AlertRulesResponse>(rig.collector.httpUrl, '/api/alerts/rules');
  const link = rules.rules.find((r) => r.rule.id === 'report-stalls')?.link ?? '';
  const url = new URL(link, rig.collector.httpUrl);
  assert.equal(url.pathname, `/services/${SERVICE}/event-loop`);
  assert.equal(url.searchParams.get('route'), 'GET /report');

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/alerts`);
    await page.getByRole('link', { name: 'Report stalls' }).click();
    await page.waitForURL(`**/services/${SERVICE}/event-loop?*`);
    const table = page.getByTestId('stalls-table');
    await table.locator('tbody tr').first().waitFor();
    assert.equal(await page.getByTestId('route-filter').locator('code').textContent(), 'GET /report');
    const routes = () => table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-route')));
    assert.deepEqual(await routes(), ['GET /report']);
    const list = page.locator('[data-testid="stall-list"] li');
    await eventually('only the route’s stalls listed', () => list.allTextContents(), (t) => t.length === 2);
    for (const text of await list.allTextContents()) assert.match(text, /GET \/report/);

    await page.getByRole('button', { name: 'show all routes' }).click();
    await eventually('every route’s groups', routes, (r) => r.length === 3);
    assert.equal(new URL(page.url()).searchParams.get('route'), null);
    await eventually('every stall listed', () => list.count(), (n) => n === 4);
  } finally {
    await page.close();
  }
});

test("on a route's service view, a stall marker without a trace and the Event-loop stalls link carry the route", async () => {
  await stallsSent();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}?route=${encodeURIComponent('GET /report')}`);
    const markerLinks = page.locator('li.marker-stall a');
    await eventually('the route’s stall markers listed', () => markerLinks.count(), (n) => n === 2);
    for (const href of await markerLinks.evaluateAll((as) => as.map((a) => a.getAttribute('href')))) {
      const u = new URL(href ?? '', rig.collector.httpUrl);
      assert.equal(u.pathname, `/services/${SERVICE}/event-loop`);
      assert.equal(u.searchParams.get('route'), 'GET /report');
    }
    const more = new URL((await page.getByRole('link', { name: 'Event-loop stalls' }).getAttribute('href')) ?? '', rig.collector.httpUrl);
    assert.equal(more.searchParams.get('route'), 'GET /report');

    await markerLinks.first().click();
    await page.waitForURL(`**/services/${SERVICE}/event-loop?*`);
    const table = page.getByTestId('stalls-table');
    await table.locator('tbody tr').first().waitFor();
    assert.deepEqual(await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-route'))), ['GET /report']);
  } finally {
    await page.close();
  }
});

test("no frame shows the previous filter's data: 'show all routes' never paints the route's two stalls without its filter", async () => {
  await stallsSent();
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}/event-loop?route=${encodeURIComponent('GET /report')}`);
    const list = page.locator('[data-testid="stall-list"] li');
    await eventually('the route’s stalls listed', () => list.count(), (n) => n === 2);
    // Every DOM change is seen before the frame is painted (a MutationObserver runs at the
    // microtask after the commit): record what each one would paint.
    await page.evaluate(() => {
      const seen: { filtered: boolean; listed: number }[] = [];
      (window as unknown as { seen: typeof seen }).seen = seen;
      new MutationObserver(() => {
        seen.push({ filtered: document.querySelector('[data-testid="route-filter"]') !== null, listed: document.querySelectorAll('[data-testid="stall-list"] li').length });
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'show all routes' }).click();
    await eventually('every stall listed', () => list.count(), (n) => n === 4);
    const seen = await page.evaluate(() => (window as unknown as { seen: { filtered: boolean; listed: number }[] }).seen);
    const stale = seen.filter((s) => !s.filtered && s.listed === 2);
    assert.deepEqual(stale, [], `frames without the filter showing the route's stalls: ${JSON.stringify(seen)}`);
  } finally {
    await page.close();
  }
});

test("a route outside the service's 500 biggest stall groups still shows its stalls (the API narrows to the route)", async () => {
  const service = 'catalog';
  const t0 = Date.now() - 240_000;
  // 501 routes stalling 400 ms each, and /small once for 120 ms: the service's top 500 groups leave it out.
  await postStalls(rig.collector.otlpUrl, [
    ...Array.from({ length: 501 }, (_, i) => ({ service, instanceId: 'catalog-1', startMs: t0 + i * 10, durationMs: 400, cpuMs: 390, route: `/big-${i}`, method: 'GET' })),
    { service, instanceId: 'catalog-1', startMs: t0 + 10_000, durationMs: 120, cpuMs: 110, route: '/small', method: 'GET' },
  ]);
  await eventually('the stalls stored', () => api<StallsResponse>(rig.collector.httpUrl, `/api/services/${service}/stalls?range=15m`), (r) => r.groups.length === 500);
  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 1000 } });
  try {
    await page.goto(`${rig.collector.httpUrl}/services/${service}/event-loop?route=${encodeURIComponent('GET /small')}`);
    const table = page.getByTestId('stalls-table');
    await table.locator('tbody tr').first().waitFor();
    assert.deepEqual(await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-route'))), ['GET /small']);
  } finally {
    await page.close();
  }
});
