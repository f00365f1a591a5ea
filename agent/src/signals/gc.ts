// GC pauses by kind, as the OTel semantic convention `v8js.gc.duration` (s) with
// `v8js.gc.type` = major | minor | incremental | weakcb.
import type { Meter } from '@opentelemetry/api';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { guard } from '../report';

const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export function registerGcMetrics(meter: Meter): () => void {
  const histogram = meter.createHistogram('v8js.gc.duration', { unit: 's', description: 'Garbage collection pause' });
  const observer = new PerformanceObserver(
    guard('gc observer', (list: { getEntries(): PerformanceEntry[] }) => {
      for (const entry of list.getEntries()) {
        const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
        const kind = detail?.kind !== undefined ? KINDS[detail.kind] : undefined;
        histogram.record(entry.duration / 1e3, { 'v8js.gc.type': kind ?? 'unknown' });
      }
    }),
  );
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}
