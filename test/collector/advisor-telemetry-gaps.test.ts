// The advisor says when its window's data is incomplete: which instances dropped how much and
// when, first among the findings, so the others are read with it in mind. Data placed at known
// times (OTLP/JSON through the real receiver into the SQLite file), read through /api/advisor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AdvisorResponse, Finding } from '../../collector/src/api-types';
import { getJson, startTestCollector, type TestCollector } from './support/collector-harness';
import { droppedBody, type Levels } from './support/dropped-telemetry';

const MINUTE = 60_000;

async function post(collector: TestCollector, body: string): Promise<void> {
  const res = await fetch(`${collector.otlpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(res.status, 200, await res.text());
}

async function findings(collector: TestCollector, service: string, from: number, to: number): Promise<Finding[]> {
  await collector.storage.flush();
  const res = await getJson<AdvisorResponse>(`${collector.httpUrl}/api/advisor?service=${service}&from=${from}&to=${to}`);
  assert.equal(res.status, 200);
  return res.body.findings;
}

test('the advisor reports dropped telemetry in its window: which instances, how much, when; not what was dropped before it', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const base = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;
  const at = (m: number, s = 0): number => base + m * MINUTE + s * 1000;
  const report = (service: string, instance: string, m: number, levels: Levels): Promise<void> => post(collector, droppedBody(service, instance, base, at(m, 30), levels));

  // shop-1 lost spans and metric points in minute 20; shop-2 only spans; an old loss of
  // shop-1, in minute 2, is before the 15-minute window.
  for (let m = 0; m <= 25; m++) {
    await report('shop', 'shop-1', m, m < 2 ? { spans: 0, metrics: 0, logs: 0 } : m < 20 ? { spans: 10, metrics: 0, logs: 0 } : { spans: 591, metrics: 201, logs: 0 });
    await report('shop', 'shop-2', m, m < 21 ? { spans: 0, metrics: 0, logs: 0 } : { spans: 40, metrics: 0, logs: 0 });
    await report('quiet', 'quiet-1', m, { spans: 0, metrics: 0, logs: 0 });
    await report('traces-only', 'traces-1', m, m < 22 ? { spans: 0, metrics: 0, logs: 0 } : { spans: 7, metrics: 0, logs: 0 });
  }
  const from = at(11);
  const to = at(26);

  const shop = await findings(collector, 'shop', from, to);
  const f = shop.find((x) => x.kind === 'telemetry.incomplete');
  assert.ok(f, JSON.stringify(shop.map((x) => x.kind)));
  assert.equal(f.severity, 'warning');
  assert.equal(f.title, 'Data incomplete: 201 metric points, 621 spans dropped by 2 instances in the last 15 minutes');
  assert.match(f.evidence.summary, new RegExp(`shop-1: 201 metric points, 581 spans between ${new Date(at(19, 30)).toISOString()} and ${new Date(at(20, 30)).toISOString()}`));
  assert.match(f.evidence.summary, new RegExp(`shop-2: 40 spans between ${new Date(at(20, 30)).toISOString()} and ${new Date(at(21, 30)).toISOString()}`));
  assert.match(f.evidence.summary, /under-counted/);
  assert.deepEqual(f.evidence.figures, {
    metricPoints: 201,
    spans: 621,
    logRecords: 0,
    instances: 2,
    from: new Date(at(19, 30)).toISOString(),
    to: new Date(at(21, 30)).toISOString(),
  });
  assert.match(f.evidence.chartLink, /^\/services\/shop\?from=/);

  // Spans alone leave the request figures whole: said, but as information.
  const tracesOnly = (await findings(collector, 'traces-only', from, to)).find((x) => x.kind === 'telemetry.incomplete');
  assert.equal(tracesOnly?.severity, 'info');
  assert.match(tracesOnly?.evidence.summary ?? '', /Request counts and timings are whole/);
  // Nothing dropped, or dropped only before the window: no finding.
  assert.equal((await findings(collector, 'quiet', from, to)).find((x) => x.kind === 'telemetry.incomplete'), undefined);
  assert.equal((await findings(collector, 'shop', at(22), at(26))).find((x) => x.kind === 'telemetry.incomplete'), undefined);
});
