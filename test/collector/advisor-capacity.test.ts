// Capacity: a single process saturated by CPU work (event-loop utilisation near 1) while its
// host has another CPU → "run more processes"; every process on the host saturated → "add
// instances". Load keeps running until the finding shows, as a saturated service would.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { after, before, test } from 'node:test';
import type { Finding } from '../../collector/src/api-types';
import { GOOD_SERVER_ENV, load, startAdvisorTest, type AdvisorTest, type RunningApp } from './support/advisor-harness';

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

test('one saturated process on a host with idle CPUs: run more processes', async () => {
  const app = await t.app('saturated-svc', GOOD_SERVER_ENV);
  const f = await saturateUntilFinding('saturated-svc', [app]);
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

test('as many saturated processes as the host has CPUs: add instances', async () => {
  const cpus = availableParallelism();
  const apps = await Promise.all(Array.from({ length: cpus }, () => t.app('full-host-svc', GOOD_SERVER_ENV)));
  const found = await saturateUntilFinding('full-host-svc', apps);
  assert.equal(found.kind, 'capacity.more-instances');
  assert.equal(found.evidence.figures.idleCpus, 0);
  assert.equal(found.evidence.figures.processes, cpus);
  assert.ok(Number(found.evidence.figures.processesNeeded) > cpus);
  assert.ok(Number(found.evidence.figures.instancesToAdd) >= 1);
  assert.match(found.title, /^All \d+ process(es)? busy \(event-loop utilisation [\d.]+\) and no idle CPUs left: add instances$/);
});
