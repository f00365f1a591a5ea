// The advisor's deploy finding over known traffic in a real store: a version whose processes are
// twice or four times slower, or fail more, than those it replaced is named; the same latencies drawn
// again (twenty seeds), too few requests, or a deploy before the window are not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Finding } from '../../collector/src/api-types';
import { createAdvisor, type AdvisorOptions } from '../../collector/src/advisor';
import { proportionZ } from '../../collector/src/advisor/deploys';
import type { InstanceSeen, RequestPoint } from '../../collector/src/model';
import { batchWith, lognormal, msToNs, openTestStore, prng, requestPoint, sdkHistogram } from './store-helpers';

const MINUTE = 60_000;

interface Side {
  version: string;
  /** Minutes before now its process was first seen, and the minutes it sent requests in. */
  firstAgo: number;
  minutes: number[];
  /** Requests per minute, their median (s) and failed ones per minute. */
  perMinute: number;
  medianS: number;
  errorsPerMinute?: number;
  /** Its process (default: one per version). */
  instance?: string;
}

async function sideData(service: string, s: Side, now: number, seed: number): Promise<{ instances: InstanceSeen[]; requests: RequestPoint[] }> {
  const instanceId = s.instance ?? `${service}-${s.version}`;
  const resource = { 'service.name': service, 'service.version': s.version };
  const rand = prng(seed);
  const requests: RequestPoint[] = [];
  for (const m of s.minutes) {
    const timeMs = now - m * MINUTE + 1_000;
    requests.push(requestPoint(await sdkHistogram(lognormal(rand, s.perMinute, s.medianS, 0.5)), { service, instanceId, route: 'GET /x', timeMs }));
    if (s.errorsPerMinute) requests.push(requestPoint(await sdkHistogram(lognormal(rand, s.errorsPerMinute, s.medianS, 0.5)), { service, instanceId, route: 'GET /x', timeMs, error: true }));
  }
  const seen = (ago: number): InstanceSeen => ({ service, instanceId, host: 'h', pid: 1, timeNs: msToNs(now - ago * MINUTE), resource });
  return { instances: [seen(s.firstAgo), seen(Math.min(...s.minutes))], requests };
}

const range = (m: number) => Array.from({ length: m }, (_, i) => i + 1);

async function findingsFor(t: Parameters<typeof openTestStore>[0], sides: Record<string, Side[]>, seed = 1, options: AdvisorOptions = {}): Promise<Map<string, Finding[]>> {
  const now = Date.UTC(2026, 10, 28, 12, 0, 30);
  const { storage } = openTestStore(t, { now });
  let n = seed;
  for (const [service, pair] of Object.entries(sides)) {
    for (const side of pair) {
      const { instances, requests } = await sideData(service, side, now, n++ * 7919);
      assert.ok(storage.enqueue(batchWith({ instances, requests })));
    }
  }
  await storage.flush();
  const advisor = createAdvisor(storage, options);
  const out = new Map<string, Finding[]>();
  for (const service of Object.keys(sides)) {
    out.set(service, advisor.findings({ service, from: now - 60 * MINUTE, to: now }).findings.filter((f) => f.kind === 'deploy.regression'));
  }
  return out;
}

// 1.0.0 from 40 minutes ago, requests in minutes 35..11 before now; 1.1.0 from 10 minutes ago.
const old = (patch: Partial<Side> = {}): Side => ({ version: '1.0.0', firstAgo: 40, minutes: range(35).filter((m) => m > 10), perMinute: 12, medianS: 0.02, ...patch });
const next = (patch: Partial<Side> = {}): Side => ({ version: '1.1.0', firstAgo: 10, minutes: range(10), perMinute: 20, medianS: 0.02, ...patch });

