// Event-loop delay percentiles per export interval, from perf_hooks.monitorEventLoopDelay.
// Its timer fires every `resolution` ms and records how late it was *including* the
// resolution itself (an idle loop reads ~20 ms at resolution 20), so the resolution is
// subtracted. The histogram is reset after each read: each point covers one interval.
import type { Meter } from '@opentelemetry/api';
import { monitorEventLoopDelay } from 'node:perf_hooks';

// 20 ms: half the wake-ups of 10 ms (measured ~1 ms CPU/s idle saved); percentiles of stalls
// that matter (≥ tens of ms) are unaffected.
const RESOLUTION_MS = 20;

/** Histogram nanoseconds (resolution included) to delay seconds. */
export function delaySeconds(ns: number, resolutionMs: number = RESOLUTION_MS): number {
  return Math.max(0, ns / 1e9 - resolutionMs / 1e3);
}

export function registerEventLoopDelay(meter: Meter): () => void {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const gauges = {
    p50: meter.createObservableGauge('nodejs.eventloop.delay.p50', { unit: 's' }),
    p90: meter.createObservableGauge('nodejs.eventloop.delay.p90', { unit: 's' }),
    p99: meter.createObservableGauge('nodejs.eventloop.delay.p99', { unit: 's' }),
    max: meter.createObservableGauge('nodejs.eventloop.delay.max', { unit: 's' }),
  };
  meter.addBatchObservableCallback(
    (result) => {
      if (histogram.count === 0) return;
      result.observe(gauges.p50, delaySeconds(histogram.percentile(50)));
      result.observe(gauges.p90, delaySeconds(histogram.percentile(90)));
      result.observe(gauges.p99, delaySeconds(histogram.percentile(99)));
      result.observe(gauges.max, delaySeconds(histogram.max));
      histogram.reset();
    },
    Object.values(gauges),
  );
  return () => histogram.disable();
}
