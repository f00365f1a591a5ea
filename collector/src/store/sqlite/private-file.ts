// The store's files are readable by their owner alone: they hold webhook URLs (a Slack URL is
// its own secret) and whatever the apps put in spans. SQLite gives the -wal, -shm and journal
// files it makes the mode of their database file.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** Creates `dir` and any folder above it that is missing, with mode 0700; existing ones keep theirs. */
export function createPrivateFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Creates `file` empty (SQLite takes an empty file as a new database) with mode 0600, and any
 * folder it needs with 0700. An existing file or folder keeps the mode its owner gave it.
 */
export function createPrivately(file: string): void {
  createPrivateFolder(dirname(file));
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
