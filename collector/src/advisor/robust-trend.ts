// A trend that one outlier, one GC cycle or one spike cannot fake: the Theil–Sen estimator
// (the median of the slopes of all pairs of points; Sen 1968, Theil 1950) — it tolerates
// up to ~29 % of the points being wild — with the intercept as the median residual, and R²
// of that line, which says whether the points follow it (steady growth) or not (a step,
// noise). Pure; O(n²) pairs, fine for the few dozen buckets the advisor fits.

export interface Trend {
  /** Units of y per unit of x. */
  slope: number;
  intercept: number;
  /** 1 − SSres/SStot of the fitted line; 0 when y does not vary. */
  r2: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** null with fewer than two points of distinct x. */
export function theilSen(points: readonly { x: number; y: number }[]): Trend | null {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const a = points[i] as { x: number; y: number };
      const b = points[j] as { x: number; y: number };
      if (b.x !== a.x) slopes.push((b.y - a.y) / (b.x - a.x));
    }
  }
  if (slopes.length === 0) return null;
  const slope = median(slopes);
  const intercept = median(points.map((p) => p.y - slope * p.x));
  const meanY = points.reduce((s, p) => s + p.y, 0) / points.length;
  let ssRes = 0;
  let ssTot = 0;
  for (const p of points) {
    ssRes += (p.y - (intercept + slope * p.x)) ** 2;
    ssTot += (p.y - meanY) ** 2;
  }
  return { slope, intercept, r2: ssTot > 0 ? Math.max(0, 1 - ssRes / ssTot) : 0 };
}
