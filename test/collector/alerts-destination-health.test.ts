// A destination's health (GET /api/alerts/destinations: its latest attempt, its latest 2xx) is
// read per destination from the attempts' destination index (schema 15), no longer by grouping
// every attempt kept; the answer is the same, and a file from before gets the index filled for
// the attempts it holds. Real SQLite file through the alert store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openSqliteAlertStore } from '../../collector/src/alerts/sqlite-alert-store';
import type { AlertStore } from '../../collector/src/alerts/alert-store';
import { undoSchema15, undoSchema16 } from './store-helpers';

const T0 = 1_700_000_000_000;

function fill(store: AlertStore): void {
  for (const id of ['ops', 'dead', 'idle']) store.putDestination({ id, type: 'webhook', url: `http://127.0.0.1:9/${id}`, secret: null }, 'api');
  const attempt = (deliveryId: string, n: number, at: number, statusCode: number | null, error: string | null) =>
    store.addAttempt(deliveryId, { attempt: n, at, statusCode, error, durationMs: 3 });
  // ops: a retried delivery that got through, then a newer one at once.
  store.addDelivery({ id: 'd1', ruleId: 'r', destinationId: 'ops', kind: 'firing', createdAt: T0, body: '{}' });
  attempt('d1', 1, T0 + 10, 503, 'HTTP 503');
  attempt('d1', 2, T0 + 1_000, 200, null);
  store.addDelivery({ id: 'd2', ruleId: 'r', destinationId: 'ops', kind: 'resolved', createdAt: T0 + 5_000, body: '{}' });
  attempt('d2', 1, T0 + 5_010, 204, null);
  // dead: delivered once, failing since; an older delivery's late retry is its latest attempt.
  store.addDelivery({ id: 'd3', ruleId: 'r', destinationId: 'dead', kind: 'firing', createdAt: T0 + 100, body: '{}' });
  attempt('d3', 1, T0 + 110, 200, null);
  store.addDelivery({ id: 'd4', ruleId: 'r', destinationId: 'dead', kind: 'firing', createdAt: T0 + 2_000, body: '{}' });
  store.addDelivery({ id: 'd5', ruleId: 'r', destinationId: 'dead', kind: 'resolved', createdAt: T0 + 3_000, body: '{}' });
  attempt('d5', 1, T0 + 3_010, null, 'ECONNREFUSED');
  attempt('d4', 1, T0 + 2_010, 500, 'HTTP 500');
  attempt('d4', 2, T0 + 9_000, null, 'no answer within 1000 ms');
}

const EXPECTED = [
  ['dead', { lastAttemptAt: T0 + 9_000, lastStatusCode: null, lastError: 'no answer within 1000 ms', lastDeliveredAt: T0 + 110 }],
  ['ops', { lastAttemptAt: T0 + 5_010, lastStatusCode: 204, lastError: null, lastDeliveredAt: T0 + 5_010 }],
];

const health = (store: AlertStore) => [...store.destinationAttempts()].sort(([a], [b]) => a.localeCompare(b));

test("each destination's latest attempt and latest 2xx, whichever delivery they belong to; none for a destination never sent to; the same after an upgrade from schema 14", () => {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-dest-health-'));
  try {
    const path = join(dir, 'headroom.db');
    let store = openSqliteAlertStore(path);
    fill(store);
    assert.deepEqual(health(store), EXPECTED);
    store.close();

    // A file written before schema 15: attempts without their destination, no index.
    const db = new BetterSqlite3(path);
    undoSchema15(db);
    undoSchema16(db);
    db.pragma('user_version = 14');
    db.close();
    store = openSqliteAlertStore(path);
    assert.deepEqual(health(store), EXPECTED);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
