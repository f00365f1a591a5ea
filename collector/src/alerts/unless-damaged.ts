// The alert engine's own reads (each evaluation pass, the start) on a database file with a
// damaged part: a read that reaches it skips what it was for instead of throwing out of a timer.
// The store has said so once in the log (store/sqlite/damaged-file.ts), /healthz answers 503,
// and the alert API answers 503 HR_STORE_DAMAGED to the same reads.
import { StoreDamagedError } from '../store/storage';

/** `read()`, or `fallback` when it reached a damaged part of the file. */
export function unlessDamaged<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof StoreDamagedError) return fallback;
    throw err;
  }
}
