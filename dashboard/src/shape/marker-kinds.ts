// How many markers of each kind a list holds, in words ("30 stalls, 6 starts, 1 deploy"): what
// the folded part of the marker list under a chart says it holds, and its kind filter's names.

import type { Marker, MarkerKind } from '../charts/chart-spec';

const WORDS: Record<MarkerKind, [one: string, many: string]> = {
  stall: ['stall', 'stalls'],
  start: ['start', 'starts'],
  restart: ['restart', 'restarts'],
  error: ['error', 'errors'],
  deploy: ['deploy', 'deploys'],
  'alert-firing': ['alert firing', 'alerts firing'],
  'alert-resolved': ['alert resolved', 'alerts resolved'],
};

/** "1 stall", "30 stalls". */
export function kindWords(kind: MarkerKind, count: number): string {
  const [one, many] = WORDS[kind];
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** Each kind present with its count, the most frequent first (ties in the order of first appearance). */
export function kindCounts(markers: readonly Marker[]): { kind: MarkerKind; count: number }[] {
  const counts = new Map<MarkerKind, number>();
  for (const m of markers) counts.set(m.kind, (counts.get(m.kind) ?? 0) + 1);
  return [...counts].map(([kind, count]) => ({ kind, count })).sort((a, b) => b.count - a.count);
}

/** "30 stalls, 6 starts": the kinds of `markers` in words. */
export function kindsText(markers: readonly Marker[]): string {
  return kindCounts(markers).map((c) => kindWords(c.kind, c.count)).join(', ');
}
