// Delivery bookkeeping for the three signals: what was dropped (queue full, buffer full, more
// than the queues hold while the collector is down, refused by it) and whether the collector
// is answering. Failures and the recovery are reported on stderr, rate-limited; the totals are
// also exported as a metric once the collector is back (see signals/agent-health.ts).
import type { ExportResult } from '@opentelemetry/core';
import { describe, report } from '../report';
import { isAuthRefusal, refusalMessage, refusalStatus } from './refusal';
import { worthRetrying } from './retryable';

export type Signal = 'spans' | 'logs' | 'metrics';

export class ExportHealth {
  readonly dropped: Record<Signal, number> = { spans: 0, logs: 0, metrics: 0 };
  readonly exported: Record<Signal, number> = { spans: 0, logs: 0, metrics: 0 };
  private failing = false;
  /** A line about this outage was written: its recovery is written too, rate limit or not. */
  private failureShown = false;
  private droppedAtFailure = 0;

  constructor(private readonly target: string) {}

  drop(signal: Signal, count: number): void {
    this.dropped[signal] += count;
  }

  /** `count` items reached the collector. */
  delivered(signal: Signal, count: number): void {
    this.exported[signal] += count;
    if (this.failing) {
      this.failing = false;
      const lost = this.totalDropped() - this.droppedAtFailure;
      // QA4: a second outage within a minute of the first recovery ended on its failure line.
      report('exportRecovered', `${this.target}; ${lost} items dropped while it was unreachable (spans ${this.dropped.spans}, log records ${this.dropped.logs}, metric points ${this.dropped.metrics} since start)`, Date.now(), this.failureShown);
      this.failureShown = false;
    }
  }

  /** An export failed; `dropped` of its items are given up (the rest are held to be sent again). */
  failed(signal: Signal, dropped: number, result: ExportResult): void {
    if (!this.failing) {
      this.failing = true;
      this.droppedAtFailure = this.totalDropped();
    }
    this.drop(signal, dropped);
    // "Holding to send again" is true only of what may succeed later: a refusal (4xx) is final.
    const status = refusalStatus(result.error);
    if (worthRetrying(result)) {
      if (report('exportFailed', `${signal} to ${this.target}: ${failureText(result.error)}`)) this.failureShown = true;
      return;
    }
    const said = refusalMessage(result.error);
    // A 404 is most often an endpoint at the collector's dashboard port, or a path of its own.
    const hint = status === 404 ? ' (is OTEL_EXPORTER_OTLP_ENDPOINT the collector\'s OTLP address, port 4318 by default, not its dashboard port?)' : '';
    report(isAuthRefusal(status) ? 'exportUnauthorized' : 'exportRefused', `${signal} to ${this.target}: HTTP ${String(status)}${said ? `: ${said}` : ''}${hint}`);
  }

  /** False from a failed export until one succeeds. */
  get answering(): boolean {
    return !this.failing;
  }

  totalDropped(): number {
    return this.dropped.spans + this.dropped.logs + this.dropped.metrics;
  }
}

/**
 * A retryable failure in words. The OTLP exporter refuses an export while its earlier ones
 * still wait for the collector with "Concurrent export limit reached", which read as if data
 * were lost (QA4) when it is held and sent again like any other failed export.
 */
function failureText(error: Error | undefined): string {
  if (!error) return 'export failed';
  if (/Concurrent export limit reached/i.test(error.message)) return 'earlier exports are still waiting for the collector (this one is held to send again)';
  return describe(error);
}
