// Opening the SQLite store: unwritable and corrupt files fail with HR_STORE_OPEN; data
// survives close and reopen; a new store is readable by its owner alone.
import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { HeadroomError } from '../../collector/src/errors';
import { startCollector } from '../../collector/src/server';
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

test('a new store and the folders made for it are readable by their owner alone; an existing file keeps its mode', async (t) => {
  // Under the usual umask (022) a file is created world-readable unless the store says otherwise.
  const previous = process.umask(0o022);
  t.after(() => process.umask(previous));
  const dir = tempDir(t);
  const path = join(dir, 'made', 'for', 'it', 'headroom.db');
  const storage = openSqliteStorage({ path, retention });
  const now = Date.now();
  assert.equal(storage.enqueue(batchWith({ spans: makeTrace(prng(5), { service: 'api', instanceId: 'a', route: '/x', startMs: now - 5000, durationMs: 40 }) })), true);
  await storage.flush();
  const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);
  assert.equal(mode(path), '600', 'the database file');
  assert.equal(mode(`${path}-wal`), '600', 'its write-ahead log, which holds the same rows');
  assert.equal(mode(`${path}-shm`), '600', 'its shared-memory index');
  assert.equal(mode(`${path}.lock`), '600', 'the lock file beside it');
  for (const folder of ['made', 'made/for', 'made/for/it']) assert.equal(mode(join(dir, folder)), '700', folder);
  await storage.close();

  const shared = join(dir, 'shared.db');
  writeFileSync(shared, '');
  chmodSync(shared, 0o640);
  const second = openSqliteStorage({ path: shared, retention });
  await second.close();
  assert.equal(mode(shared), '640', 'a file the operator made keeps its mode');
});

test('the collector makes the folders of a new database readable by its user alone too', async (t) => {
  const previous = process.umask(0o022);
  t.after(() => process.umask(previous));
  const dir = tempDir(t);
  const collector = await startCollector({ dbPath: join(dir, 'data', 'headroom.db'), otlpPort: 0, httpPort: 0 });
  await collector.close();
  assert.equal((statSync(join(dir, 'data')).mode & 0o777).toString(8), '700');
  assert.equal((statSync(join(dir, 'data', 'headroom.db')).mode & 0o777).toString(8), '600');
});
