// Trace requests decoded and normalised in worker threads, so the receiver's thread — which
// is also the store's single writer — spends its time on HTTP and SQLite. Decode and normalise
// were ~40 % of the collector's CPU per span; what comes back is SpanRecords as rows of
// strings and numbers (messages.ts), cheap to clone. Metrics and logs stay in the receiver's
// thread: cumulative-to-delta keeps per-stream state there, and they are a small share.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { emptyBatch, type IngestBatch } from '../../model';
import type { FieldViolation } from '../field-violation';
import type { Encoding } from '../http/respond';
import { fromRow, type DecodeReply, type DecodeTask } from './messages';

export type TraceDecodeResult =
  | { ok: true; batch: IngestBatch; received: number; rejected: number; cut: number; message: string }
  | { ok: false; invalid: true; message: string; violations: FieldViolation[] };

interface Pending {
  resolve: (result: TraceDecodeResult) => void;
  reject: (err: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

function startWorker(): Worker {
  const file = path.join(__dirname, `worker${path.extname(__filename)}`);
  if (file.endsWith('.ts')) {
    // Running from source (tests, benchmarks: node --import tsx): a worker thread does not
    // inherit tsx's loader hooks, so it registers tsx's CommonJS hook itself first.
    const tsx = require.resolve('tsx/cjs');
    return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, { eval: true });
  }
  return new Worker(file);
}

/** The pool was closed before the request was decoded: the collector is shutting down. */
export class PoolClosedError extends Error {
  constructor() {
    super('trace workers closed');
  }
}

/** How long close() lets decodes in progress finish before the workers are stopped. */
const CLOSE_WAIT_MS = 2_000;

export class TraceWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size: number) {}

  /** Decodes and normalises one trace request body in the least busy worker. */
  run(encoding: Encoding, body: Buffer, receivedNs: bigint): Promise<TraceDecodeResult> {
    if (this.closed) return Promise.reject(new PoolClosedError());
    const w = this.pick();
    const id = this.nextId++;
    const task: DecodeTask = { id, encoding, body, receivedNs };
    return new Promise((resolve, reject) => {
      if (w.pending.size === 0) w.worker.ref();
      w.pending.set(id, { resolve, reject });
      // The body is copied (structured clone): it may share its memory with other buffers.
      w.worker.postMessage(task);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    // A request whose body arrived before the close gets its answer, within a bound.
    const deadline = Date.now() + CLOSE_WAIT_MS;
    while (this.workers.some((w) => w.pending.size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const all = this.workers.splice(0);
    await Promise.all(all.map((w) => w.worker.terminate()));
  }

  private pick(): PoolWorker {
    let best: PoolWorker | undefined;
    for (const w of this.workers) if (!best || w.pending.size < best.pending.size) best = w;
    if (best && (best.pending.size === 0 || this.workers.length >= this.size)) return best;
    return this.spawn();
  }

  private spawn(): PoolWorker {
    const worker = startWorker();
    const w: PoolWorker = { worker, pending: new Map() };
    this.workers.push(w);
    worker.on('message', (reply: DecodeReply) => {
      const p = w.pending.get(reply.id);
      if (!p) return;
      w.pending.delete(reply.id);
      if (w.pending.size === 0) w.worker.unref();
      if (reply.ok) {
        const batch = emptyBatch();
        batch.instances = reply.instances;
        batch.spans = reply.spans.map(fromRow);
        p.resolve({ ok: true, batch, received: reply.received, rejected: reply.rejected, cut: reply.cut, message: reply.message });
      } else if (reply.invalid) p.resolve({ ok: false, invalid: true, message: reply.message, violations: reply.violations });
      else p.reject(new Error(`trace worker: ${reply.message}`));
    });
    const fail = (err: Error): void => {
      const i = this.workers.indexOf(w);
      if (i >= 0) this.workers.splice(i, 1); // the next request starts a fresh worker
      for (const p of w.pending.values()) p.reject(err);
      w.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(this.closed ? new PoolClosedError() : new Error(`trace worker exited (code ${code})`)));
    // An idle worker must not keep the process alive (a receiver nobody closed, e.g. in a
    // test); one with work does (run() refs it). After the listeners, which ref it again.
    worker.unref();
    return w;
  }
}
