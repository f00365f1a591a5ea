// The cap on traces kept for failing tells exception types apart: a flood of one error on a
// route does not take the tokens of a rare other error on the same route, which the Errors page
// would otherwise never show. Light requests (both trace budgets 0, as on a busy process), where
// the cap is asked before any span is made. Real app under the agent, real collector.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ErrorGroupsResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runServiceApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'errors-e2e-cap-types';
let collector: TestCollector;
let app: RunningApp;

before(async () => {
  collector = await startTestCollector();
  app = await runServiceApp(collector, `${FIXTURES}/error-cause-app.js`, SERVICE, {
    HEADROOM_TRACES_PER_SECOND: '0',
    HEADROOM_RECORDED_TRACES_PER_SECOND: '0',
    // A kind: one a second.
    HEADROOM_ERROR_TRACES_PER_SECOND: '10',
  });
});

after(async () => {
  await app?.stop();
  await collector?.close();
});

test('a rare exception type on a route flooded by another is kept', async () => {
  const get = async (path: string) => {
    const res = await fetch(`${app.base}${path}`);
    await res.text();
    assert.equal(res.status, 500, path);
  };
  // At once, so the flood and the rare one fall in the same second of the cap.
  await Promise.all(Array.from({ length: 30 }, () => get('/kind/type')));
  await get('/kind/range');
  const body = await eventually(async () => {
    const r = await collector.api<ErrorGroupsResponse>(`/api/services/${SERVICE}/errors?${RANGE()}`);
    return r.failedRequests.count === 31 && r.groups.some((g) => g.type === 'RangeError') ? r : undefined;
  }, 'the 31 failed requests and the RangeError kept');
  const counts = Object.fromEntries(body.groups.map((g) => [g.type, g.count]));
  assert.equal(counts.RangeError, 1);
  assert.ok((counts.TypeError ?? 0) >= 1 && (counts.TypeError ?? 0) <= 3, `TypeError kept ${counts.TypeError}: the flood capped`);
});
