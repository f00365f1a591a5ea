// A bounded export queue for spans and log records. The SDK's batch processors drop silently
// when full and cannot say how much they dropped; Headroom must count every drop, so this
// small queue replaces them: at most `maxQueue` items held, one export in flight at a time
// (no pile-up of requests while the collector is slow), timers unref'd so the app exits as
// it would without the agent.
import { context } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import { describe } from '../report';
import type { ExportHealth, Signal } from './health';

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
}

export class ExportQueue<T> {
  private items: T[] = [];
  private current: Promise<void> | null = null;
  /** The batch of the export in flight. */
  private sending: T[] | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

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
    this.items.push(item);
    if (this.items.length >= this.options.maxBatch && this.current === null) void this.sendOne();
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

  /** Exports everything queued now; resolves when done or when exports fail. */
  async flush(): Promise<void> {
    for (let guard = 0; guard < 1000; guard++) {
      if (this.current) await this.current;
      else if (this.items.length > 0) await this.sendOne();
      else return;
    }
  }

  async shutdown(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.exporter.shutdown().catch(() => undefined);
  }

  private arm(): void {
    if (this.timer !== null || this.current !== null || this.items.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sendOne();
    }, this.options.delayMs);
    this.timer.unref();
  }

  private sendOne(): Promise<void> {
    if (this.current) return this.current;
    if (this.items.length === 0) return Promise.resolve();
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.items.splice(0, this.options.maxBatch);
    this.sending = batch;
    this.current = this.exportBatch(batch).then(() => {
      this.current = null;
      this.sending = null;
      this.arm();
    });
    return this.current;
  }

  private async exportBatch(batch: T[]): Promise<void> {
    try {
      if (this.options.beforeExport) await this.options.beforeExport(batch);
      const result = await new Promise<ExportResult>((resolve) => {
        try {
          // The exporter's own HTTP requests must not be traced (a feedback loop otherwise).
          context.with(suppressTracing(context.active()), () => this.exporter.export(batch, resolve));
        } catch (err) {
          resolve({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(describe(err)) });
        }
      });
      this.health.result(this.signal, batch.length, result);
    } catch (err) {
      this.health.result(this.signal, batch.length, { code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(describe(err)) });
    }
  }
}
