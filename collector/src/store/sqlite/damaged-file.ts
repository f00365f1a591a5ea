// A database file that SQLite finds damaged when a query reads it (SQLITE_CORRUPT, SQLITE_NOTADB,
// an I/O error): the query API answers 503 HR_STORE_DAMAGED with what to do, /healthz says so,
// and the log says it once. A damaged file opens (its header and schema are fine) and answers
// every query that does not reach the damaged pages, so only the reads that do fail.
import { errors } from '../../errors';
import { quoteForLog } from '../../log-text';
import { StoreDamagedError, type StoreFailure } from '../storage';
import { SCHEMA_VERSION } from './migrations';

// SQLite's primary result codes for a file that cannot be read as a database
// (sqlite.org/rescode.html); extended codes (SQLITE_CORRUPT_INDEX, SQLITE_IOERR_READ, …) start
// with one of them.
const DAMAGED = ['SQLITE_CORRUPT', 'SQLITE_NOTADB'];
const IO = ['SQLITE_IOERR'];

function isCode(code: string, primaries: readonly string[]): boolean {
  return primaries.some((c) => code === c || code.startsWith(`${c}_`));
}

/** SQLite's code when `err` says the file is damaged or cannot be read, else null. */
export function damageCode(err: unknown): string | null {
  if (!(err instanceof Error) || err.name !== 'SqliteError') return null;
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  return isCode(code, DAMAGED) || isCode(code, IO) ? code : null;
}

/** `text` as one shell word (POSIX sh): a path with spaces or quotes stays one argument. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * What to do with a damaged file ("stop the collector, …"), as commands that work. `sqlite3 FILE .recover` is not among
 * them: the sqlite3 3.40.1 of Debian 12 fails it on any file ("SQL logic error"). `.dump` reads
 * every table up to its damaged pages and ends its output with ROLLBACK when it met one;
 * turned into COMMIT, the rows it could read are kept (tried on a file with a page of its spans
 * table overwritten: 5,977 of 6,000 spans kept, integrity_check "ok", the collector opened it).
 * `.dump` leaves out PRAGMA user_version, which tells the collector the schema is there.
 */
export function repairAdvice(file: string): string {
  const f = shellWord(file);
  const recovered = shellWord(`${file}.recovered`);
  return (
    `stop the collector, then restore the file from a backup, or move it away (with its -wal and -shm files) and start ` +
    `again with a fresh database, or copy what can still be read into a new file: ` +
    `sqlite3 ${f} .dump | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/' | sqlite3 ${recovered} && ` +
    `sqlite3 ${recovered} 'PRAGMA user_version = ${SCHEMA_VERSION}', then move ${file} (with -wal and -shm) aside and ` +
    `rename ${file}.recovered to ${file}.`
  );
}

/** The damaged state, its message naming the file, the error and what to do. */
export function damagedFailure(file: string, sqliteCode: string, reason: string, doing: string, sinceMs: number): StoreFailure {
  const io = isCode(sqliteCode, IO);
  const what = io
    ? `${file} cannot be read: ${reason} (${sqliteCode}), ${doing}. Check the disk and the file system first (an I/O error may be a failing disk); if the file itself is damaged: `
    : `${file}: ${reason} (${sqliteCode}), ${doing}. Queries that do not reach the damaged pages still answer, and writes go on while they succeed. To mend it: `;
  return { code: errors.storeDamaged.code, message: `${errors.storeDamaged.message}: ${what}${repairAdvice(file)}`, sqliteCode, sinceMs };
}

/**
 * The reads of one database file, run through read(): a damaged or unreadable file's error
 * becomes StoreDamagedError (503), and the first such read sets the damaged state and says so
 * once in the log. One per file: the store and the alert store on the same file share it, so
 * whichever finds the damage, /healthz says so and the log says it once.
 */
export class DamagedFileReads {
  private damage: StoreFailure | null = null;

  constructor(
    private readonly file: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Runs `query`; `what` (and the service, when one is read) names it in the message. */
  read<T>(what: string, service: string | null, query: () => T): T {
    return this.run(`reading ${service === null ? what : `${what} of service ${quoteForLog(service)}`}`, query);
  }

  /**
   * Runs a write of the alert store (its own connection, no writer queue): one that reaches a
   * damaged page is the same damaged state, said once, instead of an error each caller logs.
   */
  write<T>(what: string, query: () => T): T {
    return this.run(`writing ${what}`, query);
  }

  private run<T>(doing: string, query: () => T): T {
    try {
      return query();
    } catch (err) {
      const code = damageCode(err);
      if (code === null) throw err;
      if (this.damage === null) {
        this.damage = damagedFailure(this.file, code, err instanceof Error ? err.message : String(err), doing, this.clock());
        console.error(`headroom store: ${this.damage.code} ${this.damage.message}`);
      }
      throw new StoreDamagedError(this.damage, err);
    }
  }

  /** Set once a read found the file damaged (it stays set: a damaged file does not mend itself). */
  failure(): StoreFailure | null {
    return this.damage;
  }
}
