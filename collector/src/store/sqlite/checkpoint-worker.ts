// The background checkpointer's thread (background-checkpoints.ts starts it): its own
// connection to the store's file, running a PASSIVE checkpoint each time it is asked. PASSIVE
// never takes the write lock, so the writer keeps committing while pages are copied from the
// WAL into the database and the file is synced (sqlite.org/c3ref/wal_checkpoint_v2.html).
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import type { CheckpointReply, CheckpointRequest } from './checkpoint-messages';

const port = parentPort;
if (!port) throw new Error('checkpoint-worker runs as a worker thread');
const db = new BetterSqlite3((workerData as { file: string }).file, { fileMustExist: true });
// As the writer's connection: a checkpoint syncs the WAL and then the database file.
db.pragma('synchronous = NORMAL');

port.on('message', (request: CheckpointRequest) => {
  if (request === 'close') {
    db.close();
    port.close();
    return;
  }
  let reply: CheckpointReply;
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    reply = { ok: true, walFrames: row?.log ?? 0, copiedFrames: row?.checkpointed ?? 0 };
  } catch (err) {
    reply = { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
