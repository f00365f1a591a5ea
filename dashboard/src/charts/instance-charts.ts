// Per-instance charts (one colour per process): event-loop delay and utilisation, memory,
// GC pauses, in-flight requests. Instances are aligned on the union of their timestamps.

import type { InstanceSeries, InstanceSeriesResponse } from '@headroom/collector/api-types';
import { alignTables } from '../shape/align';
import { shortInstance } from '../../../collector/src/store/instance-names';
import { compareNames, GONE_AFTER_MS, judgedAt } from '../shape/instance-names';
import { paletteColor, type ChartSpec, type Marker, type SeriesSpec } from './chart-spec';

type Column = keyof Omit<InstanceSeries, 'instanceId' | 't'>;

interface Measure {
  column: Column;
  suffix: string;
  dash?: number[];
  width?: number;
}

/** Instance ids can be long (UUIDs): keep the legend readable, the full id stays in tables. */
export { shortInstance };

/** Instance id → a readable name (shape/instance-names.ts); an id not in it is shortened. */
export type InstanceNames = ReadonlyMap<string, string>;

const NO_NAMES: InstanceNames = new Map();
const NO_STOPPED: ReadonlySet<string> = new Set();

/**
 * Stopped by the range's end (its stop event: `stopped`, shape/instance-names.ts stoppedBy), or
 * silent through the range's last GONE_AFTER_MS (up to now: shape/instance-names.ts judgedAt), while another process still reports: after
 * restarts the legends listed every dead process (QA3: 33 memory rows for 5 live processes).
 */
function goneInstances(r: InstanceSeriesResponse, stopped: ReadonlySet<string>): Set<string> {
  // The API's buckets span the whole range for every process: the last one holding any figure.
  const lastReport = (inst: InstanceSeries) => {
    const columns = Object.entries(inst).filter(([k, v]) => k !== 't' && Array.isArray(v)).map(([, v]) => v as (number | null)[]);
    for (let i = inst.t.length - 1; i >= 0; i--) if (columns.some((c) => c[i] !== null && c[i] !== undefined)) return (inst.t[i] as number) + r.bucketMs;
    return -Infinity;
  };
  const gone = new Set(r.instances.filter((inst) => stopped.has(inst.instanceId) || lastReport(inst) <= judgedAt(r.to) - GONE_AFTER_MS).map((inst) => inst.instanceId));
  return gone.size < r.instances.length ? gone : new Set();
}

function perInstance(r: InstanceSeriesResponse, measures: Measure[], names: InstanceNames, stopped: ReadonlySet<string>): { x: number[]; series: SeriesSpec[]; goneProcesses: number } {
  const { x, columns } = alignTables(r.instances.map((inst) => ({ t: inst.t, columns: measures.map((m) => inst[m.column]) })));
  const gone = goneInstances(r, stopped);
  const series: SeriesSpec[] = [];
  const nameOf = (inst: InstanceSeries) => names.get(inst.instanceId) ?? shortInstance(inst.instanceId);
  // Legend rows (and colours) in the order the Instances page lists the processes.
  const ordered = r.instances.map((inst, i) => ({ inst, i })).sort((a, b) => compareNames(nameOf(a.inst), nameOf(b.inst)));
  ordered.forEach(({ inst, i }, position) => {
    measures.forEach((m, k) => {
      series.push({
        ...(gone.has(inst.instanceId) && { gone: true }),
        label: `${nameOf(inst)} ${m.suffix}`.trim(),
        values: columns[i * measures.length + k] ?? [],
        color: paletteColor(position),
        style: 'line',
        dash: m.dash,
        width: m.width,
      });
    });
  });
  return { x, series, goneProcesses: gone.size };
}

export function eventLoopDelayChart(r: InstanceSeriesResponse, markers: Marker[] = [], names: InstanceNames = NO_NAMES, stopped: ReadonlySet<string> = NO_STOPPED): ChartSpec {
  return {
    key: `event-loop-delay:${r.instances.length}`,
    title: 'Event-loop delay',
    unit: 'ms',
    ...perInstance(r, [
      { column: 'eventLoopDelayP99Ms', suffix: 'p99' },
      { column: 'eventLoopDelayMaxMs', suffix: 'max', dash: [4, 3], width: 1 },
    ], names, stopped),
    markers,
  };
}

