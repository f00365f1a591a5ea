// The request rows no route matched (a method alone) have a partial covering index of their own
// (migration 17), which the deployments' error rates read through (queries/unrouted-minutes.ts).
// SQLite uses a partial index only for a query holding its very term: the query's method list
// (matched-routes.ts, from KNOWN_METHODS) must be the one the migration froze. A method added
// there without a migration rebuilding the index fails here, instead of the read falling back,
// unnoticed, to a lookup per row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { UNROUTED_MINUTES_SQL } from '../../collector/src/store/sqlite/queries/unrouted-minutes';
import { batchWith, openTestStore, requestPoint, sdkHistogram } from './store-helpers';

const MINUTE = 60_000;

/** The routes of the rows the index holds: its own rows, read as a table would be (no WHERE to imply it). */
function indexedRoutes(path: string): string[] {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    const sql = (db.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'req_minute_unmatched'`).pluck().get() as string).replace(/^[^]*? WHERE /, '');
    return db.prepare(`SELECT route FROM req_minute WHERE ${sql} ORDER BY route`).pluck().all() as string[];
  } finally {
    db.close();
  }
}

function plan(path: string): string {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    return (db.prepare(`EXPLAIN QUERY PLAN ${UNROUTED_MINUTES_SQL}`).all('api', 0, 1) as { detail: string }[]).map((r) => r.detail).join('; ');
  } finally {
    db.close();
  }
}

test("the unrouted minutes are read through their own covering index, which holds those rows alone; a file from schema 16 gets it", async (t) => {
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const store = openTestStore(t, { now });
  const h = await sdkHistogram([0.002, 0.003]);
  const points = ['GET /orders/:id', 'GET', 'POST', 'POST /orders'].map((route) => requestPoint(h, { service: 'api', instanceId: 'p1', route, timeMs: now - 2 * MINUTE }));
  assert.equal(store.storage.enqueue(batchWith({ requests: points })), true);
  await store.storage.flush();
  assert.match(plan(store.path), /USING COVERING INDEX req_minute_unmatched/);
  // The index is partial: the unmatched rows alone (a method), not the routes'.
  assert.deepEqual(indexedRoutes(store.path), ['GET', 'POST']);
  await store.storage.close();

  // An older file: the index is built as it opens.
  const old = new BetterSqlite3(store.path);
  old.exec('DROP INDEX req_minute_unmatched');
  old.pragma('user_version = 16');
  old.close();
  const reopened = openTestStore(t, { dir: store.dir, now });
  await reopened.storage.flush();
  assert.match(plan(reopened.path), /USING COVERING INDEX req_minute_unmatched/);
});