test('a version twice as slow as the one it replaced is a warning naming it, four times a critical one; one failing more is one too', async (t) => {
  const found = await findingsFor(t, {
    slower: [old(), next({ medianS: 0.04 })],
    muchSlower: [old(), next({ medianS: 0.08 })],
    failing: [old({ errorsPerMinute: 0 }), next({ errorsPerMinute: 2 })],
  });
  const [slower] = found.get('slower')!;
  assert.ok(slower, 'a finding for the slower version');
  assert.equal(slower.id, 'deploy.regression:slower:1.1.0');
  assert.equal(slower.severity, 'warning');
  assert.match(slower.title, /^After the deploy of 1\.1\.0: p95 \d+ ms → \d+ ms \(\d+ % of its requests slower than the p95 before it\); worse on GET \/x$/);
  assert.match(slower.evidence.summary, / By route \(those with at least 100 requests on each side\): GET \/x p95 \d+ ms → \d+ ms\.$/);
  assert.equal(slower.evidence.figures.routesSlower, 'GET /x');
  const f = slower.evidence.figures;
  assert.ok((f.p95Factor as number) > 1.7 && (f.p95Factor as number) < 2.3, `p95 × ${f.p95Factor}`);
  const [muchSlower] = found.get('muchSlower')!;
  assert.equal(muchSlower?.severity, 'critical', 'p95 × 3 (twice deployP95Factor) or more');
  assert.equal(f.requestsAfter, 200);
  assert.equal(f.requestsBefore, 300, "the old process's 25 minutes of requests in the 30 before the deploy");
  assert.match(slower.evidence.chartLink, /^\/services\/slower\/deployments\?from=\d+&to=\d+$/);

  const [failing] = found.get('failing')!;
  assert.ok(failing, 'a finding for the failing version');
  assert.match(failing.title, /^After the deploy of 1\.1\.0: error rate 0 % → 9 %; worse on GET \/x$/);
  assert.equal(failing.evidence.figures.routesFailingMore, 'GET /x');
  assert.deepEqual([failing.evidence.figures.errorRateBefore, failing.evidence.figures.errorRateAfter], [0, 0.0909]);
});

test('the same latencies and error rate drawn again after a deploy are no finding over twenty draws, by the z-test alone; nor too few requests, nor a deploy before the window', async (t) => {
  // The size guards all but off (p95 × 1.01, +0 ms, +0.1 point): only the z-test keeps noise out.
  const sizeGuardsOff: AdvisorOptions = { deployP95Factor: 1.01, deployP95MinMs: 0, deployErrorRatePoints: 0.001 };
  for (let seed = 1; seed <= 20; seed++) {
    const found = await findingsFor(t, { same: [old(), next()], errorsSame: [old({ errorsPerMinute: 1 }), next({ perMinute: 24, errorsPerMinute: 2 })] }, seed * 100, sizeGuardsOff);
    assert.deepEqual(found.get('same'), [], `seed ${seed}`);
    assert.deepEqual(found.get('errorsSame'), [], `seed ${seed}`);
  }
  const found = await findingsFor(t, {
    // 90 requests after it: under minRequests (100).
    few: [old(), next({ minutes: [1, 2, 3], perMinute: 30, medianS: 0.06 })],
    // Deployed 70 minutes ago: outside the hour judged.
    early: [old({ firstAgo: 120, minutes: range(110).filter((m) => m > 70) }), next({ firstAgo: 70, minutes: range(69), medianS: 0.06 })],
  });
  assert.deepEqual(found.get('few'), []);
  assert.deepEqual(found.get('early'), []);
});

test('a rollback is judged against the version rolled back from; a version deployed twice in the hour is two findings, told apart by the time', async (t) => {
  const found = await findingsFor(t, {
    // Slow 1.0.0 for two hours, fast 2.0.0 from 50 minutes ago, slow 1.0.0 again from 25.
    rollback: [
      { version: '1.0.0', firstAgo: 120, minutes: range(110).filter((m) => m > 50), perMinute: 20, medianS: 0.08, instance: 'one' },
      { version: '2.0.0', firstAgo: 50, minutes: range(49).filter((m) => m > 25), perMinute: 20, medianS: 0.02 },
      { version: '1.0.0', firstAgo: 25, minutes: range(24), perMinute: 20, medianS: 0.08, instance: 'one-again' },
    ],
    // 1.0.0 → slow 2.0.0 → 1.0.0 → slow 2.0.0 again.
    flapping: [
      { version: '1.0.0', firstAgo: 120, minutes: range(110).filter((m) => m > 50), perMinute: 20, medianS: 0.02, instance: 'one' },
      { version: '2.0.0', firstAgo: 50, minutes: range(49).filter((m) => m > 35), perMinute: 20, medianS: 0.08, instance: 'two' },
      { version: '1.0.0', firstAgo: 35, minutes: range(34).filter((m) => m > 20), perMinute: 20, medianS: 0.02, instance: 'one-again' },
      { version: '2.0.0', firstAgo: 20, minutes: range(19), perMinute: 20, medianS: 0.08, instance: 'two-again' },
    ],
  });
  const rollback = found.get('rollback')!;
  assert.deepEqual(rollback.map((f) => [f.id, f.severity]), [['deploy.regression:rollback:1.0.0', 'critical']]);
  assert.match(rollback[0]!.evidence.summary, /^1\.0\.0 was deployed at 11:35:30 UTC\. Its 1 process served 480 requests in the 26 minutes from then; the 1 process of the version it replaced served 480 in the 26 minutes before\./);
  const flapping = found.get('flapping')!;
  assert.deepEqual(flapping.map((f) => f.id).sort(), ['deploy.regression:flapping:2.0.0 at 11:10:30', 'deploy.regression:flapping:2.0.0 at 11:40:30']);
  assert.deepEqual(flapping.map((f) => f.evidence.figures.requestsAfter).sort(), [280, 380]);
  // The first 2.0.0 was replaced after 15 minutes: compared over those, and the summary says so.
  const replaced = flapping.find((f) => f.id.endsWith('11:10:30'))!;
  assert.match(replaced.evidence.summary, /^2\.0\.0 was deployed at 11:10:30 UTC\. Its 1 process served 280 requests in the 15 minutes from then, until it stopped at 11:24:30 UTC; /);
  assert.match(flapping.find((f) => f.id.endsWith('11:40:30'))!.evidence.summary, /served 380 requests in the 21 minutes from then; /);
});

