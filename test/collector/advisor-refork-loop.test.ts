// Cluster workers killed by SIGKILL and re-forked by their primary, again and again: a restart
// loop. A killed worker sends no stop of its own; its primary's report of its exit says how it
// ended (store/instance-stop.ts, sqlite/queries/instance-endings.ts: the one rule for how a
// process ended), and the restart rule reads that rule: the kills are not a deploy's restarts
// (those are merged, every process of a cluster starting within seconds), and the processes
// they replaced were killed, not silent. QA: four SIGKILL re-forks within 8 s raised nothing.
// A real cluster app under the agent, the workers killed by the test.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAdvisor } from '../../collector/src/advisor';
import { readSeries } from '../../collector/src/alerts/series-reader';
import type { EventsResponse, Finding } from '../../collector/src/api-types';
import { eventually, FIXTURES, freePort, RANGE, runApp, startTestCollector, type RunningApp, type TestCollector } from '../agent/support/harness';

const SERVICE = 'refork-loop';
let collector: TestCollector;
let app: RunningApp;

before(async () => {
  collector = await startTestCollector();
  app = await runApp(`${FIXTURES}/refork-cluster-app.js`, {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl,
    OTEL_SERVICE_NAME: SERVICE,
    CLUSTER_PORT: String(await freePort()),
  });
});

after(async () => {
  await app?.stop();
  await collector?.close();
});

/** The pids of the workers listening now, from the app's output. */
function listeningWorkers(): number[] {
  const pids = [...app.stdout().matchAll(/worker (\d+) listening/g)].map((m) => Number(m[1]));
  return pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
}

test('four workers killed by SIGKILL and re-forked within seconds: a restart loop, of killed processes', async () => {
  const killed: number[] = [];
  for (let i = 0; i < 4; i++) {
    const victim = await eventually(async () => listeningWorkers().find((pid) => !killed.includes(pid)), 'a live worker');
    process.kill(victim, 'SIGKILL');
    killed.push(victim);
    // Its replacement listens before the next kill.
    await eventually(async () => (listeningWorkers().length === 2 ? true : undefined), 'the re-forked worker');
  }
  // The primary's reports of the four exits.
  await eventually(async () => {
    const r = await collector.api<EventsResponse>(`/api/events?service=${SERVICE}&type=worker_exit&${RANGE()}`);
    return r.events.length >= 4 ? true : undefined;
  }, 'four worker exits');
  await collector.collector.storage.flush();
  const advisor = createAdvisor(collector.collector.storage, { windowMs: 10 * 60_000 });
  const findings: Finding[] = advisor.findings({ from: Date.now() - 600_000, to: Date.now() + 1000, service: SERVICE }).findings;
  const loop = findings.find((f) => f.kind === 'restarts.loop');
  assert.ok(loop, `a restart-loop finding; got ${JSON.stringify(findings.map((f) => f.title))}`);
  assert.equal(loop.evidence.figures.restarts, 4);
  assert.equal(loop.evidence.figures.replacedKilled, 4);
  assert.equal(loop.evidence.figures.replacedWithoutStop, 0);
  assert.match(loop.evidence.summary, /4 killed by a signal their cluster primary did not send/);
  // The alert series restart.count counts by the same rule (store/process-restarts.ts): the four re-forks.
  const rule = { series: 'restart.count', service: SERVICE, route: null, instanceId: null, findingKind: null, windowMs: 10 * 60_000, comparison: '>' } as const;
  assert.equal(readSeries(collector.collector.storage, null, rule, Date.now()), loop.evidence.figures.processRestarts);
  assert.equal(loop.evidence.figures.processRestarts, 4);
});
