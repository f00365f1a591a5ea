// Cold start on a busy process, among many starts: the first requests after a process started
// are its oldest traces, not among the newest 1,000 its first minute holds, and the finding's
// "of M starts" counts every start of the window. Spans, metrics and start events through the
// real OTLP exporters into the SQLite file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAdvisor } from '../../collector/src/advisor';
import { sendLogs, sendMetrics, sendTraces, serviceResource, startTestCollector, type SpanSpec, type TestCollector } from './support/collector-harness';

let collector: TestCollector;
before(async () => {
  collector = await startTestCollector();
});
after(async () => {
  await collector.dispose();
});

const SERVICE = 'busy-start-svc';
const ROUTE = { 'http.request.method': 'GET', 'http.route': '/work' };
const start = (timeMs: number) => ({ timeMs, body: 'process listening', attributes: { 'event.name': 'headroom.process.start' } });

test('a busy process whose first 5 of 1,205 requests after its start were slow, among 1,101 starts: cold start, of 1101 starts', async () => {
  const startMs = Date.now() - 120_000;
  // 1,100 earlier starts of other processes (none served a request), then the busy one's.
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'others'), Array.from({ length: 1100 }, (_, i) => start(startMs - 300_000 + i * 100)));
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'busy-1'), [start(startMs)]);
  const root = (at: number, durationMs: number): SpanSpec => ({ name: 'GET /work', startMs: at, durationMs, attributes: ROUTE });
  const slow = Array.from({ length: 5 }, (_, i) => root(startMs + 100 + i * 500, 400));
  const fast = Array.from({ length: 1200 }, (_, i) => root(startMs + 3_000 + i * 40, 5));
  await sendTraces(collector.otlpUrl, serviceResource(SERVICE, 'busy-1'), [...slow, ...fast]);
  await sendMetrics(collector.otlpUrl, serviceResource(SERVICE, 'busy-1'), (m) =>
    m.histogram('http.server.request.duration', 's', [...slow.map(() => 0.4), ...fast.map(() => 0.005)], { ...ROUTE, 'http.response.status_code': 200 }),
  );
  await collector.storage.flush();

  const advisor = createAdvisor(collector.storage, { windowMs: 10 * 60_000 });
  const findings = advisor.findings({ from: Date.now() - 600_000, to: Date.now() + 1000, service: SERVICE }).findings;
  const cold = findings.find((f) => f.kind === 'restarts.cold-start');
  assert.ok(cold, `a cold-start finding; got ${findings.map((f) => f.kind).join(', ') || 'none'}`);
  assert.equal(cold.evidence.figures.startsAffected, 1);
  assert.equal(cold.evidence.figures.starts, 1101);
  assert.ok(Number(cold.evidence.figures.firstRequestsMedianMs) >= 390, `first ${cold.evidence.figures.firstRequestsMedianMs}`);
  assert.match(cold.evidence.summary, /^After 1 start of 1101 in /);
});