export function eventLoopUtilizationChart(r: InstanceSeriesResponse, markers: Marker[] = [], names: InstanceNames = NO_NAMES, stopped: ReadonlySet<string> = NO_STOPPED): ChartSpec {
  return {
    key: `event-loop-utilization:${r.instances.length}`,
    title: 'Event-loop utilisation (busy share)',
    unit: 'percent',
    ...perInstance(r, [{ column: 'eventLoopUtilization', suffix: '' }], names, stopped),
    yRange: [0, 1],
    markers,
  };
}

function maxOf(values: (number | null)[]): number {
  let max = 0;
  for (const v of values) if (v !== null && v > max) max = v;
  return max;
}

export function memoryChart(r: InstanceSeriesResponse, markers: Marker[] = [], names: InstanceNames = NO_NAMES, stopped: ReadonlySet<string> = NO_STOPPED): ChartSpec {
  const shaped = perInstance(r, [
    { column: 'rssBytes', suffix: 'RSS', width: 2 },
    { column: 'heapUsedBytes', suffix: 'heap used', dash: [6, 3] },
    { column: 'heapLimitBytes', suffix: 'heap limit', dash: [1, 4], width: 1 },
  ], names, stopped);
  // A 4 GiB heap limit would flatten a 100 MiB RSS into the axis: the limit is drawn to scale
  // only once usage is within reach of it; otherwise the legend still gives its value.
  const used = Math.max(0, ...r.instances.flatMap((i) => [maxOf(i.rssBytes), maxOf(i.heapUsedBytes)]));
  const limit = Math.max(0, ...r.instances.map((i) => maxOf(i.heapLimitBytes)));
  const limitOffScale = used > 0 && limit > used * 2;
  return {
    key: `memory:${r.instances.length}`,
    title: limitOffScale ? 'Memory per instance (RSS, heap used; heap limit above the scale)' : 'Memory per instance (RSS, heap used vs limit)',
    unit: 'bytes',
    ...shaped,
    yRange: limitOffScale ? [0, used * 1.15] : undefined,
    markers,
  };
}

/**
 * GC pauses per instance and, where Headroom's agent reported it, the part of them on CPU
 * (dashed): on a machine short of CPU the pauses stretch while the collection's work does not,
 * and the gap between the two lines is time the process waited for a core (QA: 1.9 s of pauses
 * for 0.6 s of collection on a core shared with three busy processes).
 */
export function gcChart(r: InstanceSeriesResponse, markers: Marker[] = [], names: InstanceNames = NO_NAMES, stopped: ReadonlySet<string> = NO_STOPPED): ChartSpec {
  const onCpu = r.instances.some((i) => (i.gcPauseOnCpuMs as (number | null)[] | undefined)?.some((v) => v !== null) === true);
  return {
    key: `gc:${r.instances.length}:${onCpu ? 'cpu' : 'wall'}`,
    title: onCpu ? 'GC pause time per bucket (dashed: of it on CPU)' : 'GC pause time per bucket',
    unit: 'ms',
    ...perInstance(
      r,
      onCpu
        ? [{ column: 'gcPauseMs', suffix: 'pauses' }, { column: 'gcPauseOnCpuMs', suffix: 'on CPU', dash: [4, 3], width: 1 }]
        : [{ column: 'gcPauseMs', suffix: '' }],
      names,
      stopped,
    ),
    markers,
  };
}

export function inFlightChart(r: InstanceSeriesResponse, markers: Marker[] = [], names: InstanceNames = NO_NAMES, stopped: ReadonlySet<string> = NO_STOPPED): ChartSpec {
  return {
    key: `in-flight:${r.instances.length}`,
    title: 'Requests in flight',
    unit: 'count',
    ...perInstance(r, [
      { column: 'inFlightMean', suffix: 'mean' },
      { column: 'inFlightMax', suffix: 'max', dash: [4, 3], width: 1 },
    ], names, stopped),
    markers,
  };
}
