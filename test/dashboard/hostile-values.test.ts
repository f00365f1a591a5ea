// Values an app sends are shown as text on every page, never as markup or a link target: a
// service, instance, route, span and event name, attribute keys and values, an exception's
// message and a stall's code location, each carrying an <img onerror> and a javascript: URL.
// Counting <img> elements tells markup from text whatever the Content-Security-Policy blocks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StallsResponse, TracesResponse } from '@headroom/collector/api-types';
import { attr, nanos, postOtlpJson, postStalls, resource } from './support/otlp-json';
import { api, eventually, useCollectorAndBrowser } from './support/browser-harness';

const rig = useCollectorAndBrowser();
const tag = (n: number) => `<img src=x onerror=alert(${n})>`;
const SERVICE = `shop${tag(1)}`;
const INSTANCE = `inst${tag(2)}`;
const ROUTE = `/${tag(3)}`;
const TRACE_ID = '5ec0000000000000000000000000a001';
const ENC = encodeURIComponent(SERVICE);

async function sendHostileData(): Promise<void> {
  const start = Date.now() - 60_000;
  await postOtlpJson(rig.collector.otlpUrl, 'traces', {
    resourceSpans: [{
      resource: resource(SERVICE, INSTANCE),
      scopeSpans: [{ scope: { name: 't' }, spans: [{
        traceId: TRACE_ID, spanId: '5ec000000000a001', name: `GET ${ROUTE}`, kind: 2, startTimeUnixNano: nanos(start), endTimeUnixNano: nanos(start + 40),
        status: { code: 2, message: `status ${tag(4)}` },
        attributes: [
          attr('http.route', ROUTE), attr('http.request.method', 'GET'), attr('http.response.status_code', 500),
          attr('url.full', 'javascript:alert(5)'), attr(`key${tag(6)}`, `value${tag(7)}`),
        ],
        events: [
          { timeUnixNano: nanos(start + 30), name: 'exception', attributes: [attr('exception.type', `Type${tag(8)}`), attr('exception.message', `message${tag(9)}`)] },
          { timeUnixNano: nanos(start + 35), name: `event${tag(10)}`, attributes: [] },
        ],
      }] }],
    }],
  });
  await postStalls(rig.collector.otlpUrl, [{
    service: SERVICE, instanceId: INSTANCE, startMs: start + 10, durationMs: 250, cpuMs: 240, route: ROUTE, method: 'GET',
    agent: { function: `fn${tag(11)}`, filepath: 'javascript:alert(12)' },
  }]);
}

test('values from an app are text on every page, and never a link target', async () => {
  await sendHostileData();
  await eventually('the trace', () => api<TracesResponse>(rig.collector.httpUrl, `/api/traces?service=${ENC}&range=15m`), (r) => r.traces.length === 1);
  await eventually('the stall', () => api<StallsResponse>(rig.collector.httpUrl, `/api/services/${ENC}/stalls?range=15m`), (r) => r.groups.length === 1);

  const page = await rig.browser.newPage({ viewport: { width: 1280, height: 900 } });
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  // Each page, and what it must show as text.
  const pages: [string, string[]][] = [
    ['/?range=15m', [SERVICE]],
    [`/services/${ENC}?range=15m`, [SERVICE]],
    [`/services/${ENC}/traces?range=15m`, [`GET ${ROUTE}`]],
    [`/services/${ENC}/traces/${TRACE_ID}`, [`Type${tag(8)}: message${tag(9)}`]],
    [`/services/${ENC}/event-loop?range=15m`, [`fn${tag(11)}`, `GET ${ROUTE}`, 'javascript:alert(12)']],
    [`/services/${ENC}/instances?range=15m`, [INSTANCE]],
  ];
  try {
    for (const [path, texts] of pages) {
      await page.goto(`${rig.collector.httpUrl}${path}`);
      // Loaded once the value shows, as text or made into an element.
      await page.waitForFunction((text) => document.body.innerText.includes(text) || document.querySelector('img') !== null, texts[0] as string, { timeout: 10_000 });
      assert.equal(await page.locator('img').count(), 0, `${path}: no element made from a value`);
      const body = await page.locator('body').innerText();
      for (const text of texts) assert.ok(body.includes(text), `${path} shows ${text}`);
      const hrefs = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
      assert.deepEqual(hrefs.filter((h) => !h.startsWith('/') && !h.startsWith('#')), [], `${path}: links stay in the dashboard`);
    }
    // The span's attributes and events, opened from the trace page.
    await page.goto(`${rig.collector.httpUrl}/services/${ENC}/traces/${TRACE_ID}`);
    await page.locator('.wf-label').first().click();
    const detail = await page.locator('[data-testid="span-detail"]').innerText();
    for (const text of [`key${tag(6)}`, `value${tag(7)}`, 'javascript:alert(5)', `event${tag(10)}`, `status ${tag(4)}`]) assert.ok(detail.includes(text), `span detail shows ${text}`);
    assert.equal(await page.locator('img').count(), 0);
    assert.deepEqual(dialogs, []);
  } finally {
    await page.close();
  }
});
