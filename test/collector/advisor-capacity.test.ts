// Capacity: a single process saturated by CPU work (event-loop utilisation near 1) while its
// host has another CPU → "run more processes"; every process on the host saturated → "add
// instances". Load keeps running until the finding shows, as a saturated service would.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { after, before, test } from 'node:test';
import type { Finding } from '../../collector/src/api-types';
import { byKind, GOOD_SERVER_ENV, load, sendGauges, startAdvisorTest, type AdvisorTest, type RunningApp } from './support/advisor-harness';

let t: AdvisorTest;
before(async () => {
  t = await startAdvisorTest();
});
after(async () => {
  await t.close();
});

/** Keeps `apps` saturated until a capacity finding of `service` appears. */
async function saturateUntilFinding(service: string, apps: RunningApp[]): Promise<Finding> {
  let done = false;
  const loads = apps.map(async (app) => {
    while (!done) await load(app.base, '/work/20', { durationMs: 1000, concurrency: 3 });
  });
  try {
    return await t.waitFor(service, 'a capacity finding', (list) => list.find((f) => f.kind.startsWith('capacity.')), undefined, 30_000);
  } finally {
    done = true;
    await Promise.all(loads);
  }
}

/**
 * On a machine other jobs keep busy, saturated test apps may get under half the CPU their loops
 * were ready to run: then the advisor rightly says they wait for a CPU, and the sizing this test
 * is about cannot be judged here. True when that was the finding, after checking its figures bear
 * it out (the CPU used really was under half of what the loops could run on).
 */
function starvedHere(tc: { diagnostic(message: string): void }, f: Finding, cpus: number): boolean {
  if (f.kind !== 'capacity.waiting-for-cpu') return false;
  const couldUse = Math.min(Number(f.evidence.figures.eventLoopBusyAtPeak), cpus);
  assert.ok(Number(f.evidence.figures.cpuUsedAtPeak) < 0.5 * couldUse, JSON.stringify(f.evidence.figures));
  tc.diagnostic(`the machine starved the apps of CPU (${JSON.stringify(f.evidence.figures)}): sizing not judged`);
  return true;
}

test('one saturated process on a host with idle CPUs: run more processes', async (tc) => {
  const app = await t.app('saturated-svc', GOOD_SERVER_ENV);
  const f = await saturateUntilFinding('saturated-svc', [app]);
  if (starvedHere(tc, f, availableParallelism())) return;
  const cpus = availableParallelism();
  const figures = f.evidence.figures;
  assert.equal(figures.processes, 1);
  assert.ok(Number(figures.peakUtilizationPerProcess) >= 0.8, `utilisation ${figures.peakUtilizationPerProcess}`);
  assert.equal(figures.hostCpus, cpus);
  // needed = ceil(busy / 0.7): 2 for a busy of 0.8..1.
  assert.equal(figures.processesNeeded, 2);
  if (cpus >= 2) {
    assert.equal(f.kind, 'capacity.more-processes');
    assert.match(f.title, new RegExp(`^Event-loop utilisation (0\\.\\d+|1) on 1 process while the host has ${cpus} CPUs: run more processes$`));
    assert.match(f.change, /Run 2 processes instead of 1/);
  } else {
    assert.equal(f.kind, 'capacity.more-instances');
  }
  assert.match(f.evidence.chartLink, /^\/services\/saturated-svc\/instances\?from=\d+&to=\d+$/);
  assert.ok(['warning', 'critical'].includes(f.severity));
  assert.equal(f.severity, Number(figures.peakUtilizationPerProcess) >= 0.95 ? 'critical' : 'warning');
});

test('as many saturated processes as the host has CPUs: add instances', async (tc) => {
  const cpus = availableParallelism();
  const apps = await Promise.all(Array.from({ length: cpus }, () => t.app('full-host-svc', GOOD_SERVER_ENV)));
  const found = await saturateUntilFinding('full-host-svc', apps);
  if (starvedHere(tc, found, cpus)) return;
  assert.equal(found.kind, 'capacity.more-instances', JSON.stringify(found.evidence.figures));
  assert.equal(found.evidence.figures.idleCpus, 0);
  assert.equal(found.evidence.figures.processes, cpus);
  assert.ok(Number(found.evidence.figures.processesNeeded) > cpus);
  assert.ok(Number(found.evidence.figures.instancesToAdd) >= 1);
  assert.match(found.title, /^All \d+ process(es)? busy \(event-loop utilisation [\d.]+\) and no idle CPUs left: add instances$/);
});

