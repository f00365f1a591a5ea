// Each process's request rollups over the stretches of time a request asks about, each stored row
// read and merged once. The deployments ask for a process's requests over overlapping ranges (the
// after side of its own deploy, the before side of the next): the ranges are cut at every one of
// their ends, each piece is read once into an aggregate, and a range is the merge of its pieces.
// Each piece also holds the process's requests per route there, when the caller fills them.
import { emptyRollup, mergeRollup, type RequestRollup } from '../../request-rollup';

interface Piece {
  from: number;
  to: number;
  agg: RequestRollup;
  /** Route → its requests in the piece (routeAggregate). */
  routes: Map<string, RequestRollup>;
}

export class ProcessSegments {
  private readonly wanted = new Map<string, { from: number; to: number }[]>();
  private readonly pieces = new Map<string, Piece[]>();

  /** A range of the process's requests that `add` will be asked for. */
  want(instanceId: string, from: number, to: number): void {
    if (to <= from) return;
    const ranges = this.wanted.get(instanceId);
    if (ranges) ranges.push({ from, to });
    else this.wanted.set(instanceId, [{ from, to }]);
  }

  /** Reads every wanted process's pieces, each with one call of `read` (its rows in [from, to)). */
  load(read: (instanceId: string, from: number, to: number) => RequestRollup): void {
    for (const [instanceId, ranges] of this.wanted) {
      const ends = [...new Set(ranges.flatMap((r) => [r.from, r.to]))].sort((a, b) => a - b);
      const pieces: Piece[] = [];
      for (let i = 0; i + 1 < ends.length; i++) {
        const from = ends[i] as number;
        const to = ends[i + 1] as number;
        if (ranges.some((r) => r.from <= from && r.to >= to)) pieces.push({ from, to, agg: read(instanceId, from, to), routes: new Map() });
      }
      this.pieces.set(instanceId, pieces);
    }
    this.wanted.clear();
  }

  /** Merges the process's requests in [from, to) (a wanted range) into `into`; how many there were. */
  add(into: RequestRollup, instanceId: string, from: number, to: number): number {
    let count = 0;
    for (const piece of this.pieces.get(instanceId) ?? []) {
      if (piece.from < from || piece.to > to || piece.agg.count === 0) continue;
      mergeRollup(into, piece.agg);
      count += piece.agg.count;
    }
    return count;
  }

  /**
   * The aggregate a row of the route's requests at minute `t` of the process goes into: that of the
   * piece holding t (created empty); null when no wanted range holds t.
   */
  routeAggregate(instanceId: string, t: number, route: string): RequestRollup | null {
    const pieces = this.pieces.get(instanceId);
    if (pieces === undefined) return null;
    // Pieces are in order and apart: the last one starting at or before t.
    let lo = 0;
    let hi = pieces.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((pieces[mid] as Piece).from <= t) lo = mid;
      else hi = mid - 1;
    }
    const piece = pieces[lo];
    if (piece === undefined || t < piece.from || t >= piece.to) return null;
    let agg = piece.routes.get(route);
    if (agg === undefined) piece.routes.set(route, (agg = emptyRollup()));
    return agg;
  }

  /** Merges the process's requests per route in [from, to) (a wanted range) into `into`, by route. */
  addRoutes(into: Map<string, RequestRollup>, instanceId: string, from: number, to: number): void {
    for (const piece of this.pieces.get(instanceId) ?? []) {
      if (piece.from < from || piece.to > to) continue;
      for (const [route, agg] of piece.routes) {
        let sum = into.get(route);
        if (sum === undefined) into.set(route, (sum = emptyRollup()));
        mergeRollup(sum, agg);
      }
    }
  }
}
