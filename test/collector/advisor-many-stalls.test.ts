// A busy hour's stalls: more than the 1,000 stall events a read of the events returns. The
// advisor's event-loop rules and the alert rule stall.count count every stall of the window
// (grouped in SQL), not the newest 1,000: a route with 1,500 stalls read as 1,000, a CPU-starved
// share came from the newest stalls only, and stall.count > 1000 could never fire. Stall events
// through the real OTLP log exporter.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAdvisor } from '../../collector/src/advisor';
import { readSeries } from '../../collector/src/alerts/series-reader';
import type { AlertRule, Finding } from '../../collector/src/api-types';
import { sendLogs, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';

let collector: TestCollector;
before(async () => {
  collector = await startTestCollector();
});
after(async () => {
  await collector.dispose();
});

/** A stall of `durationMs` in `route` with `cpuMs` of it on CPU, at `location`'s line. */
const stall = (timeMs: number, route: string, durationMs: number, cpuMs: number, line = 12) => ({
  timeMs,
  attributes: {
    'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': durationMs, 'headroom.stall.cpu_ms': cpuMs,
    'code.function': 'render', 'code.filepath': '/app/report.js', 'code.lineno': line,
    'http.request.method': 'GET', 'http.route': route,
  },
});

async function findings(service: string): Promise<Finding[]> {
  await collector.storage.flush();
  const advisor = createAdvisor(collector.storage, { windowMs: 10 * 60_000 });
  return advisor.findings({ from: Date.now() - 600_000, to: Date.now() + 1000, service }).findings;
}

test('1,500 stalls of a route, the longest among the oldest: every one is counted, and the longest is named', async () => {
  const t0 = Date.now() - 400_000;
  // The oldest 500 at line 40, one of them 1.2 s in a kept trace; the newest 1,000 of 60 ms at line 12.
  const longest = { ...stall(t0 + 700, '/report', 1200, 1180, 40), traceId: 'a1'.repeat(16), spanId: 'b2'.repeat(8) };
  const stalls = [
    ...Array.from({ length: 500 }, (_, i) => (i === 7 ? longest : stall(t0 + i * 100, '/report', 300, 290, 40))),
    ...Array.from({ length: 1000 }, (_, i) => stall(t0 + 60_000 + i * 100, '/report', 60, 58)),
  ];
  await sendLogs(collector.otlpUrl, serviceResource('busy-svc', 'busy-1'), stalls);
  const all = await findings('busy-svc');
  const route = all.find((f) => f.kind === 'eventloop.blocking-route');
  assert.ok(route, `a blocking-route finding; got ${all.map((f) => f.kind).join(', ')}`);
  assert.equal(route.evidence.figures.stalls, 1500);
  assert.equal(route.evidence.figures.maxStallMs, 1200);
  assert.equal(route.evidence.figures.totalStallMs, 499 * 300 + 1200 + 1000 * 60);
  assert.equal(route.evidence.figures.longestStallTraceId, 'a1'.repeat(16));
  // 150.9 s at line 40 against 60 s at line 12.
  assert.equal(route.evidence.figures.location, 'render (/app/report.js:40)');
  assert.match(route.evidence.summary, /^1500 stalls in GET \/report /);
  assert.equal(route.severity, 'critical');

  const rule: Pick<AlertRule, 'series' | 'service' | 'route' | 'instanceId' | 'findingKind' | 'windowMs' | 'comparison'> = {
    series: 'stall.count', service: 'busy-svc', route: null, instanceId: null, findingKind: null, windowMs: 10 * 60_000, comparison: '>',
  };
  assert.equal(readSeries(collector.storage, null, rule, Date.now()), 1500);
  assert.equal(readSeries(collector.storage, null, { ...rule, route: 'GET /report' }, Date.now()), 1500);
});

test('1,200 stalls the process hardly ran through, then 300 on CPU: the starved count is 1,200 of 1,500', async () => {
  const t0 = Date.now() - 400_000;
  const stalls = [
    ...Array.from({ length: 1200 }, (_, i) => stall(t0 + i * 100, '/export', 200, 5)),
    ...Array.from({ length: 300 }, (_, i) => stall(t0 + 150_000 + i * 100, '/report', 200, 190)),
  ];
  await sendLogs(collector.otlpUrl, serviceResource('starved-svc', 'starved-1'), stalls);
  const all = await findings('starved-svc');
  const starved = all.find((f) => f.kind === 'eventloop.cpu-starved');
  assert.ok(starved, `a cpu-starved finding; got ${all.map((f) => f.kind).join(', ')}`);
  assert.equal(starved.evidence.figures.starvedStalls, 1200);
  assert.equal(starved.evidence.figures.stalls, 1500);
  assert.equal(starved.evidence.figures.mostIn, 'GET /export');
  assert.equal(starved.evidence.figures.totalStarvedMs, 1200 * 200);
  const exportRoute = all.find((f) => f.kind === 'eventloop.blocking-route' && f.evidence.figures.route === 'GET /export');
  assert.equal(exportRoute, undefined, 'stalls the process hardly ran through are not blamed on the route');
  const report = all.find((f) => f.kind === 'eventloop.blocking-route' && f.evidence.figures.route === 'GET /report');
  assert.equal(report?.evidence.figures.stalls, 300);
});

/** `count` gauge points of `name`, one every 200 ms from `fromMs` (OTLP/JSON: one export can hold many). */
async function sendGaugePoints(service: string, instanceId: string, gauges: { name: string; unit: string; value: number }[], fromMs: number, count: number): Promise<void> {
  const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
  const metrics = gauges.map((g) => ({
    name: g.name,
    unit: g.unit,
    gauge: { dataPoints: Array.from({ length: count }, (_, i) => ({ timeUnixNano: (BigInt(fromMs + i * 200) * 1_000_000n).toString(), asDouble: g.value })) },
  }));
  const body = { resourceMetrics: [{ resource: { attributes: [str('service.name', service), str('service.instance.id', instanceId)] }, scopeMetrics: [{ scope: { name: 'headroom-test' }, metrics }] }] };
  const res = await fetch(`${collector.otlpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  await res.arrayBuffer();
  assert.equal(res.status, 200);
}

test('a late loop with 1,300 stalls on CPU over 2,400 delay readings: the stalls explain it, every one counted', async () => {
  const t0 = Date.now() - 540_000;
  // p99 delay 200 ms and utilisation 0.9 in 2,400 readings: stalls in half of them (1,200) explain the delay.
  const busy = [{ name: 'nodejs.eventloop.delay.p99', unit: 's', value: 0.2 }, { name: 'nodejs.eventloop.utilization', unit: '1', value: 0.9 }];
  await sendGaugePoints('late-svc', 'late-1', busy, t0, 2400);
  await sendLogs(collector.otlpUrl, serviceResource('late-svc', 'late-1'), Array.from({ length: 1300 }, (_, i) => stall(t0 + i * 300, '/report', 150, 140)));
  // The same readings without a stall: too much work per process.
  await sendGaugePoints('crowded-svc', 'crowded-1', busy, t0, 2400);
  const crowded = await findings('crowded-svc');
  assert.ok(crowded.some((f) => f.kind === 'eventloop.delay'), `a delay finding without stalls; got ${crowded.map((f) => f.kind).join(', ')}`);
  const late = await findings('late-svc');
  assert.ok(late.some((f) => f.kind === 'eventloop.blocking-route'), `the route is named; got ${late.map((f) => f.kind).join(', ')}`);
  assert.equal(late.find((f) => f.kind === 'eventloop.delay'), undefined, 'the 1,300 stalls (not the newest 1,000) explain the delay');
});
