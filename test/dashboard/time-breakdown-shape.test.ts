// The time breakdown's bar and words, shaped without a browser: a query and an HTTP call at
// the same time make the shares pass 100 %, and the widths still fill the bar exactly once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TimeBreakdownResponse } from '@headroom/collector/api-types';
import { breakdownSegments, breakdownText } from '../../dashboard/src/shape/time-breakdown';

function breakdown(patch: Partial<TimeBreakdownResponse>): TimeBreakdownResponse {
  return {
    from: 0, to: 1, service: 's', route: 'GET /x', traces: 3, tracesWithDatabase: 3, traceLimit: 200, totalMs: 100,
    databaseMs: 0, databaseShare: 0, externalMs: 0, externalShare: 0, poolWaitMs: 0, poolWaitShare: 0, appMs: 100, appShare: 1,
    databases: [], externals: [], pools: [], statements: [], exampleTraceId: null, ...patch,
  };
}

test('parallel database and external time: the widths are scaled to fill the bar', () => {
  // 60 ms of queries while a 60 ms call ran beside them; 40 ms of app.
  const b = breakdown({
    databaseMs: 60, databaseShare: 0.6, externalMs: 60, externalShare: 0.6, appMs: 40, appShare: 0.4,
    databases: [{ name: 'postgresql', totalMs: 60, share: 0.6, calls: 3 }],
    externals: [{ name: 'catalog', totalMs: 60, share: 0.6, calls: 3 }],
  });
  const segments = breakdownSegments(b);
  assert.deepEqual(segments.map((s) => [s.name, Math.round(s.width * 1000) / 1000]), [['postgresql', 0.375], ['catalog', 0.375], ['app', 0.25]]);
  assert.equal(breakdownText(b), 'database (postgresql) 60 % · external (catalog) 60 % · app 40 % — from 3 traces');
});

test('systems that overlap each other share the database union by their own time', () => {
  const b = breakdown({
    databaseMs: 50, databaseShare: 0.5, appMs: 50, appShare: 0.5,
    databases: [{ name: 'postgresql', totalMs: 45, share: 0.45, calls: 1 }, { name: 'redis', totalMs: 15, share: 0.15, calls: 1 }],
  });
  assert.deepEqual(breakdownSegments(b).map((s) => [s.name, Math.round(s.ms * 100) / 100]), [['postgresql', 37.5], ['redis', 12.5], ['app', 50]]);
});

test('the wait for a pooled connection is a segment of its own beside the database, named in the words', () => {
  // 460 ms waiting for a connection, 100 in the query, 5 in the app (QA s15's pool of 2).
  const b = breakdown({
    totalMs: 565, databaseMs: 100, databaseShare: 100 / 565, poolWaitMs: 460, poolWaitShare: 460 / 565, appMs: 5, appShare: 5 / 565,
    databases: [{ name: 'postgresql', totalMs: 100, share: 100 / 565, calls: 1 }],
    pools: [{ name: 'postgresql', totalMs: 460, share: 460 / 565, calls: 1, maxConnections: null }],
  });
  assert.deepEqual(breakdownSegments(b).map((s) => [s.kind, s.name, Math.round(s.ms)]), [['database', 'postgresql', 100], ['pool', 'postgresql', 460], ['app', 'app', 5]]);
  assert.equal(breakdownText(b), 'database (postgresql) 18 % · pool wait (postgresql) 81 % · external 0 % · app <1 % — from 3 traces');
});

test('no traces: no segments, and words that say so; a full sample says it is the newest', () => {
  assert.deepEqual(breakdownSegments(breakdown({ traces: 0, totalMs: 0, appMs: 0, appShare: 0 })), []);
  assert.equal(breakdownText(breakdown({ traces: 0 })), 'No traces of this route were kept in this range.');
  assert.match(breakdownText(breakdown({ traces: 200 })), /from 200 traces \(the newest 200\)$/);
});
