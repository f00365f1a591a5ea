// Event-loop stalls over time: one point per stall at its time, its height the blocked time.
// Stalls the process spent mostly off the CPU (collector/src/store/stall-cpu.ts) are a series
// of their own, in grey: the machine or a system call held the loop, not the code.

import type { EventView } from '@headroom/collector/api-types';
import { hardlyRan, stallCpuMs } from '../../../collector/src/store/stall-cpu';
import { COLORS, type ChartSpec } from './chart-spec';

// 3.3:1 against the card (WCAG 1.4.11 asks 3:1 of a chart's marks), and lighter than the red.
const OFF_CPU_COLOR = '#878f99';

export function stallsChart(events: EventView[]): ChartSpec {
  const stalls = events
    .filter((e) => e.type === 'stall' && e.durationMs !== null)
    .sort((a, b) => a.timeMs - b.timeMs);
  // uPlot needs strictly usable x values; two stalls in the same millisecond share a point,
  // the longer one of each kind kept (it is the one worth seeing).
  const x: number[] = [];
  const onCpu: (number | null)[] = [];
  const offCpu: (number | null)[] = [];
  for (const e of stalls) {
    const last = x.length - 1;
    if (last < 0 || x[last] !== e.timeMs) {
      x.push(e.timeMs);
      onCpu.push(null);
      offCpu.push(null);
    }
    const i = x.length - 1;
    const ys = hardlyRan(e.durationMs, stallCpuMs(e.attributes)) ? offCpu : onCpu;
    ys[i] = Math.max(ys[i] ?? 0, e.durationMs ?? 0);
  }
  return {
    key: 'stalls',
    title: 'Event-loop stalls',
    unit: 'ms',
    x,
    series: [
      { label: 'blocked for', values: onCpu, color: COLORS.stall, style: 'points' },
      ...(offCpu.some((v) => v !== null) ? [{ label: 'process hardly ran', values: offCpu, color: OFF_CPU_COLOR, style: 'points' as const }] : []),
    ],
  };
}
