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

/**
 * Rows for the clusters' flags: a cluster whose flag and count would sit on another kind's within
 * `widthPx` (a deploy and its processes' starts in the same second) takes the first row free of
 * them, so each kind's flag and count stay seen. Clusters of one kind keep a row between them
 * unless the earlier one has a count: "×3" reaches past the next cluster's flag a few pixels on.
 */
export function flagRows<K>(clusters: readonly MarkerCluster<K>[], widthPx: number): number[] {
  const order = clusters.map((c, i) => ({ c, i })).sort((a, b) => a.c.x - b.c.x);
  const rows = new Array<number>(clusters.length).fill(0);
  for (const [n, { c, i }] of order.entries()) {
    const taken = new Set<number>();
    for (let m = n - 1; m >= 0 && c.x - order[m]!.c.x < widthPx; m--) {
      if (order[m]!.c.kind !== c.kind || order[m]!.c.count > 1) taken.add(rows[order[m]!.i]!);
    }
    let row = 0;
    while (taken.has(row)) row++;
    rows[i] = row;
  }
  return rows;
}