test('a loop kept busy by one blocking route: fix the route, not more processes', async (tc) => {
  // Back-to-back requests that each burn 250 ms of CPU: the process is busy, and that busy is
  // the route's stalls (QA s14: /block/300 at 2.5 a second read ELU 0.9 and the advisor said
  // "run more processes" beside the blocking-route finding).
  const app = await t.app('stall-busy-svc', GOOD_SERVER_ENV);
  let done = false;
  const blocking = (async () => {
    while (!done) await load(app.base, '/block/250', { durationMs: 1000, concurrency: 1 });
  })();
  let f: Finding;
  try {
    // Once the stalls have arrived too (their events are exported apart from the gauges), and
    // the peak minute holds more than the first seconds of the load (minute resolution: a minute
    // the load began in late holds a stall or two beside a full minute's utilisation reading).
    f = await t.waitFor(
      'stall-busy-svc',
      'a capacity finding with the stalls',
      (list) => (list.some((x) => x.kind === 'eventloop.blocking-route') ? list.find((x) => x.kind === 'capacity.mostly-stalls' || x.kind === 'capacity.waiting-for-cpu') : undefined),
      undefined,
      30_000,
    );
  } finally {
    done = true;
    await blocking;
  }
  // Starved, the stalls are ones the process hardly ran through, which blame no code.
  if (starvedHere(tc, f, availableParallelism())) return;
  assert.equal(f.kind, 'capacity.mostly-stalls', JSON.stringify(f.evidence.figures));
  assert.equal(f.evidence.figures.topRoute, 'GET /block/:ms');
  assert.ok(Number(f.evidence.figures.stallShare) >= 0.5, `stall share ${f.evidence.figures.stallShare}`);
  assert.match(f.title, /^Event-loop utilisation [\d.]+ on 1 process, \d+ % of it stalls: fix route GET \/block\/:ms before adding processes$/);
  assert.match(f.evidence.chartLink, /^\/services\/stall-busy-svc\/event-loop\?from=\d+&to=\d+&route=GET\+%2Fblock%2F%3Ams$/);
  const kinds = (await t.findings('stall-busy-svc')).map((x) => x.kind);
  assert.ok(!kinds.includes('capacity.more-processes') && !kinds.includes('capacity.more-instances'), kinds.join(', '));
  assert.ok(kinds.includes('eventloop.blocking-route'), kinds.join(', '));
});

// Several hosts do not fit in a test machine: these send event-loop utilisation per process
// through the real OTLP exporter, each process saying its host and CPU count as the agent does.
// `cpuShare`: process.cpu.utilization as the agent sends it (CPU time / elapsed / host CPUs).
async function sendBusy(service: string, host: string, cpus: number, processes: number, busy: number, cpuShare?: number): Promise<void> {
  const now = Date.now();
  const at = (v: number): { t: number; v: number }[] => Array.from({ length: 20 }, (_, i) => ({ t: now - 60_000 + i * 3000, v }));
  for (let p = 0; p < processes; p++) {
    await sendGauges(t.otlpUrl, { 'service.name': service, 'service.instance.id': `${host}-${p}`, 'host.name': host, 'headroom.host.cpu_count': cpus }, [
      { name: 'nodejs.eventloop.utilization', unit: '1', points: at(busy) },
      ...(cpuShare === undefined ? [] : [{ name: 'process.cpu.utilization', unit: '1', points: at(cpuShare) }]),
    ]);
  }
}

test('two 4-CPU hosts with one busy process each: more processes on the idle CPUs', async () => {
  await sendBusy('two-hosts-svc', 'host-a', 4, 1, 0.9);
  await sendBusy('two-hosts-svc', 'host-b', 4, 1, 0.9);
  const f = await t.waitFor('two-hosts-svc', 'a capacity finding', (list) => list.find((x) => x.kind.startsWith('capacity.')));
  assert.equal(f.kind, 'capacity.more-processes');
  assert.equal(f.evidence.figures.hosts, 2);
  assert.equal(f.evidence.figures.hostCpus, 8);
  assert.equal(f.evidence.figures.idleCpus, 6);
  // 2 × 0.9 = 1.8 busy at peak, / 0.7 → 3 processes.
  assert.equal(f.evidence.figures.processesNeeded, 3);
  assert.equal(f.title, 'Event-loop utilisation 0.9 on 2 processes while the 2 hosts have 8 CPUs: run more processes');
});

