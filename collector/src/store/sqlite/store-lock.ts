// One collector per database. Two on one file would both evaluate alert rules, resume
// deliveries and prune, so notifications went out twice (QA pass 4). The lock is SQLite's
// own: an exclusive transaction, never committed, on a small file beside the database
// (<db>.lock, left in place). The operating system drops it when the process ends however
// it ends (kill -9 included), so no stale lock outlives a crash, and no pid is guessed at.
// Not `PRAGMA locking_mode=EXCLUSIVE` on the database itself: in WAL mode that keeps every
// other connection out, the checkpoint worker's too (background-checkpoints.ts).
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { errors, headroomError } from '../../errors';
import { createPrivately } from './private-file';

export interface StoreLock {
  release(): void;
}

export function lockDatabase(file: string): StoreLock {
  const path = `${file}.lock`;
  let lock: Database;
  try {
    createPrivately(path);
    // timeout 0: a held lock answers SQLITE_BUSY at once instead of after busy_timeout.
    lock = new BetterSqlite3(path, { timeout: 0 });
  } catch (err) {
    throw headroomError(errors.storeOpen, `${path}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
  try {
    lock.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    lock.close();
    const code = (err as { code?: unknown }).code;
    if (code !== 'SQLITE_BUSY' && code !== 'SQLITE_LOCKED') {
      throw headroomError(errors.storeOpen, `${path}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    const pid = holderPid(file);
    throw headroomError(
      errors.storeLocked,
      `another collector (${pid === null ? 'pid unknown' : `pid ${pid}`}) uses ${file}; stop it first, or give this one another database (--db or HEADROOM_DB)`,
    );
  }
  return {
    release() {
      if (!lock.open) return;
      try {
        lock.exec('ROLLBACK');
      } finally {
        lock.close();
      }
    },
  };
}

/** The pid the collector holding the lock wrote in the database's meta table (openDatabase). */
function holderPid(file: string): number | null {
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(file, { readonly: true, fileMustExist: true, timeout: 1000 });
    const value = db.prepare(`SELECT value FROM meta WHERE key = 'collector_pid'`).pluck().get();
    const pid = Number(value);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    // Only for the message: the refusal stands without it.
    return null;
  } finally {
    db?.close();
  }
}
