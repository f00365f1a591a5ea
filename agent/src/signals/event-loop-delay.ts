// Event-loop delay percentiles per export interval: how late each 20 ms tick of the stall
// detector (stalls.ts) fired — what perf_hooks.monitorEventLoopDelay measures with a timer of
// its own. Sharing the tick halves the agent's timer wake-ups when the app is idle (each costs
// a process wake-up: 50 a second for one figure). Kept in a perf_hooks histogram, reset after
// each read, so each point covers one interval: in microseconds up to an hour, to two
// significant digits (≤ 0.5 % off): a 27 KB table, where the default range (1 ns to 2^53,
// three digits) allocates 352 KB.
import type { Meter } from '@opentelemetry/api';
import { createHistogram } from 'node:perf_hooks';

export interface DelayPercentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const HIGHEST_US = 3_600_000_000;

export class EventLoopDelay {
  private readonly histogram = createHistogram({ lowest: 1, highest: HIGHEST_US, figures: 2 });

  /** A tick fired `lateMs` after it was due. */
  record(lateMs: number): void {
    // Integers from 1 µs (an on-time tick reads 1 µs); a value past the range would be dropped.
    this.histogram.record(Math.min(HIGHEST_US, Math.max(1, Math.round(lateMs * 1e3))));
  }

  /** Seconds since the last take; null when no tick was recorded. */
  take(): DelayPercentiles | null {
    const h = this.histogram;
    if (h.count === 0) return null;
    const result = { p50: h.percentile(50) / 1e6, p90: h.percentile(90) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 };
    h.reset();
    return result;
  }

  register(meter: Meter): void {
    const gauges = {
      p50: meter.createObservableGauge('nodejs.eventloop.delay.p50', { unit: 's' }),
      p90: meter.createObservableGauge('nodejs.eventloop.delay.p90', { unit: 's' }),
      p99: meter.createObservableGauge('nodejs.eventloop.delay.p99', { unit: 's' }),
      max: meter.createObservableGauge('nodejs.eventloop.delay.max', { unit: 's' }),
    };
    meter.addBatchObservableCallback(
      (result) => {
        const taken = this.take();
        if (!taken) return;
        result.observe(gauges.p50, taken.p50);
        result.observe(gauges.p90, taken.p90);
        result.observe(gauges.p99, taken.p99);
        result.observe(gauges.max, taken.max);
      },
      Object.values(gauges),
    );
  }
}
