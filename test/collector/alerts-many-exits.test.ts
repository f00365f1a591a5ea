// A busy window's process endings: more than the 1,000 events a read of the events returns.
// crash.count counts every worker exit its primary did not ask for that named no process, and
// restart.count every re-fork of one (store/process-restarts.ts); the advisor's restart loop
// says how many restarts and uncaught exceptions the window held, every one. Events through the real OTLP log
// exporter into the SQLite file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAdvisor } from '../../collector/src/advisor';
import { readSeries } from '../../collector/src/alerts/series-reader';
import type { AlertRule, AlertSeries } from '../../collector/src/api-types';
import { sendLogs, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';

let collector: TestCollector;
before(async () => {
  collector = await startTestCollector();
});
after(async () => {
  await collector.dispose();
});

const SERVICE = 'flapping-svc';

function read(series: AlertSeries): number | null {
  const rule: Pick<AlertRule, 'series' | 'service' | 'route' | 'instanceId' | 'findingKind' | 'windowMs' | 'comparison'> = {
    series, service: SERVICE, route: null, instanceId: null, findingKind: null, windowMs: 10 * 60_000, comparison: '>',
  };
  return readSeries(collector.storage, null, rule, Date.now());
}

test('1,200 workers killed by SIGKILL that never reported, 1,100 uncaught exceptions: every one is counted', async () => {
  const t0 = Date.now() - 400_000;
  // Workers killed so young that they sent nothing (their pids name no instance), and two the primary stopped.
  const exits = Array.from({ length: 1200 }, (_, i) => ({
    timeMs: t0 + i * 200,
    body: `worker ${i} (pid ${20_000 + i}) killed by SIGKILL`,
    attributes: { 'event.name': 'headroom.process.worker_exit', 'headroom.worker.id': i, 'headroom.worker.pid': 20_000 + i, 'headroom.worker.signal': 'SIGKILL', 'headroom.worker.intended': false },
  }));
  const stopped = [1, 2].map((i) => ({
    timeMs: t0 + 250_000 + i,
    body: `worker ${5000 + i} killed by SIGTERM, stopped by the primary`,
    attributes: { 'event.name': 'headroom.process.worker_exit', 'headroom.worker.id': 5000 + i, 'headroom.worker.pid': 30_000 + i, 'headroom.worker.signal': 'SIGTERM', 'headroom.worker.intended': true },
  }));
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'primary', { 'process.pid': 19_999 }), [...exits, ...stopped]);
  const crashes = Array.from({ length: 1100 }, (_, i) => ({
    timeMs: t0 + 100 + i * 200,
    body: `TypeError: boom ${i}`,
    attributes: { 'event.name': 'headroom.process.uncaught_exception' },
  }));
  await sendLogs(collector.otlpUrl, serviceResource(SERVICE, 'worker-a'), crashes);
  await collector.storage.flush();

  assert.equal(read('crash.count'), 1200);
  assert.equal(read('restart.count'), 1200);
  const advisor = createAdvisor(collector.storage, { windowMs: 10 * 60_000 });
  const findings = advisor.findings({ from: Date.now() - 600_000, to: Date.now() + 1000, service: SERVICE }).findings;
  const loop = findings.find((f) => f.kind === 'restarts.loop');
  assert.ok(loop, `a restart-loop finding; got ${findings.map((f) => f.kind).join(', ')}`);
  // Every exit is a failure of its own: 1,200 restarts, each of a process killed (the loop read the newest 1,000).
  assert.equal(loop.evidence.figures.restarts, 1200);
  assert.equal(loop.evidence.figures.processRestarts, 1200);
  assert.equal(loop.evidence.figures.replacedKilled, 1200);
  assert.match(loop.title, /^1200 restarts in /);
  assert.equal(loop.evidence.figures.uncaughtExceptions, 1100);
  assert.match(loop.evidence.summary, /1100 uncaught exceptions/);
  assert.match(loop.evidence.summary, /Latest: TypeError: boom 1099/);
});
