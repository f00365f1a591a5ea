// A bounded export queue for spans and log records. The SDK's batch processors drop silently
// when full and cannot say how much they dropped; Headroom must count every drop, so this
// small queue replaces them: at most `maxQueue` items held, one export in flight at a time
// (no pile-up of requests while the collector is slow), timers unref'd so the app exits as
// it would without the agent. A batch the collector could not take (down, restarting,
// overloaded) goes back to the front of the queue, and exports are retried with a doubling
// delay: an outage costs only what does not fit the queue, the oldest first.
// Its timers and exports run in the ROOT context: items are pushed from inside requests, and a
// timer or promise set up there would carry that request's context into the export (a stall in
// the serialiser was then blamed on the request that happened to queue the last span).
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import { describe } from '../report';
import type { ExportHealth, Signal } from './health';
import { worthRetrying } from './retryable';

/** The longest wait between two exports while the collector keeps failing. */
const MAX_RETRY_DELAY_MS = 30_000;

export interface BatchExporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

export interface ExportQueueOptions<T> {
  maxQueue: number;
  maxBatch: number;
  delayMs: number;
  /** Awaited before each export (resources with async attributes). */
  beforeExport?: (items: T[]) => Promise<void>;
  /** Applied once to each item as it is queued (what is never queued costs nothing). */
  prepare?: (item: T) => T;
}

export class ExportQueue<T> {
  private items: T[] = [];
  /** The export in flight; resolves true when it succeeded. */
  private current: Promise<boolean> | null = null;
  /** The batch of the export in flight. */
  private sending: T[] | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Exports failed in a row: the delay before the next doubles with each. */
  private failures = 0;

  constructor(
    private readonly signal: Signal,
    private readonly exporter: BatchExporter<T>,
    private readonly health: ExportHealth,
    private readonly options: ExportQueueOptions<T>,
  ) {}

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.closed || this.items.length >= this.options.maxQueue) {
      this.health.drop(this.signal, 1);
      return;
    }
    this.items.push(this.options.prepare ? this.options.prepare(item) : item);
    if (this.items.length >= this.options.maxBatch && this.current === null && this.failures === 0) void this.sendOne();
    else this.arm();
  }

  /**
   * Takes everything queued, for a synchronous delivery as the process ends (exit-delivery.ts);
   * with `inFlight`, the batch of the export under way too (for items the collector stores
   * once however often they are sent).
   */
  drain(inFlight = false): T[] {
    const queued = this.items.splice(0, this.items.length);
    return inFlight && this.sending !== null ? [...this.sending, ...queued] : queued;
  }

  /** Exports everything queued now; resolves when done, or at the first failed export. */
  async flush(): Promise<void> {
    for (let guard = 0; guard < 1000; guard++) {
      if (this.current) {
        if (!(await this.current)) return;
      } else if (this.items.length > 0) {
        if (!(await this.sendOne())) return;
      } else return;
    }
  }

  /** Flushes, then stops; what the collector did not take by then is dropped (counted). */
  async shutdown(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.health.drop(this.signal, this.items.length);
    this.items = [];
    await this.exporter.shutdown().catch(() => undefined);
  }

  private arm(): void {
    if (this.timer !== null || this.current !== null || this.items.length === 0 || this.closed) return;
    const delay = this.failures === 0 ? this.options.delayMs : Math.min(MAX_RETRY_DELAY_MS, this.options.delayMs * 2 ** (this.failures - 1));
    this.timer = context.with(ROOT_CONTEXT, () =>
      setTimeout(() => {
        this.timer = null;
        void this.sendOne();
      }, delay),
    );
    this.timer.unref();
  }

  private sendOne(): Promise<boolean> {
    if (this.current) return this.current;
    if (this.items.length === 0) return Promise.resolve(true);
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.items.splice(0, this.options.maxBatch);
    this.sending = batch;
    this.current = context.with(ROOT_CONTEXT, () => this.exportBatch(batch)).then((ok) => {
      this.current = null;
      this.sending = null;
      this.arm();
      return ok;
    });
    return this.current;
  }

  private async exportBatch(batch: T[]): Promise<boolean> {
    let result: ExportResult;
    try {
      if (this.options.beforeExport) await this.options.beforeExport(batch);
      result = await new Promise<ExportResult>((resolve) => {
        try {
          // The exporter's own HTTP requests must not be traced (a feedback loop otherwise).
          context.with(suppressTracing(ROOT_CONTEXT), () => this.exporter.export(batch, resolve));
        } catch (err) {
          resolve({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(describe(err)) });
        }
      });
    } catch (err) {
      result = { code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(describe(err)) };
    }
    if (result.code === ExportResultCode.SUCCESS) {
      this.failures = 0;
      this.health.delivered(this.signal, batch.length);
      return true;
    }
    this.failures++;
    const kept = worthRetrying(result) ? this.putBack(batch) : 0;
    this.health.failed(this.signal, batch.length - kept, result);
    return false;
  }

  /**
   * Returns a failed batch to the front of the queue, as much as fits: its oldest items go
   * first when the queue filled up meanwhile. Returns how many were kept.
   */
  private putBack(batch: T[]): number {
    if (this.closed) return 0;
    const room = Math.max(0, this.options.maxQueue - this.items.length);
    const kept = room >= batch.length ? batch : batch.slice(batch.length - room);
    this.items = kept.concat(this.items);
    return kept.length;
  }
}
