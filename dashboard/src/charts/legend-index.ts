// Which bucket the legend shows when the cursor is not on the chart: the newest one that most
// of the recently reporting series have a value in. Every series is read at that one time, so a
// series that stopped (a dead instance, a queue header no longer sent) shows a dash, not an
// older value beside current ones. "Most": a minute that one process of five has begun to
// report would read as four dashes, just when a legend is most often read (QA3); the newest
// minute a majority has reported reads whole.

import type { ChartSpec } from './chart-spec';

/** The buckets whose counts set the bar: the newest two with data (a series silent for both, stopped, does not count). */
const RECENT = 2;

const cache = new WeakMap<ChartSpec, number | null>();

function valuesAt(spec: ChartSpec, i: number): number {
  let n = 0;
  for (const s of spec.series) {
    const v = (s.legendValues ?? s.values)[i];
    if (v !== null && v !== undefined) n++;
  }
  return n;
}

export function legendIndex(spec: ChartSpec): number | null {
  const cached = cache.get(spec);
  if (cached !== undefined) return cached;
  const recent: { i: number; n: number }[] = [];
  for (let i = spec.x.length - 1; i >= 0 && recent.length < RECENT; i--) {
    const n = valuesAt(spec, i);
    if (n > 0) recent.push({ i, n });
  }
  const peak = Math.max(0, ...recent.map((b) => b.n));
  // The newest bucket with over half the peak's series; the peak bucket itself always qualifies.
  const index = recent.find((b) => b.n * 2 > peak)?.i ?? null;
  cache.set(spec, index);
  return index;
}
