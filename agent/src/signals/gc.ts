// GC pauses by kind, as the OTel semantic convention `v8js.gc.duration` (s) with
// `v8js.gc.type` = major | minor | incremental | weakcb; and Headroom's
// `headroom.gc.pause.on_cpu` (s, same kinds): the part of each pause the process was on CPU
// (gc-cpu.ts), so a machine short of CPU does not read as seconds of GC a minute.
import type { Meter } from '@opentelemetry/api';
import { constants, performance, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, guard, report } from '../report';
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
  /**
   * The GC pause time between two performance.now() times, ms: what of a stall was the
   * collector's, not the code that ran (stalls.ts). Reads the entries not yet delivered first.
   */
  pausedMs: (fromMs: number, toMs: number) => number;
  stop: () => void;
}

/** Pauses remembered for pausedMs: a stall of a second holds a few dozen scavenges at most. */
const RECENT_PAUSES = 128;

/** The latest GC pauses, in a ring (performance.now() times): nothing allocated per pause. */
export class RecentPauses {
  private readonly starts = new Float64Array(RECENT_PAUSES);
  private readonly ends = new Float64Array(RECENT_PAUSES);
  private count = 0;

  add(startMs: number, durationMs: number): void {
    const i = this.count % RECENT_PAUSES;
    this.starts[i] = startMs;
    this.ends[i] = startMs + durationMs;
    this.count++;
  }

  /** Pause time inside [fromMs, toMs]: each pause's overlap with it (pauses do not overlap). */
  within(fromMs: number, toMs: number): number {
    let sum = 0;
    for (let k = 0; k < Math.min(this.count, RECENT_PAUSES); k++) {
      const overlap = Math.min(this.ends[k]!, toMs) - Math.max(this.starts[k]!, fromMs);
      if (overlap > 0) sum += overlap;
    }
    return sum;
  }
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
  const recent = new RecentPauses();
  const entries = (list: readonly PerformanceEntry[]): void => {
    for (const entry of list) {
      const detail = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail;
      const kind = (detail?.kind !== undefined ? KINDS[detail.kind] : undefined) ?? 'unknown';
      histogram.record(entry.duration / 1e3, { 'v8js.gc.type': kind });
      recent.add(entry.startTime, entry.duration);
      record(estimator.pause(entry.startTime, entry.duration, kind));
    }
  };
  const observer = new PerformanceObserver(guard('gc observer', (list: { getEntries(): PerformanceEntry[] }) => entries(list.getEntries())));
  observer.observe({ entryTypes: ['gc'] });
  return {
    tick: guard('gc ticks', () => record(estimator.tick(performance.now(), processCpuMs()))),
    pausedMs: (fromMs, toMs) => {
      // Node delivers the entries of a pause at the loop's next turn; a stall is measured at
      // the tick after it, which has come first when the blocking code was a timer's.
      try {
        entries(observer.takeRecords());
      } catch (err) {
        report('internal', `gc observer: ${describe(err)}`);
      }
      return recent.within(fromMs, toMs);
    },
    stop: () => observer.disconnect(),
  };
}
