// Which bucket the legend shows when the cursor is not on the chart: the newest one that has
// a value in any series. Every series is read at that one time, so a series that stopped (a
// dead instance, a queue header no longer sent) shows a dash, not an older value beside
// current ones.

import type { ChartSpec } from './chart-spec';

export function legendIndex(spec: ChartSpec): number | null {
  for (let i = spec.x.length - 1; i >= 0; i--) {
    for (const s of spec.series) {
      const v = (s.legendValues ?? s.values)[i];
      if (v !== null && v !== undefined) return i;
    }
  }
  return null;
}
