// The advisor's surface: GET /api/advisor (range and service parameters, errors), the
// thresholds (defaults, validation, --advisor-config FILE / HEADROOM_ADVISOR_CONFIG), and the
// robust trend it fits to memory.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAdvisor, DEFAULT_THRESHOLDS, resolveThresholds } from '../../collector/src/advisor';
import { heapLimitExplicit } from '../../agent/src/signals/lifecycle';
import { theilSen } from '../../collector/src/advisor/robust-trend';
import type { AdvisorResponse } from '../../collector/src/api-types';
import { parseStartCommand } from '../../collector/src/config/start-options';
import { HeadroomError } from '../../collector/src/errors';
import { startCollector, type RunningCollector } from '../../collector/src/server';
import { byKind, startAdvisorTest, type AdvisorTest } from './support/advisor-harness';

describe('GET /api/advisor', () => {
  let t: AdvisorTest;
  before(async () => {
    t = await startAdvisorTest();
  });
  after(async () => {
    await t.close();
  });

  test('answers findings for a service and for all services, with the asked range', async () => {
    await t.app('api-defaults-svc');
    await t.waitFor('api-defaults-svc', 'keep-alive finding', byKind('settings.keep-alive-timeout'));
    const now = Date.now();
    const one = await t.tc.api<AdvisorResponse>(`/api/advisor?service=api-defaults-svc&from=${now - 600_000}&to=${now + 1000}`);
    assert.equal(one.from, now - 600_000);
    assert.equal(one.to, now + 1000);
    const keepAlive = one.findings.find((f) => f.kind === 'settings.keep-alive-timeout');
    assert.ok(keepAlive, JSON.stringify(one.findings.map((f) => f.kind)));
    assert.equal(keepAlive.id, 'settings.keep-alive-timeout:api-defaults-svc:http.keepAliveTimeout');
    assert.equal(keepAlive.service, 'api-defaults-svc');
    assert.ok(keepAlive.cause.length > 0 && keepAlive.change.length > 0 && keepAlive.evidence.summary.length > 0);
    // The balancer's timeout is an assumption unless configured: the finding says how to set it or turn it off.
    assert.match(keepAlive.evidence.summary, /loadBalancerIdleTimeoutMs.*or to 0 when clients connect directly/);
    // The asked 10 minutes are shorter than the advisor's 1 h window: judged over all of them,
    // widened to the whole minutes they touch (the store's resolution).
    assert.deepEqual(keepAlive.evidence.window, { from: Math.floor((now - 600_000) / 60_000) * 60_000, to: Math.ceil((now + 1000) / 60_000) * 60_000 });
    const all = await t.tc.api<AdvisorResponse>('/api/advisor?range=15m');
    assert.ok(all.findings.some((f) => f.id === keepAlive.id));
    // A service never seen is said so, not answered as a healthy one (unknown-service.test.ts).
    assert.equal((await fetch(`${t.tc.collector.httpUrl}/api/advisor?service=no-such-svc&range=1h`)).status, 404);
  });

  test('a finding goes away by itself once its window no longer holds the condition', async () => {
    const advisor = createAdvisor(t.tc.collector.storage, { windowMs: 10 * 60_000 });
    const now = Date.now();
    const kinds = (to: number): string[] => advisor.findings({ from: now - 30 * 60_000, to, service: 'api-defaults-svc' }).findings.map((f) => f.kind);
    assert.ok(kinds(now + 1000).includes('settings.keep-alive-timeout'));
    // Fifteen minutes on, with nothing new from the app (stopped, or restarted with the fix),
    // the 10-minute window holds no process with that setting: nothing to report.
    assert.deepEqual(kinds(now + 15 * 60_000), []);
  });

  test('sorts by severity', async () => {
    const list = (await t.tc.api<AdvisorResponse>('/api/advisor?range=1h')).findings;
    const rank = { critical: 0, warning: 1, info: 2 };
    assert.deepEqual(list.map((f) => rank[f.severity]), list.map((f) => rank[f.severity]).sort((a, b) => a - b));
  });

  test('bad parameters are a 400 with the API error codes', async () => {
    const base = t.tc.collector.httpUrl;
    const bad = await fetch(`${base}/api/advisor?range=3y`);
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'HR_API_BAD_RANGE');
    const twice = await fetch(`${base}/api/advisor?service=a&service=b`);
    assert.equal(twice.status, 400);
    assert.equal(((await twice.json()) as { error: { code: string } }).error.code, 'HR_API_BAD_PARAM');
  });
});

