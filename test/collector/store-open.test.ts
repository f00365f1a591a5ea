// Opening the SQLite store: unwritable and corrupt files fail with HR_STORE_OPEN; data
// survives close and reopen.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { HeadroomError } from '../../collector/src/errors';
import { openSqliteStorage } from '../../collector/src/store/sqlite';
import { batchWith, DAY_MS, makeTrace, msToNs, openTestStore, prng, tempDir } from './store-helpers';

const retention = { rawMs: 3 * DAY_MS, rollupMs: 30 * DAY_MS };

function assertOpenError(fn: () => unknown, pathPart: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HeadroomError, 'a HeadroomError');
    assert.equal(err.code, 'HR_STORE_OPEN');
    assert.ok(err.message.includes(pathPart), `message names the path: ${err.message}`);
    return true;
  });
}

test('an unwritable database path fails with HR_STORE_OPEN', (t) => {
  const dir = tempDir(t);
  // A regular file where a folder should be: fails for every user, root included.
  const blocker = join(dir, 'not-a-dir');
  writeFileSync(blocker, 'x');
  assertOpenError(() => openSqliteStorage({ path: join(blocker, 'headroom.db'), retention }), 'not-a-dir');
});

test('a file that is not a SQLite database fails with HR_STORE_OPEN', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'corrupt.db');
  writeFileSync(path, Buffer.alloc(8192, 0x5a));
  assertOpenError(() => openSqliteStorage({ path, retention }), 'corrupt.db');
});

test('a database from a newer schema fails with HR_STORE_OPEN', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'newer.db');
  const db = new BetterSqlite3(path);
  db.pragma('user_version = 999');
  db.close();
  assertOpenError(() => openSqliteStorage({ path, retention }), 'newer');
});

test('close() flushes queued writes, and a reopened store has the data', async (t) => {
  const first = openTestStore(t);
  const now = first.clock.now;
  const spans = makeTrace(prng(3), { service: 'api', instanceId: 'a', route: '/x', startMs: now - 5000, durationMs: 40 });
  assert.equal(
    first.storage.enqueue(
      batchWith({
        spans,
        events: [
          { service: 'api', instanceId: 'a', type: 'stall', timeNs: msToNs(now - 1000), traceId: null, spanId: null, route: '/x', durationMs: 120, message: null, attributes: {} },
        ],
      }),
    ),
    true,
  );
  // No flush: close() must commit what is queued.
  await first.storage.close();
  assert.equal(first.storage.enqueue(batchWith({ spans })), false, 'a closed store refuses batches');

  const again = openTestStore(t, { dir: first.dir, now });
  const trace = again.storage.trace(spans[0]!.traceId);
  assert.ok(trace);
  assert.equal(trace.spans.length, spans.length);
  const events = again.storage.events({ from: now - 60_000, to: now + 60_000, limit: 10 });
  assert.deepEqual(events.events.map((e) => [e.type, e.durationMs]), [['stall', 120]]);
  await again.storage.close();
});
