// Each process's request rollups over the stretches of time a request asks about, each stored row
// read and merged once. The deployments ask for a process's requests over overlapping ranges (the
// after side of its own deploy, the before side of the next): the ranges are cut at every one of
// their ends, each piece is read once into an aggregate, and a range is the merge of its pieces.
import { mergeRollup, type RequestRollup } from '../../request-rollup';

interface Piece {
  from: number;
  to: number;
  agg: RequestRollup;
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
        if (ranges.some((r) => r.from <= from && r.to >= to)) pieces.push({ from, to, agg: read(instanceId, from, to) });
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
}