describe('thresholds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-advisor-config-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('defaults, overrides and validation', () => {
    assert.equal(resolveThresholds(undefined).targetUtilization, 0.7);
    assert.equal(resolveThresholds({ capacityBusy: 0.9 }).capacityBusy, 0.9);
    assert.equal(resolveThresholds({ capacityBusy: 0.9 }).queueWaitShare, DEFAULT_THRESHOLDS.queueWaitShare);
    assert.throws(() => resolveThresholds({ capacityBusy: 1.5 }), (e: HeadroomError) => e.code === 'HR_ADVISOR_CONFIG' && /capacityBusy must be a number above 0 and at most 1/.test(e.message));
    assert.throws(() => resolveThresholds({ nope: 1 }), /unknown threshold "nope"/);
    assert.throws(() => resolveThresholds({ windowMs: -1 }), /windowMs must be a number ≥ 0/);
    assert.throws(() => resolveThresholds([1]), /must be a JSON object/);
    assert.throws(() => createAdvisor({} as never, { minRequests: Number.NaN }), (e: HeadroomError) => e.code === 'HR_ADVISOR_CONFIG');
  });

  test('--advisor-config FILE and HEADROOM_ADVISOR_CONFIG', () => {
    const file = join(dir, 'advisor.json');
    writeFileSync(file, JSON.stringify({ loadBalancerIdleTimeoutMs: 350_000, capacityBusy: 0.9 }));
    assert.deepEqual(parseStartCommand(['--advisor-config', file], {}).config.advisor, { loadBalancerIdleTimeoutMs: 350_000, capacityBusy: 0.9 });
    assert.deepEqual(parseStartCommand([], { HEADROOM_ADVISOR_CONFIG: file }).config.advisor, { loadBalancerIdleTimeoutMs: 350_000, capacityBusy: 0.9 });
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"capacityBusy": ');
    assert.throws(() => parseStartCommand(['--advisor-config', broken], {}), (e: HeadroomError) => e.code === 'HR_CLI_BAD_FLAG' && /not valid JSON/.test(e.message));
    writeFileSync(broken, '{"capacityBusy": 2}');
    assert.throws(() => parseStartCommand([], { HEADROOM_ADVISOR_CONFIG: broken }), (e: HeadroomError) => e.code === 'HR_CONFIG_BAD_VALUE' && /capacityBusy/.test(e.message));
    assert.throws(() => parseStartCommand(['--advisor-config', join(dir, 'missing.json')], {}), /cannot read .*ENOENT/);
  });

  test('a collector started with thresholds uses them', async () => {
    const db = mkdtempSync(join(tmpdir(), 'headroom-advisor-db-'));
    let collector: RunningCollector | null = null;
    try {
      collector = await startCollector({ dbPath: join(db, 'h.db'), otlpPort: 0, httpPort: 0, advisor: { windowMs: 1 } });
      const res = await fetch(`${collector.httpUrl}/api/advisor?range=1h`);
      assert.equal(res.status, 200);
      await assert.rejects(startCollector({ dbPath: join(db, 'h2.db'), otlpPort: 0, httpPort: 0, advisor: { capacityBusy: 7 } }), (e: HeadroomError) => e.code === 'HR_ADVISOR_CONFIG');
    } finally {
      await collector?.close();
      rmSync(db, { recursive: true, force: true });
    }
  });
});

describe('Theil–Sen trend', () => {
  test('finds the slope of a line through outliers that would drag least squares', () => {
    const points = Array.from({ length: 20 }, (_, i) => ({ x: i, y: 3 * i + 10 }));
    points[4] = { x: 4, y: 500 };
    points[15] = { x: 15, y: -400 };
    const trend = theilSen(points);
    assert.ok(trend);
    assert.equal(trend.slope, 3);
    assert.equal(trend.intercept, 10);
  });

  test('flat data has slope 0 and R² 0; a clean line has R² 1', () => {
    assert.deepEqual(theilSen([{ x: 0, y: 5 }, { x: 1, y: 5 }, { x: 2, y: 5 }]), { slope: 0, intercept: 5, r2: 0 });
    assert.equal(theilSen([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }])?.r2, 1);
    assert.equal(theilSen([{ x: 1, y: 1 }]), null);
  });
});

describe('what the agent reports for the advisor', () => {
  test('an explicit heap limit is seen on the command line or in NODE_OPTIONS, in either spelling', () => {
    assert.equal(heapLimitExplicit(['--max-old-space-size=512'], undefined), true);
    assert.equal(heapLimitExplicit(['--max_old_space_size=512'], undefined), true);
    assert.equal(heapLimitExplicit([], '--enable-source-maps --max-old-space-size=2048'), true);
    assert.equal(heapLimitExplicit(['--max-semi-space-size=64'], '--enable-source-maps'), false);
    assert.equal(heapLimitExplicit([], undefined), false);
  });
});
