// WAL checkpoints off the writer's thread. A checkpoint copies the WAL's pages into the
// database file and syncs both files; run by the writer's own connection (SQLite's
// autocheckpoint) it blocks the thread that also serves HTTP. With random trace ids each commit
// dirties index pages all over the file, and those checkpoints cost that thread about a
// quarter of its time (bench/ingest/store-write: 15.8 µs per span with them, 11.4 without).
//
// So a worker thread with its own connection runs PASSIVE checkpoints, which never take the
// write lock, while the writer commits. The WAL starts over from its beginning only when a
// writer begins after a checkpoint that copied every frame
// (sqlite.org/wal.html#avoiding_excessively_large_wal_files), and a checkpoint running beside
// the writer never quite catches up: so once the WAL holds WAL_RESTART_FRAMES, the writer
// holds its commits (batches wait in the queue; HTTP goes on) for one more checkpoint, which
// copies the little that is left, and its next commit starts the WAL over. That last one
// syncs both files while the writer waits, so the WAL is finished rarely: every 128 MiB
// (bench/ingest, spans/s: 58,927 and 58,655 at 128 MiB, 54,280 and 56,044 at 32 MiB). The
// writer's own autocheckpoint stays on, further out, in case the worker stops answering.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { CheckpointReply, CheckpointRequest } from './checkpoint-messages';

/** WAL pages (128 MiB) after which the WAL is finished and started over. */
export const WAL_RESTART_FRAMES = 32_768;
/** The writer's own autocheckpoint without the worker (open-database.ts sets the same). */
const OWN_CHECKPOINT_FRAMES = 8192;
/** The longest the writer holds its commits for the WAL's last checkpoint. */
const HOLD_LIMIT_MS = 2000;
/** Between two checkpoints: each syncs two files, and a page dirtied again meanwhile is copied once. */
const MIN_INTERVAL_MS = 50;
/**
 * Items committed before the thread starts: a store that takes little (tests, a quiet
 * collector) reaches no checkpoint worth a thread, and the writer's own covers it.
 */
export const START_AFTER_ITEMS = 20_000;

function startWorker(file: string): Worker {
  const script = path.join(__dirname, `checkpoint-worker${path.extname(__filename)}`);
  if (script.endsWith('.ts')) {
    // Running from source (node --import tsx): a worker does not inherit tsx's hooks.
    const tsx = require.resolve('tsx/cjs');
    return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(script)});`, { eval: true, workerData: { file } });
  }
  return new Worker(script, { workerData: { file } });
}

export interface CheckpointStats {
  /** Checkpoints the worker thread ran. */
  inBackground: number;
  /** Of those, the ones that finished the WAL (every frame copied) so the next commit starts it over. */
  walFinished: number;
}

export class BackgroundCheckpoints {
  private readonly counts: CheckpointStats = { inBackground: 0, walFinished: 0 };
  private worker: Worker | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** A checkpoint is running in the worker. */
  private busy = false;
  /** The running checkpoint is the WAL's last: the writer holds its commits until it ends. */
  private finishing = false;
  private holdTimer: NodeJS.Timeout | null = null;
  /** Closed, or the worker failed: the writer's own autocheckpoint does the work. */
  private stopped = false;
  private lastStart = -Infinity;
  private committedItems = 0;

  /**
   * @param resume called when the writer may commit again after holding its commits
   * @param onError told once if the worker fails (the writer then checkpoints itself)
   * @param restartFrames WAL pages after which the WAL is finished (tests lower it)
   */
  constructor(
    private readonly db: Database,
    private readonly file: string,
    private readonly resume: () => void,
    private readonly onError: (message: string) => void,
    private readonly restartFrames = WAL_RESTART_FRAMES,
  ) {}

  /** True while the WAL's last checkpoint runs: the writer leaves batches queued. */
  get holdsCommits(): boolean {
    return this.finishing;
  }

  stats(): CheckpointStats {
    return { ...this.counts };
  }

  /** Called after each commit of the writer with the items it held: starts a checkpoint when due. */
  afterCommit(items: number): void {
    this.committedItems += items;
    if (this.busy || this.stopped) return;
    if (this.worker === null && this.committedItems < START_AFTER_ITEMS) return;
    const now = performance.now();
    if (now - this.lastStart < MIN_INTERVAL_MS) return;
    this.run(now);
  }

  /** Stops the worker (after a checkpoint it is running), so the writer's connection closes last. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.stopped = true;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.finishing = false;
    if (worker) {
      // Unreferenced while it runs (it must not keep a process alive); not while it closes.
      worker.ref();
      worker.postMessage('close' satisfies CheckpointRequest);
    }
    await this.exited;
  }

  private run(now: number): void {
    if (this.stopped) return;
    const worker = this.worker ?? this.start();
    if (!worker) return;
    this.lastStart = now;
    this.busy = true;
    worker.postMessage('checkpoint' satisfies CheckpointRequest);
  }

  private answered(reply: CheckpointReply): void {
    this.busy = false;
    // A checkpoint that ends after close() began starts nothing (no new worker on a closing file).
    if (this.stopped) return;
    if (!reply.ok) {
      this.fallBack(reply.message);
      return;
    }
    this.counts.inBackground++;
    if (this.finishing) {
      if (reply.copiedFrames === reply.walFrames) this.counts.walFinished++;
      this.release();
    } else if (reply.walFrames >= this.restartFrames) {
      this.finishing = true;
      // A checkpoint stuck on I/O must not stop ingest: the commits go on, the WAL grows.
      this.holdTimer = setTimeout(() => this.release(), HOLD_LIMIT_MS);
      this.holdTimer.unref();
      this.run(performance.now());
    }
  }

  /** Lets the writer commit again. */
  private release(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    if (!this.finishing) return;
    this.finishing = false;
    this.resume();
  }

  private start(): Worker | null {
    let worker: Worker;
    try {
      worker = startWorker(this.file);
    } catch (err) {
      this.fallBack(err instanceof Error ? err.message : String(err));
      return null;
    }
    worker.unref();
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: CheckpointReply) => this.answered(reply));
    worker.on('error', (err) => this.fallBack(err.message));
    worker.on('exit', () => {
      if (this.worker === worker) this.fallBack('the checkpoint thread exited');
    });
    // The writer's own autocheckpoint stays, for a worker that falls silent.
    this.db.pragma(`wal_autocheckpoint = ${2 * this.restartFrames}`);
    this.worker = worker;
    return worker;
  }

  /** Back to the writer's own checkpoints, as without the worker. */
  private fallBack(reason: string): void {
    if (this.stopped) return;
    void this.worker?.terminate();
    this.worker = null;
    this.stopped = true;
    this.busy = false;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${OWN_CHECKPOINT_FRAMES}`);
    this.release();
    this.onError(`background checkpoints stopped, the writer checkpoints itself: ${reason}`);
  }
}
