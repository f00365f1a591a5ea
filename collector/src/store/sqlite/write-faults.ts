// Tells a failed write's cause apart: the database's (a damaged file, a full disk, a file
// that cannot be written) or the batch's. Only the first makes the store "failing": its
// batches are kept and retried, and agents are asked to retry, since any other batch would
// fail the same way. A batch's own failure drops that batch alone, as before.
import { errors } from '../../errors';
import type { StoreFailure } from '../storage';
import { repairAdvice } from './damaged-file';

// SQLite's primary result codes that come from the file or the disk (sqlite.org/rescode.html);
// extended codes (SQLITE_IOERR_WRITE, SQLITE_CORRUPT_INDEX, …) start with one of them.
const DAMAGED = ['SQLITE_CORRUPT', 'SQLITE_NOTADB'];
const FILE_OR_DISK = ['SQLITE_IOERR', 'SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_CANTOPEN', 'SQLITE_BUSY', 'SQLITE_NOMEM', 'SQLITE_PROTOCOL'];

/** SQLite's code when the error is the database's, null when it is the batch's (or not SQLite's). */
export function databaseFaultCode(err: unknown): string | null {
  if (!(err instanceof Error) || err.name !== 'SqliteError') return null;
  const code = (err as Error & { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  return [...DAMAGED, ...FILE_OR_DISK].some((c) => code === c || code.startsWith(`${c}_`)) ? code : null;
}

/** The failing state, with a message that names the file and says what to do. */
export function storeFailure(file: string, sqliteCode: string, reason: string, retryMs: number, sinceMs: number): StoreFailure {
  const damaged = DAMAGED.some((c) => sqliteCode === c || sqliteCode.startsWith(`${c}_`));
  const advice = damaged
    ? `The file is damaged: ${repairAdvice(file)}`
    : 'Check that the disk has space and that the file and its folder are writable; writing resumes by itself once a write succeeds.';
  return {
    code: errors.storeFailing.code,
    message:
      `${errors.storeFailing.message}: ${file}: ${reason} (${sqliteCode}). ` +
      `Agents are answered 503 and keep their data; the write is retried every ${retryMs >= 1000 ? `${Math.round(retryMs / 1000)} s` : `${retryMs} ms`}. ${advice}`,
    sqliteCode,
    sinceMs,
  };
}
