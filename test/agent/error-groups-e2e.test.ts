// The Errors page's API end to end: an express app under the agent throws two kinds of errors on
// two routes (one whose message varies with the request), and the collector groups the kept
// failed traces by kind, beside the failed requests its metrics counted. Real app, real agent,
// real collector and SQLite file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ErrorGroupsResponse, TracesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runServiceApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'errors-e2e-express';
let collector: TestCollector;
let app: RunningApp;

before(async () => {
  collector = await startTestCollector();
  // Only failed traces are kept (no ordinary ones), within a budget wide enough for all of them.
  app = await runServiceApp(collector, `${FIXTURES}/express-app.js`, SERVICE, { HEADROOM_TRACES_PER_SECOND: '0', HEADROOM_ERROR_TRACES_PER_SECOND: '1000' });
});

after(async () => {
  await app?.stop();
  await collector?.close();
});

test('two kinds of errors on two routes are two groups, with the exact failed-request count beside them', async () => {
  const paths = ['/fail', '/handled/next-error/1001', '/fail', '/handled/next-error/2002', '/hello', '/handled/next-error/3003', '/fail', '/hello'];
  for (const p of paths) {
    const res = await fetch(`${app.base}${p}`);
    await res.text();
    assert.equal(res.status, p === '/hello' ? 200 : 500, p);
  }
  const body = await eventually(async () => {
    const r = await collector.api<ErrorGroupsResponse>(`/api/services/${SERVICE}/errors?${RANGE()}`);
    return r.tracesRead === 6 && r.failedRequests.count === 6 ? r : undefined;
  }, 'six failed traces and six failed requests');

  assert.deepEqual(
    body.groups.map((g) => ({ kind: g.kind, type: g.type, count: g.count, routes: g.routes })),
    // Three each: the one seen last first.
    [
      { kind: 'Error: route failed on purpose', type: 'Error', count: 3, routes: [{ route: 'GET /fail', count: 3 }] },
      // "passed to next for 1001", "… 2002", "… 3003": one kind.
      { kind: 'RangeError: passed to next for <n>', type: 'RangeError', count: 3, routes: [{ route: 'GET /handled/next-error/:x', count: 3 }] },
    ],
  );
  const rangeErrors = body.groups.find((g) => g.type === 'RangeError');
  assert.equal(rangeErrors?.example.message, 'RangeError: passed to next for 3003', 'the newest, as it was');
  assert.deepEqual(
    body.failedRequests.routes.map((r) => [r.route, r.count]).sort(),
    [['GET /fail', 3], ['GET /handled/next-error/:x', 3]],
  );

  // The group's traces: the trace list narrowed to its kind.
  const listed = await collector.api<TracesResponse>(`/api/traces?service=${SERVICE}&${RANGE()}&errorKind=${encodeURIComponent('RangeError: passed to next for <n>')}`);
  assert.equal(listed.traces.length, 3);
  assert.ok(listed.traces.every((t) => t.route === 'GET /handled/next-error/:x'));
  assert.equal(listed.traces[0]?.traceId, rangeErrors?.example.traceId);
});
