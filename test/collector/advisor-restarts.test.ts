// Restarts: a process slot (one service.instance.id, as a supervisor restarting "web-1"
// gives) that crashes on a request and is started again, four times → restart loop; and an
// app whose first requests after start pay for a lazy initialisation → cold start.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { byKind, eventually, get, GOOD_SERVER_ENV, sendGauges, sendStart, startAdvisorTest, type AdvisorTest } from './support/advisor-harness';

let t: AdvisorTest;
before(async () => {
  t = await startAdvisorTest();
});
after(async () => {
  await t.close();
});

function startEvents(service: string): number {
  const now = Date.now();
  const q = { service, from: now - 600_000, to: now + 1000, limit: 100 };
  return t.tc.collector.storage.events({ ...q, type: 'start' }).events.length + t.tc.collector.storage.events({ ...q, type: 'restart' }).events.length;
}

test('a process that crashes and is started again, four times: restart loop', async () => {
  const env = { ...GOOD_SERVER_ENV, OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=crashy-1' };
  for (let run = 1; run <= 4; run++) {
    const app = await t.app('crashy-svc', env);
    // Its start event is in before it crashes, as a supervisor's restarts would leave them.
    await eventually(async () => {
      await t.tc.collector.storage.flush();
      return startEvents('crashy-svc') >= run ? true : undefined;
    }, `start event ${run}`);
    await get(app.base, '/crash').catch(() => undefined);
    const exit = await app.exited;
    assert.notEqual(exit.code, 0);
  }
  const f = await t.waitFor('crashy-svc', 'restart-loop finding', byKind('restarts.loop'));
  assert.equal(f.severity, 'critical');
  assert.equal(f.evidence.figures.restarts, 3);
  assert.equal(f.evidence.figures.processSlots, 1);
  assert.match(f.title, /^3 restarts in the last 10 minutes: the service is in a restart loop$/);
  // Each restart replaced a process whose agent reported how it ended (its stop event).
  assert.equal(f.evidence.figures.replacedCrashed, 3);
  assert.equal(f.evidence.figures.replacedWithoutStop, 0);
  assert.match(f.evidence.summary, /Of the processes they replaced, 3 crashed \(uncaught exception\)\.$/);
  assert.match(f.evidence.chartLink, /^\/services\/crashy-svc\/instances\?/);
});

test('first requests after a start much slower than the rest: cold-start finding', async () => {
  // Apdex T 50 ms: traces over 200 ms are always kept, so the slow first ones are all there.
  const app = await t.app('lazy-svc', { ...GOOD_SERVER_ENV, LAZY_FIRST: '5', HEADROOM_APDEX_T: '50' });
  for (let i = 0; i < 5; i++) await get(app.base, '/lazy');
  for (let i = 0; i < 60; i++) await get(app.base, '/lazy');
  const f = await t.waitFor('lazy-svc', 'cold-start finding', byKind('restarts.cold-start'));
  assert.ok(Number(f.evidence.figures.firstRequestsMedianMs) >= 390, `first ${f.evidence.figures.firstRequestsMedianMs}`);
  assert.ok(Number(f.evidence.figures.serviceMedianMs) < 100, `median ${f.evidence.figures.serviceMedianMs}`);
  assert.equal(f.evidence.figures.startsAffected, 1);
  assert.ok(Number(f.evidence.figures.timesRouteMedian) >= 3, `× route ${f.evidence.figures.timesRouteMedian}`);
  assert.equal(f.severity, 'info');
  assert.match(f.change, /Warm up before listen/);
});

test('first requests to a route that is always slow are no cold start', async () => {
  // The first five go to a 400 ms route, then the service's fast route carries its median.
  const app = await t.app('slow-route-svc', { ...GOOD_SERVER_ENV, HEADROOM_APDEX_T: '50' });
  for (let i = 0; i < 5; i++) await get(app.base, '/sleep/400');
  for (let i = 0; i < 60; i++) await get(app.base, '/hello');
  for (let i = 0; i < 5; i++) await get(app.base, '/sleep/400');
  // Judged once the requests and the first traces are in (the same reads the rule makes).
  const findings = await eventually(async () => {
    await t.tc.collector.storage.flush();
    const now = Date.now();
    const tx = t.tc.collector.storage.transactions({ service: 'slow-route-svc', from: now - 600_000, to: now + 60_000 }).transactions;
    const traces = t.tc.collector.storage.traces({ service: 'slow-route-svc', route: 'GET /sleep/:ms', from: now - 600_000, to: now + 1000, limit: 100 }).traces;
    if (tx.reduce((n, x) => n + x.requests, 0) < 70 || traces.length < 5) return undefined;
    return t.findings('slow-route-svc');
  }, 'the requests and traces stored', 30_000);
  assert.equal(byKind('restarts.cold-start')(findings), undefined, 'a route slow by nature is not a cold start');
});

// Clusters (node:cluster: a primary and workers on one host), sent through the real OTLP
// exporters with their own times: each process reports event-loop utilisation from its start
// to its end, then the start events arrive in order, and the store decides which starts are
// restarts (a new process on the host while an established one fell silent).
interface Proc {
  id: string;
  /** 0 for the primary. */
  worker: number;
  startMs: number;
  endMs: number;
}

async function sendCluster(service: string, host: string, procs: Proc[]): Promise<void> {
  for (const p of procs) {
    const points: { t: number; v: number }[] = [];
    for (let at = p.startMs + 1000; at <= p.endMs; at += 10_000) points.push({ t: at, v: 0.1 });
    const role = p.worker === 0 ? 'primary' : 'worker';
    await sendGauges(t.otlpUrl, { 'service.name': service, 'service.instance.id': p.id, 'host.name': host, 'headroom.cluster.role': role, ...(p.worker > 0 ? { 'headroom.cluster.worker_id': p.worker } : {}) }, [
      { name: 'nodejs.eventloop.utilization', unit: '1', points },
    ]);
  }
  for (const p of [...procs].sort((a, b) => a.startMs - b.startMs)) {
    await sendStart(t.otlpUrl, { 'service.name': service, 'service.instance.id': p.id, 'host.name': host }, { cluster_role: p.worker === 0 ? 'primary' : 'worker', cpu_count: 2 }, p.startMs);
  }
}

/** A primary and `workers` workers started at `at` (a few hundred ms apart), running until `until`. */
function generation(name: string, workers: number, at: number, until: number): Proc[] {
  return Array.from({ length: workers + 1 }, (_, w) => ({ id: `${name}-${w === 0 ? 'primary' : `w${w}`}`, worker: w, startMs: at + w * 400, endMs: until }));
}

async function restartEvents(service: string, count: number): Promise<void> {
  await eventually(async () => {
    await t.tc.collector.storage.flush();
    const now = Date.now();
    return t.tc.collector.storage.events({ service, type: 'restart', from: now - 900_000, to: now + 1000, limit: 100 }).events.length >= count ? true : undefined;
  }, `${count} restart events of ${service}`);
}

test('a re-forked worker and one deploy of a 4-worker cluster: no restart loop', async () => {
  const now = Date.now();
  const t0 = now - 9.5 * 60_000;
  const kill = now - 7 * 60_000;
  const deploy = now - 4 * 60_000;
  const first = generation('old', 4, t0, deploy - 1000);
  const killed = first.find((p) => p.id === 'old-w2') as Proc;
  killed.endMs = kill - 1000;
  const reforked: Proc = { id: 'old-w5', worker: 5, startMs: kill + 2000, endMs: deploy - 1000 };
  await sendCluster('cluster-svc', 'host-k', [...first, reforked, ...generation('new', 4, deploy, now - 5000)]);
  // The store counts 6 restarts: the re-forked worker, and each process of the new cluster.
  await restartEvents('cluster-svc', 6);
  const findings = await t.findings('cluster-svc');
  assert.equal(byKind('restarts.loop')(findings), undefined, `a deploy is one restart: ${JSON.stringify(findings.map((f) => f.title))}`);
});

test('three deploys of a cluster in the window: a restart loop of the service, counted once each', async () => {
  const now = Date.now();
  const at = [now - 9.5 * 60_000, now - 7 * 60_000, now - 4.5 * 60_000, now - 2 * 60_000];
  const procs = at.flatMap((start, g) => generation(`gen${g}`, 2, start, (at[g + 1] ?? now) - 1000));
  await sendCluster('deploys-svc', 'host-d', procs);
  await restartEvents('deploys-svc', 9);
  const f = await t.waitFor('deploys-svc', 'restart-loop finding', byKind('restarts.loop'));
  assert.equal(f.evidence.figures.restarts, 3);
  assert.equal(f.evidence.figures.processRestarts, 6, 'the primaries are not counted');
  assert.match(f.title, /^3 restarts in the last 10 minutes: the service is in a restart loop$/);
});
