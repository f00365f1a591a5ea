// Which failed roots the Errors page counts, end to end: an express app under the agent that
// calls itself (two failed server spans of the service in one trace, of one kind) and makes a
// call with no request around it that is answered 404 (a client span with no parent). A trace
// counts once in a group; a client root counts only when it threw. The groups, their counts and
// the trace list's errorKind filter agree. A body the app's express.json() cannot parse fails
// before any route, and is named by its method alone. Real app, real agent, real collector and
// SQLite file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ErrorGroupsResponse, TraceResponse, TracesResponse, TransactionsResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runServiceApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'errors-roots';
let collector: TestCollector;
let app: RunningApp;

before(async () => {
  collector = await startTestCollector();
  // Only failed traces are kept (no ordinary ones), within a budget wide enough for all of them.
  app = await runServiceApp(collector, `${FIXTURES}/errors-app.js`, SERVICE, { HEADROOM_TRACES_PER_SECOND: '0', HEADROOM_ERROR_TRACES_PER_SECOND: '1000' });
});

after(async () => {
  await app?.stop();
  await collector?.close();
});

test('a trace through two failed requests of the service counts once in its group, and the filter lists it once', async () => {
  for (const depth of [1, 1]) {
    const res = await fetch(`${app.base}/chain/${depth}`);
    await res.text();
    assert.equal(res.status, 500);
  }
  await eventually(async () => {
    const r = await collector.api<ErrorGroupsResponse>(`/api/services/${SERVICE}/errors?${RANGE()}`);
    return r.failedRequests.count === 4 ? r : undefined;
  }, 'four failed requests');
  const list = await eventually(async () => {
    const r = await collector.api<TracesResponse>(`/api/traces?service=${SERVICE}&${RANGE()}&error=1`);
    return r.traces.length === 4 ? r : undefined;
  }, 'four failed roots');
  assert.equal(new Set(list.traces.map((t) => t.traceId)).size, 2, 'two traces, each with two failed server spans');

  const again = await collector.api<ErrorGroupsResponse>(`/api/services/${SERVICE}/errors?${RANGE()}`);
  assert.deepEqual(again.groups.map((g) => [g.kind, g.count, g.routes]), [['Error: chain failed at depth <n>', 2, [{ route: 'GET /chain/:depth', count: 2 }]]]);
  assert.equal(again.tracesRead, 2);
  assert.equal(again.groups[0]?.buckets.reduce((a, b) => a + b, 0), 2);
  const listed = await collector.api<TracesResponse>(`/api/traces?service=${SERVICE}&${RANGE()}&errorKind=${encodeURIComponent('Error: chain failed at depth <n>')}`);
  assert.deepEqual(listed.traces.map((t) => t.traceId).sort(), [...new Set(list.traces.map((t) => t.traceId))].sort());
  // Each trace by its newest failed root (the inner request), as the group's example.
  assert.equal(listed.traces[0]?.traceId, again.groups[0]?.example.traceId);
  assert.equal(listed.traces[0]?.errorMessage, again.groups[0]?.example.message);
});

test('a call with no request around it that was answered 404 is no failure of the service; one that threw is', async () => {
  const answered = await (await fetch(`${app.base}/start-up-call/404`)).json();
  assert.deepEqual(answered, { status: 404 });
  const threw = await (await fetch(`${app.base}/start-up-call/refused`)).json();
  assert.equal(threw.status, null);
  // Only the call that threw is kept (failed traces alone are kept here): the agent's rule for a
  // failed trace is the collector's, so the 404 spent nothing of the error-trace budget. It ended
  // first, and the agent exports in order: had it been kept, it would be stored by now.
  const clientRoots = await eventually(async () => {
    const r = await collector.api<TracesResponse>(`/api/traces?service=${SERVICE}&${RANGE()}`);
    const roots = r.traces.filter((t) => t.route === null);
    return roots.some((t) => t.errorMessage?.startsWith('ECONNREFUSED')) ? roots : undefined;
  }, 'the client root that threw');
  assert.equal(clientRoots.length, 1, JSON.stringify(clientRoots));
  const [kept] = await Promise.all(clientRoots.map((t) => collector.api<TraceResponse>(`/api/traces/${t.traceId}`)));
  assert.ok(kept?.spans[0]?.kind === 3 && kept.spans[0].parentSpanId === null && clientRoots[0]?.error === true, 'a failed client span without a parent');

  const body = await collector.api<ErrorGroupsResponse>(`/api/services/${SERVICE}/errors?${RANGE()}`);
  const refused = body.groups.filter((g) => g.routes.some((r) => r.route === null));
  assert.deepEqual(refused.map((g) => [g.type, g.count]), [['ECONNREFUSED', 1]], JSON.stringify(body.groups.map((g) => g.kind)));
  assert.equal(body.groups.some((g) => g.kind.includes('404')), false);
  const listed = await collector.api<TracesResponse>(`/api/traces?service=${SERVICE}&${RANGE()}&errorKind=${encodeURIComponent(refused[0]?.kind ?? '')}`);
  assert.equal(listed.traces.length, 1);
  // The 404's kind, as the groups named it before this rule, lists nothing either.
  const byStatus = await collector.api<TracesResponse>(`/api/traces?service=${SERVICE}&${RANGE()}&errorKind=${encodeURIComponent(`HTTP 404: GET <n>.<n>.<n>.<n>:${app.port} answered 404`)}`);
  assert.equal(byStatus.traces.length, 0);
});

test("a body express.json() cannot parse fails before any route: named by its method, never its path, on the Errors page and the transactions list", async () => {
  const bad = await fetch(`${app.base}/orders?id=7`, { method: 'POST', body: '{"items": [1,', headers: { 'content-type': 'application/json' } });
  assert.equal(bad.status, 500);
  await bad.text();
  const good = await fetch(`${app.base}/orders`, { method: 'POST', body: '{"items": [1]}', headers: { 'content-type': 'application/json' } });
  assert.equal(good.status, 201);
  await good.text();
  const group = await eventually(async () => {
    const r = await collector.api<ErrorGroupsResponse>(`/api/services/${SERVICE}/errors?${RANGE()}`);
    return r.groups.find((g) => g.type === 'SyntaxError');
  }, 'the parse error group');
  assert.deepEqual(group.routes, [{ route: 'POST', count: 1 }]);
  const tx = await eventually(async () => {
    const r = await collector.api<TransactionsResponse>(`/api/services/${SERVICE}/transactions?${RANGE()}`);
    const post = r.transactions.filter((t) => t.route.startsWith('POST'));
    return post.length === 2 ? post : undefined;
  }, 'both POSTs');
  assert.deepEqual(Object.fromEntries(tx.map((t) => [t.route, [t.requests, t.errors]])), { POST: [1, 1], 'POST /orders': [1, 0] });
});
