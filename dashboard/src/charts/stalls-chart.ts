// Event-loop stalls over time: one point per stall at its time, its height the blocked time.

import type { EventView } from '@headroom/collector/api-types';
import { COLORS, type ChartSpec } from './chart-spec';

export function stallsChart(events: EventView[]): ChartSpec {
  const stalls = events
    .filter((e) => e.type === 'stall' && e.durationMs !== null)
    .sort((a, b) => a.timeMs - b.timeMs);
  // uPlot needs strictly usable x values; two stalls in the same millisecond share a point,
  // the longer one kept (it is the one worth seeing).
  const x: number[] = [];
  const y: (number | null)[] = [];
  for (const e of stalls) {
    const last = x.length - 1;
    if (last >= 0 && x[last] === e.timeMs) {
      y[last] = Math.max(y[last] ?? 0, e.durationMs ?? 0);
    } else {
      x.push(e.timeMs);
      y.push(e.durationMs);
    }
  }
  return {
    key: 'stalls',
    title: 'Event-loop stalls',
    unit: 'ms',
    x,
    series: [{ label: 'blocked for', values: y, color: COLORS.stall, style: 'points' }],
  };
}
