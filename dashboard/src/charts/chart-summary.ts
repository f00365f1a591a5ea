// A chart in words, for a screen reader: its span of time and, per series, the latest value and
// the highest. The plot's arrow keys read it point by point; this is what it says at a glance
// (WCAG 1.1.1: a text alternative for what the canvas draws).

import { formatTime, formatValue } from '../format/units';
import type { ChartSpec } from './chart-spec';

/** Series named in full; a chart of many processes says how many more it has. */
const MAX_SERIES = 8;

function seriesText(spec: ChartSpec, label: string, values: (number | null)[]): string {
  let latest: number | null = null;
  let highest: number | null = null;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    latest = v;
    if (highest === null || v > highest) highest = v;
  }
  if (latest === null || highest === null) return `${label}: no data`;
  return `${label}: latest ${formatValue(spec.unit, latest)}, highest ${formatValue(spec.unit, highest)}`;
}

export function chartSummary(spec: ChartSpec, now = Date.now()): string {
  const first = spec.x[0];
  const last = spec.x[spec.x.length - 1];
  if (first === undefined || last === undefined) return `${spec.title}: no data in this range.`;
  const named = spec.series.slice(0, MAX_SERIES).map((s) => seriesText(spec, s.label, s.legendValues ?? s.values));
  const more = spec.series.length - named.length;
  const span = first === last ? `at ${formatTime(first, now)}` : `from ${formatTime(first, now)} to ${formatTime(last, now)}`;
  return `${spec.title}, ${span}. ${named.join('; ')}${more > 0 ? `; and ${more} more series` : ''}.`;
}
