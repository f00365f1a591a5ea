// Opens (or creates) the SQLite file: folder, pragmas, schema. Every failure becomes one
// HR_STORE_OPEN error naming the path, so the CLI can print one clear line.
import { resolve } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { errors, headroomError } from '../../errors';
import { registerCountedFailure } from './counted-failure-sql';
import { registerEventIdentity } from './event-identity';
import { migrate } from './migrations';
import { createPrivately } from './private-file';
import { registerSketchFunctions } from './sketch-functions';

export function openDatabase(path: string): Database {
  const file = resolve(path);
  let db: Database | undefined;
  try {
    createPrivately(file);
    db = new BetterSqlite3(file);
    // WAL: readers (the query API) never block the writer, nor it them.
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: durable at checkpoints, no fsync per commit; a power cut can lose
    // the last commits but never corrupts the file (sqlite.org/pragma.html#pragma_synchronous).
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -65536'); // 64 MiB page cache
    db.pragma('foreign_keys = OFF');
    // Checkpoint every 8 192 pages (32 MiB) rather than 1 000: under sustained ingest every
    // commit would otherwise end in a checkpoint, and each checkpoint syncs the file twice.
    // The store moves its checkpoints to a worker thread once it is busy
    // (background-checkpoints.ts), and then lets the WAL reach 128 MiB: a WAL that large is
    // kept, not cut back after each restart, so its file is not regrown every time.
    db.pragma('wal_autocheckpoint = 8192');
    db.pragma('journal_size_limit = 167772160');
    // Before migrating: a migration fills 5-minute rollups with sketch_union, another gives
    // the stored events their identity with event_ident.
    registerSketchFunctions(db);
    registerEventIdentity(db);
    registerCountedFailure(db);
    // Reads the schema: a file that is not a database fails here (SQLITE_NOTADB).
    migrate(db);
    // A write the store needs: an unwritable file fails here rather than on the first batch.
    // The pid names this collector to a second one that finds the file locked (store-lock.ts).
    const setMeta = db.prepare(`INSERT INTO meta (key, value) VALUES (?, ?)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
    db.transaction(() => {
      setMeta.run('opened_at', String(Date.now()));
      setMeta.run('collector_pid', String(process.pid));
    })();
    return db;
  } catch (err) {
    try {
      db?.close();
    } catch {
      // Already failing; the open error below is the one worth reporting.
    }
    const reason = err instanceof Error ? err.message : String(err);
    throw headroomError(errors.storeOpen, `${file}: ${reason}`, err);
  }
}
