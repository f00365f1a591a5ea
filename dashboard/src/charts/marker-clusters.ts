// Markers closer than a few pixels are drawn as one line with a count: 65 stalls in two
// minutes would otherwise draw 65 dashed lines over the data they explain.

export interface MarkerCluster<K> {
  /** Pixel position of the cluster's first marker. */
  x: number;
  kind: K;
  count: number;
}

/** Groups markers of the same kind whose positions (sorted or not) lie within `gapPx` of a cluster's first. */
export function clusterMarkers<K>(markers: { x: number; kind: K }[], gapPx: number): MarkerCluster<K>[] {
  const sorted = [...markers].sort((a, b) => a.x - b.x);
  const open = new Map<K, MarkerCluster<K>>();
  const out: MarkerCluster<K>[] = [];
  for (const m of sorted) {
    const current = open.get(m.kind);
    if (current !== undefined && m.x - current.x <= gapPx) {
      current.count++;
      continue;
    }
    const next = { x: m.x, kind: m.kind, count: 1 };
    open.set(m.kind, next);
    out.push(next);
  }
  return out;
}
