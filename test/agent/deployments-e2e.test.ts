// A deploy end to end: an app under the agent runs as version 1.4.0 (its package.json) with a
// route taking 5 ms, stops, and comes back as 2.0.0-rc.1 (OTEL_RESOURCE_ATTRIBUTES) with the
// route taking 50 ms. The collector's deployments API lists both versions with their first
// sighting and compares the traffic before and after the second deploy.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { DeploymentsResponse, InstancesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'deploy-shop';
const REQUESTS = 40;

let collector: TestCollector;
let dir: string;
const apps: RunningApp[] = [];

before(async () => {
  collector = await startTestCollector();
  // The app's own folder: its package.json names the service and the version.
  dir = mkdtempSync(join(tmpdir(), 'headroom-deploy-app-'));
  copyFileSync(join(FIXTURES, 'versioned-app.js'), join(dir, 'app.js'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: SERVICE, version: '1.4.0', private: true }));
});

after(async () => {
  for (const app of apps) await app.stop();
  await collector?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a version and sends it REQUESTS requests; `ms`: each one's time as this client saw it, sorted. */
async function run(env: Record<string, string>): Promise<{ app: RunningApp; ms: number[] }> {
  const app = await runApp(join(dir, 'app.js'), { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, ...env });
  apps.push(app);
  const ms: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const start = performance.now();
    await fetch(`${app.base}/work`).then((r) => r.text());
    ms.push(performance.now() - start);
  }
  return { app, ms: ms.sort((a, b) => a - b) };
}

/**
 * At most the app's percentile `q` of these requests: each one's time in the app lies inside the
 * client's, so each order statistic does too (the sketch's rank q·(n−1), rounded up; its 1 %
 * relative error, with room).
 */
const atMost = (ms: number[], q: number): number => ms[Math.ceil(q * (ms.length - 1))]! * 1.02;

const deployments = (window = ''): Promise<DeploymentsResponse> => collector.api<DeploymentsResponse>(`/api/services/${SERVICE}/deployments?${RANGE()}${window}`);

test('two versions, each first seen at its start, and the second deploy compared with the traffic before it', async (tc) => {
  const t1 = Date.now();
  // Heroku's dyno metadata names the commit.
  const v1 = await run({ DELAY_MS: '5', HEROKU_SLUG_COMMIT: 'aaaa111' });
  await eventually(async () => ((await deployments()).deployments[0]?.after.requests === REQUESTS ? true : undefined), "v1's requests");
  await v1.app.stop();

  const t2 = Date.now();
  // The deploy sets the standard attributes, which win over package.json and the platform's variable.
  const v2 = await run({ DELAY_MS: '50', HEROKU_SLUG_COMMIT: 'aaaa111', OTEL_RESOURCE_ATTRIBUTES: 'service.version=2.0.0-rc.1,vcs.ref.head.revision=bbbb222' });
  const res = await eventually(async () => {
    const r = await deployments();
    return r.deployments.length === 2 && r.deployments[0]?.after.requests === REQUESTS ? r : undefined;
  }, "v2's requests");
  const t3 = Date.now();

  assert.equal(res.windowMs, 30 * 60_000, 'the default window');
  assert.equal(res.moreDeployments, 0);
  const [second, first] = res.deployments as [DeploymentsResponse['deployments'][number], DeploymentsResponse['deployments'][number]];
  assert.deepEqual([first.version, first.revision, first.instances], ['1.4.0', 'aaaa111', 1]);
  assert.deepEqual([second.version, second.revision, second.instances], ['2.0.0-rc.1', 'bbbb222', 1]);
  assert.ok(first.firstSeen >= t1 && first.firstSeen <= t2, `1.4.0 first seen ${first.firstSeen}, between ${t1} and ${t2}`);
  assert.ok(second.firstSeen >= t2 && second.firstSeen <= t3, `2.0.0-rc.1 first seen ${second.firstSeen}, between ${t2} and ${t3}`);
  assert.ok(first.lastSeen <= second.firstSeen, '1.4.0 stopped before 2.0.0-rc.1 started');

  // The second deploy: after it, 2.0.0-rc.1's 40 requests at 50 ms; before it, 1.4.0's at 5 ms.
  const deployMinute = Math.floor(second.firstSeen / 60_000) * 60_000;
  const { before: was, after: now } = second;
  assert.deepEqual([now.processes, now.instances, now.requests, now.errorRate, now.from], ['deployed', 1, REQUESTS, 0, deployMinute]);
  assert.deepEqual([was.processes, was.instances, was.requests, was.errorRate, was.to], ['others', 1, REQUESTS, 0, deployMinute + 60_000]);
  // The before side starts where 1.4.0 started (it ran seconds, not the window's 30 minutes).
  assert.equal(was.from, Math.floor(first.firstSeen / 60_000) * 60_000, 'the before side from the minute 1.4.0 started');
  // The after side runs to the current minute at most (the deploy is seconds old).
  assert.ok(now.to > now.from && now.to - now.from <= res.windowMs);
  // Each rate over the time its process reported, at least a minute: each ran seconds, so over a
  // minute whether or not its side crossed a minute's end (it read 20 rpm over 2 minutes then).
  assert.equal(was.throughputRpm, REQUESTS);
  assert.equal(now.throughputRpm, REQUESTS);
  // Sketches hold 1 % relative error; a timer fires at its delay or later: how much later is
  // the machine's (a crowded one stretched the 5 ms requests past 50 ms), so the upper bounds
  // are what the client saw.
  assert.ok(was.p50Ms !== null && was.p50Ms >= 4.9 && was.p50Ms <= atMost(v1.ms, 0.5), `before p50 ${was.p50Ms}, client ${v1.ms.join(',')}`);
  assert.ok(now.p50Ms !== null && now.p50Ms >= 49.5 && now.p50Ms <= atMost(v2.ms, 0.5), `after p50 ${now.p50Ms}, client ${v2.ms.join(',')}`);
  assert.ok(now.p95Ms !== null && now.p95Ms >= now.p50Ms);
  assert.ok(was.p95Ms !== null && was.p95Ms <= atMost(v1.ms, 0.95), `before p95 ${was.p95Ms}, client ${v1.ms.join(',')}`);
  // Apdex T 500 ms; the share above the p95 before (with its 5 % margin) over requests of 50 ms
  // and more: every one of them while the 5 ms requests stayed well below.
  if (atMost(v1.ms, 1) < 490) assert.equal(was.apdex, 1, 'every request within Apdex T (500 ms) before');
  if (atMost(v2.ms, 1) < 490) assert.equal(now.apdex, 1);
  if (was.p95Ms * 1.05 * 1.02 < 48) assert.equal(second.afterAboveBeforeP95, 1, 'every request after slower than the p95 before');
  else tc.diagnostic(`the machine stretched the 5 ms requests to a p95 of ${was.p95Ms} ms: the share above it is not judged`);

  // The first deploy had nothing before it; after it, only its own process (not 2.0.0-rc.1's).
  assert.deepEqual([first.before.requests, first.before.instances, first.before.p50Ms, first.before.apdex], [0, 0, null, null]);
  assert.equal(first.after.requests, REQUESTS);

  // A window asked for names the length compared.
  const hour = await deployments('&window=1h');
  assert.equal(hour.windowMs, 3_600_000);
  // (The first version's before side, where no process ran, spans it whole.)
  assert.equal(hour.deployments[1]!.before.to - hour.deployments[1]!.before.from, 3_600_000);

  // Each process says which version it ran.
  const instances = await collector.api<InstancesResponse>(`/api/services/${SERVICE}/instances?${RANGE()}`);
  assert.deepEqual(instances.instances.map((i) => [i.version, i.revision]), [['1.4.0', 'aaaa111'], ['2.0.0-rc.1', 'bbbb222']]);
});

test('a range without either version lists none; a bad window is a 400 naming it', async () => {
  const old = await collector.api<DeploymentsResponse>(`/api/services/${SERVICE}/deployments?from=${Date.now() - 7_200_000}&to=${Date.now() - 3_600_000}`);
  assert.deepEqual(old.deployments, []);
  for (const bad of ['90s', '0m', '2d', 'soon']) {
    const res = await fetch(`${collector.collector.httpUrl}/api/services/${SERVICE}/deployments?window=${bad}`);
    assert.equal(res.status, 400, bad);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /window must be whole minutes/);
  }
});