test('the noise guard: a two-proportion z of 3 or more', () => {
  assert.ok(proportionZ(0, 300, 20, 220) > 3);
  assert.ok(proportionZ(15, 300, 14, 200) < 1);
  assert.equal(proportionZ(0, 0, 1, 10), 0);
  assert.equal(proportionZ(0, 100, 0, 100), 0);
});

test('a deploy that made one route of two three times slower is named by that route, though the service as a whole moved less than the guards', async (t) => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 30);
  const { storage } = openTestStore(t, { now });
  const rand = prng(42);
  const requests: RequestPoint[] = [];
  const instances: InstanceSeen[] = [];
  // 1.0.0 from 40 minutes ago, 1.1.0 from 10: GET /home 300 a minute at 20 ms throughout; GET
  // /search 12 a minute (under 5 % of them), 30 ms before and 90 ms after: the p95 hardly moves.
  for (const [version, firstAgo, minutes, searchS] of [['1.0.0', 40, range(35).filter((m) => m > 10), 0.03], ['1.1.0', 10, range(10), 0.09]] as const) {
    const instanceId = `p-${version}`;
    const resource = { 'service.name': 'one-route', 'service.version': version };
    for (const m of minutes) {
      const timeMs = now - m * MINUTE + 1_000;
      requests.push(requestPoint(await sdkHistogram(lognormal(rand, 300, 0.02, 0.3)), { service: 'one-route', instanceId, route: 'GET /home', timeMs }));
      requests.push(requestPoint(await sdkHistogram(lognormal(rand, 12, searchS, 0.3)), { service: 'one-route', instanceId, route: 'GET /search', timeMs }));
    }
    for (const ago of [firstAgo, Math.min(...minutes)]) instances.push({ service: 'one-route', instanceId, host: 'h', pid: 1, timeNs: msToNs(now - ago * MINUTE), resource });
  }
  assert.ok(storage.enqueue(batchWith({ instances, requests })));
  await storage.flush();
  const findings = createAdvisor(storage).findings({ service: 'one-route', from: now - 60 * MINUTE, to: now }).findings.filter((f) => f.kind === 'deploy.regression');
  assert.equal(findings.length, 1, 'the route is named');
  const [f] = findings;
  assert.match(f!.title, /^After the deploy of 1\.1\.0: GET \/search p95 \d+ ms → \d+ ms$/);
  assert.equal(f!.evidence.figures.routesSlower, 'GET /search');
  assert.equal(f!.evidence.figures.p95AfterMs, undefined, 'the service p95 did not pass the guards');
});

test('a window that ends after now (an alert link runs 5 minutes past its firing) judges the running version at now: it has not stopped', async (t) => {
  const now = Date.now();
  const { storage } = openTestStore(t, { now });
  for (const [i, side] of [old(), next({ medianS: 0.08 })].entries()) {
    const { instances, requests } = await sideData('future', side, now, 11 + i);
    assert.ok(storage.enqueue(batchWith({ instances, requests })));
  }
  await storage.flush();
  const [f] = createAdvisor(storage).findings({ service: 'future', from: now - 55 * MINUTE, to: now + 5 * MINUTE }).findings.filter((x) => x.kind === 'deploy.regression');
  assert.ok(f, 'the slower version is found');
  assert.match(f.evidence.summary, /^1\.1\.0 was deployed at \d\d:\d\d:\d\d UTC\. Its 1 process served 200 requests in the \d+ minutes from then; /);
  assert.doesNotMatch(f.evidence.summary, /until it stopped/);
});
