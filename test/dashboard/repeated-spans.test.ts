// Repeated sibling spans fold into one waterfall row, shaped without a browser: an N+1's
// twenty queries, or twenty connect + query pairs as pg's pool makes them; three of a kind,
// or repeats under different parents, stay rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SpanView } from '@headroom/collector/api-types';
import { repeatGroups, visibleItems } from '../../dashboard/src/shape/repeated-spans';
import { buildWaterfall } from '../../dashboard/src/shape/waterfall';

let nextId = 1;
function span(name: string, parent: string | null, startMs: number, durationMs: number, attributes: SpanView['attributes'] = {}): SpanView {
  const spanId = (nextId++).toString(16).padStart(16, '0');
  return { spanId, parentSpanId: parent, service: 'orders', instanceId: 'i', name, kind: 3, startNs: '0', startMs, durationMs, status: { code: 0, message: '' }, attributes, events: [], isStall: false };
}

test('twenty connect + query pairs fold into one row with their count and time', () => {
  const root = span('GET /orders/:id/items', null, 0, 100);
  const spans = [root, span('pg.query:SELECT orders', root.spanId, 1, 2, { 'db.query.text': 'SELECT * FROM orders WHERE id = $1' })];
  for (let i = 0; i < 20; i++) {
    spans.push(span('pg-pool.connect', root.spanId, 4 + 4 * i, 1));
    spans.push(span('pg.query:SELECT items', root.spanId, 5 + 4 * i, 2, { 'db.query.text': `SELECT * FROM items WHERE id = ${i}` }));
  }
  const w = buildWaterfall(spans);
  const groups = repeatGroups(w.rows);
  assert.equal(groups.length, 1);
  const g = groups[0];
  assert.ok(g);
  assert.equal(g.repeats, 20);
  assert.equal(g.label, 'pg-pool.connect + SELECT * FROM items WHERE id = ?');
  assert.equal(g.totalMs, 60);
  assert.deepEqual([g.start, g.end], [2, 42]);
  assert.ok(Math.abs(g.offsetPct - 4) < 1e-9 && Math.abs(g.widthPct - 79) < 1e-9);
  // Folded: the root, the first query and the group; opened: the group and its 40 rows too.
  assert.equal(visibleItems(w.rows, groups, new Set()).length, 3);
  assert.equal(visibleItems(w.rows, groups, new Set([g.id])).length, 43);
});

test('a run keeps its descendants inside it; three repeats or different parents stay rows', () => {
  const root = span('GET /x', null, 0, 100);
  const spans = [root];
  for (let i = 0; i < 5; i++) {
    const mw = span('middleware - auth', root.spanId, i * 10, 5);
    spans.push(mw, span('redis-GET', mw.spanId, i * 10 + 1, 2, { 'db.statement': 'GET session' }));
  }
  for (let i = 0; i < 3; i++) spans.push(span('fetch', root.spanId, 60 + i * 10, 5));
  const w = buildWaterfall(spans);
  const groups = repeatGroups(w.rows);
  // The five middleware spans (each with its own redis call) repeat; the redis calls, one per
  // parent, are not siblings; three fetches are too few.
  assert.deepEqual(groups.map((g) => [g.label, g.repeats, g.end - g.start]), [['middleware - auth', 5, 10]]);
  assert.equal(visibleItems(w.rows, groups, new Set()).length, 1 + 1 + 3);
});
