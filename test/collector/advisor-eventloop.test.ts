// Event loop: a route that blocks the loop is named with its stalls and code location; a
// process with steady medium-sized callbacks (no stalls) is "too much work per process".
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { after, before, test } from 'node:test';
import type { Finding } from '../../collector/src/api-types';
import { byKind, eventually, get, GOOD_SERVER_ENV, sendGauges, sleep, startAdvisorTest, TEST_OPTIONS, type AdvisorTest } from './support/advisor-harness';

let t: AdvisorTest;
before(async () => {
  t = await startAdvisorTest();
});
after(async () => {
  await t.close();
});

test('a route that blocks the loop gets a blocking-route finding with its stalls and code location', async () => {
  const app = await t.app('blocking-svc', GOOD_SERVER_ENV);
  let sent = 0;
  for (; sent < 3; sent++) await get(app.base, '/block/250');
  for (let i = 0; i < 10; i++) await get(app.base, '/hello');
  // A busy test machine can keep the agent from tying a stall to its route (then it is a
  // stall outside any request); the finding must agree with the stalls the store holds.
  const stallsOfRoute = async (): Promise<number> => {
    await t.tc.collector.storage.flush();
    const now = Date.now();
    return t.tc.collector.storage.events({ service: 'blocking-svc', route: 'GET /block/:ms', type: 'stall', from: now - 600_000, to: now + 1000, limit: 100 }).events.length;
  };
  // Once all three requests are in, the finding counts every stall of the route the store
  // holds: those on CPU as stalls, those during which the process hardly ran apart.
  // (A crowded machine can starve a stall to under a third of it on CPU: then it is not blamed
  // on the route, store/stall-cpu.ts. While no finding names the route, block once more.)
  const f = await eventually(async () => {
    const stored = await stallsOfRoute();
    const found = byKind('eventloop.blocking-route', 'GET /block/:ms')(await t.findings('blocking-svc'));
    if (!found && stored >= sent) {
      await get(app.base, '/block/250');
      sent++;
    }
    if (!found || found.evidence.figures.requests !== sent) return undefined;
    return Number(found.evidence.figures.stalls) + Number(found.evidence.figures.offCpuStalls ?? 0) === stored ? found : undefined;
  }, 'a blocking-route finding that agrees with the stored stalls', 30_000);
  assert.equal(f.evidence.figures.route, 'GET /block/:ms');
  assert.ok(Number(f.evidence.figures.stalls) >= 1);
  assert.ok(Number(f.evidence.figures.maxStallMs) >= 200, `max stall ${f.evidence.figures.maxStallMs}`);
  assert.match(String(f.evidence.figures.location), /advisor-app\.js/);
  // Critical from 1 s of wall time on (a crowded machine stretches the 250 ms of CPU).
  assert.equal(f.severity, Number(f.evidence.figures.maxStallMs) >= 1000 ? 'critical' : 'warning');
  assert.match(f.title, /^Route GET \/block\/:ms blocks the event loop for up to [\d.]+ m?s$/);
  assert.match(f.evidence.chartLink, /^\/services\/blocking-svc\/event-loop\?from=\d+&to=\d+&route=GET\+%2Fblock%2F%3Ams$/);
  assert.match(f.change, /worker thread/);
  // /hello never blocked: no finding names it.
  assert.ok(!(await t.findings('blocking-svc')).some((x) => x.evidence.figures.route === 'GET /hello'));
});

