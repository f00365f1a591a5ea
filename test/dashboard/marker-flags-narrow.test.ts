// On a phone (390 px) the service page's charts crowd their markers: a rolling deploy's flag,
// its new processes' starts ("×5"), the old ones' restarts and stalls within a few pixels. Each
// flag and each count label must stay readable: none drawn over another. The charts are canvas,
// so Chromium records what the markers plugin draws (each flag's triangle and each "×n" with its
// measured box) and the test checks that no two boxes overlap.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import type { EventsResponse } from '@headroom/collector/api-types';
import { sendLogs, sendMetrics, serviceResource } from '../collector/support/collector-harness';
import { api, ARTIFACTS, eventually, useCollectorAndBrowser } from './support/browser-harness';
import { postStalls } from './support/otlp-json';

const rig = useCollectorAndBrowser();
const SERVICE = 'crowded-deploy';
const ROUTE = { 'http.route': '/work', 'http.request.method': 'GET', 'http.response.status_code': 200 };

interface Box {
  canvas: number;
  kind: 'flag' | 'label';
  text: string;
  color: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * Runs in the page before its scripts (as text: a compiled function would bring the compiler's
 * helpers): records flags (filled triangles) and "×n" labels per canvas, as last drawn.
 */
const RECORD_MARKER_BOXES = `(() => {
  window.__markerBoxes = [];
  const ids = new WeakMap();
  let next = 0;
  const idOf = (c) => { if (!ids.has(c)) ids.set(c, next++); return ids.get(c); };
  const paths = new WeakMap();
  const P = CanvasRenderingContext2D.prototype;
  const { beginPath, moveTo, lineTo, fill, fillText, clearRect } = P;
  P.beginPath = function () { paths.set(this, []); return beginPath.call(this); };
  P.moveTo = function (x, y) { paths.get(this)?.push([x, y]); return moveTo.call(this, x, y); };
  P.lineTo = function (x, y) { paths.get(this)?.push([x, y]); return lineTo.call(this, x, y); };
  P.fill = function (...args) {
    const pts = paths.get(this) ?? [];
    if (args.length === 0 && pts.length === 3) {
      const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
      window.__markerBoxes.push({ canvas: idOf(this.canvas), kind: 'flag', text: '', color: String(this.fillStyle),
        left: Math.min(...xs), right: Math.max(...xs), top: Math.min(...ys), bottom: Math.max(...ys) });
    }
    return fill.apply(this, args);
  };
  P.fillText = function (text, x, y, ...rest) {
    if (String(text).startsWith('\u00d7')) {
      const m = this.measureText(text);
      window.__markerBoxes.push({ canvas: idOf(this.canvas), kind: 'label', text: String(text), color: String(this.fillStyle),
        left: x - m.actualBoundingBoxLeft, right: x + m.actualBoundingBoxRight, top: y - m.actualBoundingBoxAscent, bottom: y + m.actualBoundingBoxDescent });
    }
    return fillText.call(this, text, x, y, ...rest);
  };
  // A redraw starts from a cleared canvas: forget what was drawn on it before.
  P.clearRect = function (x, y, w, h) {
    if (x <= 0 && y <= 0 && w >= this.canvas.width && h >= this.canvas.height) {
      const id = idOf(this.canvas);
      window.__markerBoxes = window.__markerBoxes.filter((b) => b.canvas !== id);
    }
    return clearRect.call(this, x, y, w, h);
  };
})();`;

async function sendData(): Promise<void> {
  const now = Date.now();
  const deploy = now - 6 * 60_000;
  // Four old processes on 1.0.0 until the deploy; four new ones on 1.1.0 from it, a second apart;
  // two old ones restarted just before it (their starts as restarts) and stalls around it.
  for (let i = 1; i <= 4; i++) {
    await sendMetrics(rig.collector.otlpUrl, serviceResource(SERVICE, `old-${i}`, { 'service.version': '1.0.0' }), (m) => {
      m.histogram('http.server.request.duration', 's', Array(20).fill(0.01), ROUTE);
    });
  }
  const starts: { id: string; at: number; version: string; restart?: boolean }[] = [
    ...[1, 2].map((i) => ({ id: `old-${i}`, at: deploy - 25_000 + i * 2000, version: '1.0.0', restart: true })),
    ...[1, 2, 3, 4, 5].map((i) => ({ id: `new-${i}`, at: deploy + i * 1500, version: '1.1.0' })),
  ];
  for (const s of starts) {
    const resource = serviceResource(SERVICE, s.id, { 'service.version': s.version });
    await sendLogs(rig.collector.otlpUrl, resource, [{ timeMs: s.at, body: 'process listening', attributes: { 'event.name': s.restart ? 'headroom.process.restart' : 'headroom.process.start' } }]);
  }
  await postStalls(rig.collector.otlpUrl, [-40, -36, -33, 12, 15, 18, 21, 24].map((s) => ({ service: SERVICE, instanceId: 'new-1', startMs: deploy + s * 1000, durationMs: 150, cpuMs: 140, route: '/work', method: 'GET' })));
}

test('at 390 px the markers\' flags and "×n" counts around a deploy do not overlap', async () => {
  await sendData();
  await eventually('the starts, restarts and stalls', () => api<EventsResponse>(rig.collector.httpUrl, `/api/events?service=${SERVICE}&range=15m&limit=100`), (r) => r.events.length >= 15);
  const page = await rig.browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  try {
    await page.addInitScript(RECORD_MARKER_BOXES);
    await page.goto(`${rig.collector.httpUrl}/services/${SERVICE}?range=15m`);
    const boxes = await eventually(
      'count labels drawn',
      () => page.evaluate(() => (window as unknown as { __markerBoxes: Box[] }).__markerBoxes),
      (b) => b.some((x) => x.kind === 'label') && b.some((x) => x.color === '#0e7490'),
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-markers-390.png'), fullPage: true });
    const overlaps: string[] = [];
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        if (a.canvas !== b.canvas || (a.kind === 'flag' && b.kind === 'flag')) continue;
        if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlaps.push(`${a.kind} ${a.text || a.color} over ${b.kind} ${b.text || b.color}`);
      }
    }
    assert.deepEqual(overlaps, [], `${boxes.filter((b) => b.kind === 'label').length} labels, ${boxes.filter((b) => b.kind === 'flag').length} flags`);
  } finally {
    await page.close();
  }
});
