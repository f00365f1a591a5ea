// Restarts: a process slot (one service.instance.id, as a supervisor restarting "web-1"
// gives) that crashes on a request and is started again, four times → restart loop; and an
// app whose first requests after start pay for a lazy initialisation → cold start.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { byKind, eventually, get, GOOD_SERVER_ENV, startAdvisorTest, type AdvisorTest } from './support/advisor-harness';

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