test('two 2-CPU hosts full of busy processes: add instances, and how many', async () => {
  await sendBusy('full-hosts-svc', 'host-c', 2, 2, 0.95);
  await sendBusy('full-hosts-svc', 'host-d', 2, 2, 0.95);
  const f = await t.waitFor('full-hosts-svc', 'a capacity finding', (list) => list.find((x) => x.kind.startsWith('capacity.')));
  assert.equal(f.kind, 'capacity.more-instances');
  assert.equal(f.severity, 'critical');
  // 4 × 0.95 = 3.8 busy, / 0.7 → 6 processes: 2 more, one more 2-CPU host.
  assert.equal(f.evidence.figures.processesNeeded, 6);
  assert.equal(f.evidence.figures.idleCpus, 0);
  assert.equal(f.evidence.figures.instancesToAdd, 1);
  assert.match(f.change, /add about 1 instance of 2 CPUs, one process per CPU \(6 CPUs in all at ~70 % busy\)/);
  assert.equal(byKind('capacity.oversubscribed')(await t.findings('full-hosts-svc')), undefined, 'one process per CPU is not oversubscribed');
});

test('four busy processes sharing two CPUs: one per CPU, and sizing from the CPU they had', async () => {
  // Each reads ELU 1 and used half the host's CPUs' worth of time (1 CPU each): together they
  // had the host's 2 CPUs, not 4.
  await sendBusy('crowded-svc', 'host-o', 2, 4, 1, 0.5);
  const over = await t.waitFor('crowded-svc', 'the oversubscription finding', byKind('capacity.oversubscribed', 'host-o'));
  const found = await t.findings('crowded-svc');
  assert.equal(over.title, '4 processes share 2 CPUs on host-o: run one per CPU');
  assert.equal(over.severity, 'warning');
  assert.equal(over.evidence.figures.cpuUsedAtPeak, 2);
  assert.match(over.change, /^Run 2 processes on host-o, one per CPU/);
  const more = byKind('capacity.more-instances')(found);
  assert.ok(more);
  // 2 CPUs of work (not 4), / 0.7 → 3 CPUs: one more 2-CPU instance, not 6 processes.
  assert.equal(more.evidence.figures.totalBusyAtPeak, 2);
  assert.equal(more.evidence.figures.eventLoopBusyAtPeak, 4);
  assert.equal(more.evidence.figures.processesNeeded, 3);
  assert.equal(more.evidence.figures.instancesToAdd, 1);
  assert.match(more.change, /add about 1 instance of 2 CPUs, one process per CPU \(3 CPUs in all/);
});

test('busy below the threshold on every process: no capacity finding', async () => {
  await sendBusy('calm-hosts-svc', 'host-e', 2, 2, 0.5);
  await t.tc.collector.storage.flush();
  const now = Date.now();
  assert.equal(t.tc.collector.storage.gaugeBuckets({ service: 'calm-hosts-svc', metric: 'eventloop.utilization', from: now - 600_000, to: now + 1000, bucketMs: 60_000 }).length, 2);
  assert.deepEqual((await t.findings('calm-hosts-svc')).filter((f) => f.kind.startsWith('capacity.')), []);
});

test('busy loops that hardly had a CPU: waiting for a CPU, not more processes', async () => {
  // ELU 0.9 while the process used a quarter of a CPU (an eighth of its 2-CPU host): as a process
  // read on a host other jobs kept at 100 % (QA s14: ELU 0.87 at 0.27 CPUs, told to "run more
  // processes"), or in a container its CPU quota throttles.
  await sendBusy('starved-cpu-svc', 'host-s', 2, 1, 0.9, 0.125);
  const f = await t.waitFor('starved-cpu-svc', 'a capacity finding', (list) => list.find((x) => x.kind.startsWith('capacity.')));
  assert.equal(f.kind, 'capacity.waiting-for-cpu');
  assert.equal(f.severity, 'warning');
  assert.equal(f.title, 'Event-loop utilisation 0.9 on 1 process but only 0.25 CPUs used: it waits for a CPU, more processes would wait too');
  assert.equal(f.evidence.figures.cpuUsedAtPeak, 0.25);
  assert.equal(f.evidence.figures.ranShare, 0.28);
  assert.match(f.evidence.summary, /used 0\.25 CPUs of 2 CPUs, 28 % of what it was ready to run/);
  assert.match(f.change, /^Adding processes on these CPUs is not the fix/);
  assert.deepEqual((await t.findings('starved-cpu-svc')).filter((x) => x.kind.startsWith('capacity.')).map((x) => x.kind), ['capacity.waiting-for-cpu']);

  // The same loop with most of a CPU (0.7 of 0.95: a saturated process on a shared host, as in
  // QA s14 at 0.76 of 0.99) is short of processes.
  await sendBusy('saturated-shared-svc', 'host-t', 2, 1, 0.95, 0.35);
  const more = await t.waitFor('saturated-shared-svc', 'a capacity finding', (list) => list.find((x) => x.kind.startsWith('capacity.')));
  assert.equal(more.kind, 'capacity.more-processes');
  assert.equal(more.evidence.figures.totalBusyAtPeak, 0.7);
});
