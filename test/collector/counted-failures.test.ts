// One rule for "this trace failed" (store/counted-failure.ts) in every list: the Errors page's
// groups, the traces list's error, errorKind and notable filters, its rows' `error`, and the live
// stream's trace frames. A client root answered 404 (OTel marks a client span failed for any 4xx)
// that threw nothing is no failure of the service; a client root that threw is, and so is a
// server root that failed. Real store, real SQLite file.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SpanRecord } from '../../collector/src/model';
import type { CommitSummary } from '../../collector/src/store/storage';
import { batchWith, hexId, makeTrace, msToNs, openTestStore, prng } from './store-helpers';

const SERVICE = 'api';

/** A root with no request around it: a client call (kind 3) answered `status`, or refused (an exception). */
function clientRoot(rand: () => number, startMs: number, answer: { status: number } | { threw: string }): SpanRecord {
  const start = msToNs(startMs);
  const threw = 'threw' in answer;
  return {
    traceId: hexId(rand, 16),
    spanId: hexId(rand, 8),
    parentSpanId: null,
    service: SERVICE,
    instanceId: 'a1',
    name: 'GET',
    kind: 3,
    startNs: start,
    endNs: start + 3_000_000n,
    statusCode: 2,
    statusMessage: threw ? answer.threw : '',
    route: null,
    stall: false,
    attributesJson: JSON.stringify({ 'http.request.method': 'GET', 'server.address': '127.0.0.1', 'server.port': 9, ...(!threw && { 'http.response.status_code': answer.status }) }),
    eventsJson: threw ? JSON.stringify([{ t: startMs + 2, n: 'exception', a: { 'exception.type': 'ECONNREFUSED', 'exception.message': answer.threw } }]) : null,
  };
}

test('a client root answered 404 is not failed in any list; one that threw and a failed request are', async (t) => {
  const { storage, clock } = openTestStore(t);
  const now = clock.now;
  const rand = prng(11);
  const answered404 = clientRoot(rand, now - 50_000, { status: 404 });
  const refused = clientRoot(rand, now - 40_000, { threw: 'connect ECONNREFUSED 127.0.0.1:9' });
  const failedRequest = makeTrace(rand, { service: SERVICE, instanceId: 'a1', route: 'GET /orders', startMs: now - 30_000, durationMs: 4, error: true });
  const ok = makeTrace(rand, { service: SERVICE, instanceId: 'a1', route: 'GET /orders', startMs: now - 20_000, durationMs: 4 });
  const commits: CommitSummary[] = [];
  const off = storage.onCommit((s) => commits.push(s));
  storage.enqueue(batchWith({ spans: [answered404, refused, ...failedRequest, ...ok] }));
  await storage.flush();
  off();
  const range = { from: now - 120_000, to: now };
  const idOf = (spans: SpanRecord[] | SpanRecord) => (Array.isArray(spans) ? (spans[0] as SpanRecord) : spans).traceId;
  const failedIds = [idOf(failedRequest), idOf(refused)];

  const failed = storage.traces({ ...range, service: SERVICE, error: true, limit: 10 });
  assert.deepEqual(failed.traces.map((x) => x.traceId), failedIds, 'error=1: the failed request and the call that threw');
  const notFailed = storage.traces({ ...range, service: SERVICE, error: false, limit: 10 });
  assert.deepEqual(notFailed.traces.map((x) => x.traceId), [idOf(ok), idOf(answered404)], 'error=0: the rest, the 404 among them');
  // The slow-and-failed list (nothing here is slow: 4 × the default Apdex T is 2 s).
  const notable = storage.traces({ ...range, service: SERVICE, notable: true, limit: 10 });
  assert.deepEqual(notable.traces.map((x) => x.traceId), failedIds);

  // Listed unfiltered, the 404's row is not marked failed and carries no error message.
  const all = storage.traces({ ...range, service: SERVICE, limit: 10 });
  const row = all.traces.find((x) => x.traceId === idOf(answered404));
  assert.equal(row?.error, false);
  assert.equal(row?.errorMessage, undefined);
  assert.deepEqual(all.traces.filter((x) => x.error).map((x) => x.traceId), failedIds);

  // The live stream's trace frames: the same two.
  assert.deepEqual(commits.flatMap((c) => c.notableTraces).map((x) => [x.traceId, x.error]).sort(), failedIds.map((id) => [id, true]).sort());

  // The Errors page agrees: two groups, no 404.
  const groups = storage.errorGroups({ ...range, service: SERVICE, bucketMs: 60_000 });
  assert.deepEqual(groups.groups.map((g) => g.kind).sort(), ['ECONNREFUSED: connect ECONNREFUSED <n>.<n>.<n>.<n>:<n>', 'boom'].sort());
});