test('steady medium callbacks without stalls: event-loop delay finding, no blocking-route finding', async (tc) => {
  // 30 ms callbacks, one after another with short gaps: the loop is late by tens of ms all
  // the time while no callback is a stall. A crowded test machine stretches a 30 ms callback
  // past the agent's default 100 ms threshold (then it is counted as a stall, rightly), so
  // this app's threshold is 1 s. The delay threshold is lowered to match the callbacks'
  // size; the rule is the same.
  const app = await t.app('busy-loop-svc', { ...GOOD_SERVER_ENV, HEADROOM_STALL_THRESHOLD_MS: '1000' });
  const options = { ...TEST_OPTIONS, eventLoopDelayP99Ms: 20 };
  const end = Date.now() + 4000;
  while (Date.now() < end) {
    await get(app.base, '/work/30');
    await sleep(10);
  }
  // The machine may give the app under half a CPU (other jobs): then its loop waited for a CPU
  // rather than for its own work, and the rule rightly stays quiet (below).
  const starved = (): boolean => {
    const now = Date.now();
    const mean = (metric: string): number | null => {
      const b = t.tc.collector.storage.gaugeBuckets({ service: 'busy-loop-svc', metric, from: now - 600_000, to: now + 1000, bucketMs: 60_000 })[0]?.buckets ?? [];
      const n = b.reduce((x, y) => x + y.count, 0);
      return n >= TEST_OPTIONS.minSamples! ? b.reduce((x, y) => x + y.sum, 0) / n : null;
    };
    const cpu = mean('cpu.utilization');
    return cpu !== null && cpu * availableParallelism() < 0.5;
  };
  const f = await t.waitFor('busy-loop-svc', 'event-loop delay finding', (list) => byKind('eventloop.delay')(list) ?? (starved() ? ({ kind: 'starved' } as Finding) : undefined), options);
  if (f.kind === 'starved') {
    assert.equal(byKind('eventloop.delay')(await t.findings('busy-loop-svc', options)), undefined);
    tc.diagnostic('the machine gave the app under half a CPU: its late loop waited for one, no finding');
    return;
  }
  assert.ok(Number(f.evidence.figures.worstP99DelayMs) >= 20, `p99 ${f.evidence.figures.worstP99DelayMs}`);
  assert.equal(f.evidence.figures.processesAffected, 1);
  // The loop was busy with its own work (not an idle process waiting for a CPU).
  assert.ok(Number(f.evidence.figures.worstUtilization) >= 0.5, `utilisation ${f.evidence.figures.worstUtilization}`);
  assert.match(f.title, /without stalls: too much work per process/);
  const all = await t.findings('busy-loop-svc', options);
  assert.equal(all.filter((x) => x.kind === 'eventloop.blocking-route' && x.evidence.figures.route === 'GET /work/:ms').length, 0);
});

test('a late loop that hardly had a CPU: no "too much work per process"', async () => {
  // p99 delay 115 ms at ELU 0.8 while the process used 0.27 CPUs of its 2 (QA s14: a healthy
  // process at 30 % of a core on a host other jobs kept at 100 %). Its loop waited for a CPU;
  // with most of a CPU (0.8 of 0.8) the same delay is its own work.
  const now = Date.now();
  const at = (v: number): { t: number; v: number }[] => Array.from({ length: 20 }, (_, i) => ({ t: now - 60_000 + i * 3000, v }));
  const send = (service: string, cpuShare: number): Promise<void> =>
    sendGauges(t.otlpUrl, { 'service.name': service, 'service.instance.id': `${service}-1`, 'host.name': `${service}-host`, 'headroom.host.cpu_count': 2 }, [
      { name: 'nodejs.eventloop.delay.p99', unit: 's', points: at(0.115) },
      { name: 'nodejs.eventloop.utilization', unit: '1', points: at(0.8) },
      { name: 'process.cpu.utilization', unit: '1', points: at(cpuShare) },
    ]);
  await send('starved-loop-svc', 0.135);
  await send('worked-loop-svc', 0.4);
  const worked = await t.waitFor('worked-loop-svc', 'event-loop delay finding', byKind('eventloop.delay'));
  assert.equal(worked.evidence.figures.worstUtilization, 0.8);
  assert.equal(byKind('eventloop.delay')(await t.findings('starved-loop-svc')), undefined);
});
