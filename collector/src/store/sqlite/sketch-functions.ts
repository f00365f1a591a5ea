// SQL functions over LatencySketch BLOBs, so upserts and hour rollups merge sketches inside
// SQLite statements: sketch_merge(a, b) for ON CONFLICT updates, sketch_union(x) as an
// aggregate for GROUP BY.
import type { Database } from 'better-sqlite3';
import { LatencySketch } from '../latency-sketch';

function asBytes(v: unknown): Uint8Array | null {
  return v instanceof Uint8Array ? v : null;
}

export function registerSketchFunctions(db: Database): void {
  db.function('sketch_merge', { deterministic: true }, (a: unknown, b: unknown) => {
    const x = asBytes(a);
    const y = asBytes(b);
    if (!x) return y;
    if (!y) return x;
    const s = LatencySketch.decode(x);
    s.mergeEncoded(y);
    return s.encode();
  });
  db.aggregate('sketch_union', {
    start: () => null as LatencySketch | null,
    step: (acc: LatencySketch | null, v: unknown) => {
      const bytes = asBytes(v);
      if (!bytes) return acc;
      const s = acc ?? new LatencySketch();
      s.mergeEncoded(bytes);
      return s;
    },
    result: (acc: LatencySketch | null) => (acc ? acc.encode() : null),
  });
}
