// The Errors page's words and sparkline bars (dashboard/src/shape/error-groups.ts), without a browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ErrorGroupsResponse } from '@headroom/collector/api-types';
import { exactCount, failuresNotes, failuresSummary, groupRoutesText, kindTitle, kindTracesLinkText, sparkBars, sparkText } from '../../dashboard/src/shape/error-groups';

function response(patch: Partial<ErrorGroupsResponse>): ErrorGroupsResponse {
  return {
    from: 0, to: 3_600_000, service: 's', groups: [], totalGroups: 0, tracesRead: 0, maxTraces: 5000, truncated: false, bucketMs: 60_000, t: [],
    failedRequests: { from: 0, to: 3_600_000, count: 0, routes: [], minutes: [] },
    ...patch,
  };
}

test('the two counts, exact, apart: failed requests and failed traces kept', () => {
  assert.equal(exactCount(3120), '3,120');
  assert.equal(
    failuresSummary(response({ failedRequests: { from: 0, to: 1, count: 3120, routes: [], minutes: [] }, tracesRead: 412, totalGroups: 7 })),
    '3,120 failed requests; 412 failed traces kept as samples, grouped below in 7 kinds.',
  );
  assert.equal(failuresSummary(response({ failedRequests: { from: 0, to: 1, count: 1, routes: [], minutes: [] }, tracesRead: 1, totalGroups: 1 })), '1 failed request; 1 failed trace kept as a sample, grouped below in 1 kind.');
  assert.deepEqual([kindTracesLinkText(1), kindTracesLinkText(3), kindTracesLinkText(1200)], ['its one sampled trace', 'all 3 sampled traces', 'all 1,200 sampled traces']);
  const cut = response({ truncated: true, tracesRead: 5000, totalGroups: 3, failedRequests: { from: 0, to: 1, count: 90_000, routes: [], minutes: [] } });
  assert.equal(failuresSummary(cut), '90,000 failed requests; 5,000 failed traces kept as samples (the newest), grouped below in 3 kinds.');
  assert.match(failuresNotes(cut).join('\n'), /more than 5,000 failed traces: only the newest 5,000 are grouped/);
  assert.equal(failuresNotes(response({})).length, 1, 'only the note on sampling when nothing was cut');
});

test('failed requests counted over whole minutes much wider than a short range say so, with their span', () => {
  // A 3 s range inside a flood: the rollups count its whole minute and the next.
  const from = new Date(2026, 10, 28, 10, 44, 53).getTime();
  const short = response({ from, to: from + 3_000, failedRequests: { from: from - 53_000, to: from + 67_000, count: 18_010, routes: [], minutes: [] } });
  assert.ok(
    failuresNotes(short, from).includes('Failed requests are counted over whole minutes, 10:44:00 to 10:46:00, wider than this range; the traces are those of the range.'),
    failuresNotes(short, from).join('\n'),
  );
  // An hour widened by a minute at each end: nothing to say.
  assert.equal(failuresNotes(response({ from: 30_000, to: 3_630_000, failedRequests: { from: 0, to: 3_660_000, count: 1, routes: [], minutes: [] } })).length, 1);
});

test('routes and titles in words', () => {
  assert.equal(groupRoutesText({ routes: [{ route: 'GET /a', count: 3 }, { route: null, count: 1 }], routeCount: 4 }), 'GET /a (3), no route (1) and 2 more routes');
  assert.equal(groupRoutesText({ routes: [{ route: 'POST', count: 2 }], routeCount: 1 }), 'POST, no route matched (2)');
  assert.equal(kindTitle({ kind: 'HTTP 503', httpStatus: 503 }), 'HTTP 503, no message recorded');
  assert.equal(kindTitle({ kind: 'TypeError: x', httpStatus: null }), 'TypeError: x');
});

test('sparkline bars scale to the busiest bucket; empty buckets draw nothing', () => {
  const bars = sparkBars([0, 2, 4, 0], 120, 28);
  assert.deepEqual(bars.map((b) => [b.x, b.height]), [[30, 14], [60, 28]]);
  assert.ok(bars.every((b) => b.y + b.height === 28));
  assert.deepEqual(sparkBars([0, 0], 120, 28), []);
  assert.equal(sparkBars([1, 1000], 120, 28)[0]?.height, 1, 'a bucket with a trace is never invisible');
  const t = [Date.UTC(2026, 0, 1, 10, 0), Date.UTC(2026, 0, 1, 10, 1)];
  assert.match(sparkText(t, [1, 5], 60_000, t[0]), /^6 kept traces; most, 5, in the 1 min from \d\d:\d\d:00$/);
  assert.equal(sparkText(t, [0, 0], 60_000), 'no kept traces in this range');
  assert.match(sparkText(t, [2, 0], 3_600_000, t[0]), /in the 1 h from/);
});
