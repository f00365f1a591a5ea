// Wraps the OTLP metric exporter. With delta temporality an interval whose export failed would
// be gone, so a failed interval the collector may still take (it was down, restarting or
// overloaded: retryable.ts) is held, up to `maxPoints` data points, and sent again, oldest
// first, after the next export that succeeds. Each interval keeps its own times, so it lands
// where it belongs; the collector counts a resent delta point once. What does not fit, and
// what the collector refused, is counted as dropped in ExportHealth like the spans'.
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { ExportResultCode, suppressTracing, type ExportResult } from '@opentelemetry/core';
import type { AggregationOption, AggregationTemporality, InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ExportHealth } from './health';
import { worthRetrying } from './retryable';

function countPoints(metrics: ResourceMetrics): number {
  let n = 0;
  for (const scope of metrics.scopeMetrics) for (const metric of scope.metrics) n += metric.dataPoints.length;
  return n;
}

interface Held {
  metrics: ResourceMetrics;
  points: number;
}

export class RetainingMetricExporter implements PushMetricExporter {
  private held: Held[] = [];
  private heldPoints = 0;
  private resending: Promise<void> | null = null;

  constructor(
    private readonly inner: PushMetricExporter,
    private readonly health: ExportHealth,
    private readonly maxPoints: number,
  ) {}

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    const points = countPoints(metrics);
    this.send(metrics, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        this.health.delivered('metrics', points);
        this.resend();
      } else {
        const kept = worthRetrying(result) ? this.hold({ metrics, points }) : 0;
        this.health.failed('metrics', points - kept, result);
      }
      resultCallback(result);
    });
  }

  async forceFlush(): Promise<void> {
    await this.inner.forceFlush();
    await this.resending;
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    // The OTLP exporter always implements it; the interface marks it optional.
    return this.inner.selectAggregationTemporality!(instrumentType);
  }

  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.inner.selectAggregation!(instrumentType);
  }

  /** What is still held is given up (counted). */
  async shutdown(): Promise<void> {
    await this.resending;
    this.health.drop('metrics', this.heldPoints);
    this.held = [];
    this.heldPoints = 0;
    return this.inner.shutdown();
  }

  private send(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    // The exporter's own HTTP requests must not be traced (a feedback loop otherwise).
    // No request's context in the export, whoever triggered it (export-queue.ts says why).
    context.with(suppressTracing(ROOT_CONTEXT), () => this.inner.export(metrics, done));
  }

  /** Holds a failed interval; the oldest held intervals make room (dropped). Returns the points kept. */
  private hold(item: Held): number {
    if (item.points > this.maxPoints) return 0;
    this.held.push(item);
    this.heldPoints += item.points;
    while (this.heldPoints > this.maxPoints) {
      const oldest = this.held.shift()!;
      this.heldPoints -= oldest.points;
      this.health.drop('metrics', oldest.points);
    }
    return item.points;
  }

  /** Sends the held intervals, one at a time, until one fails again. */
  private resend(): void {
    if (this.resending !== null || this.held.length === 0) return;
    this.resending = (async () => {
      while (this.held.length > 0) {
        const next = this.held[0]!;
        const result = await new Promise<ExportResult>((resolve) => this.send(next.metrics, resolve));
        const retry = result.code !== ExportResultCode.SUCCESS && worthRetrying(result);
        if (retry) {
          this.health.failed('metrics', 0, result);
          return;
        }
        this.held.shift();
        this.heldPoints -= next.points;
        if (result.code === ExportResultCode.SUCCESS) this.health.delivered('metrics', next.points);
        else this.health.failed('metrics', next.points, result);
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        this.resending = null;
      });
  }
}
