// GC pauses by kind, as the OTel semantic convention `v8js.gc.duration` (s) with
// `v8js.gc.type` = major | minor | incremental | weakcb; and Headroom's
// `headroom.gc.pause.on_cpu` (s, same kinds): the part of each pause the process was on CPU
// (gc-cpu.ts), so a machine short of CPU does not read as seconds of GC a minute.
import type { Meter } from '@opentelemetry/api';
import { constants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { guard } from '../report';
import { GcCpuEstimator, type ResolvedPause } from './gc-cpu';

const KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

export interface GcMetrics {
  /** Called on each of the stall ticker's ticks (every 20 ms): resolves the pauses behind it. */
  tick: () => void;
  stop: () => void;
}

function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function registerGcMetrics(meter: Meter): GcMetrics {
  const histogram = meter.createHistogram('v8js.gc.duration', { unit: 's', description: 'Garbage collection pause' });
  const onCpu = meter.createHistogram('headroom.gc.pause.on_cpu', { unit: 's', description: 'Of each garbage collection pause, the time the process was on CPU' });
  const estimator = new GcCpuEstimator();
  const record = (resolved: ResolvedPause[]): void => {
    for (const r of resolved) onCpu.record(r.onCpuMs / 1e3, { 'v8js.gc.type': r.kind });
  };
  const observer = new PerformanceObserver(
    guard('gc observer', (list: { getEntries(): PerformanceEntry[] }) => {
      for (const entry of list.getEntries()) {
        const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
        const kind = (detail?.kind !== undefined ? KINDS[detail.kind] : undefined) ?? 'unknown';
        histogram.record(entry.duration / 1e3, { 'v8js.gc.type': kind });
        record(estimator.pause(entry.startTime, entry.duration, kind));
      }
    }),
  );
  observer.observe({ entryTypes: ['gc'] });
  return {
    tick: guard('gc ticks', () => record(estimator.tick(performance.now(), processCpuMs()))),
    stop: () => observer.disconnect(),
  };
}
