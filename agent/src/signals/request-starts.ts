// Where requests began during the stall detector's current tick interval: each start is a
// boundary between two handlers, where the one before had returned. Under saturation requests
// read in one go run their handlers back to back in one loop iteration, with no tick between
// them; the detector sees one long gap, and without these boundaries read it as one stall —
// twelve 20 ms requests as a 242 ms stall of their route (QA s14), though the threshold is per
// callback and none came near it.
//
// Hot path: `started` runs for every request. It keeps only what a stall needs — the first and
// last start since the tick, and the pairs of consecutive starts at least the threshold apart —
// so it costs two comparisons and a store, allocates nothing, and cannot overflow however many
// requests a stretch holds (a ring of every start would, at thousands a second).

/** A part of a blocked stretch (performance.now() ms) in which no request started. */
export interface Window {
  startMs: number;
  endMs: number;
}

/**
 * Pairs of starts kept per stretch: each bounds a handler that may be a stall of its own, which
 * is rare, and the watchdog probes a stretch at most 64 times anyway (more such handlers in one
 * stretch — 6.4 s at the default threshold — go unreported).
 */
const MAX_LONG_PAIRS = 64;

export class RequestStarts {
  private first = -1;
  private last = -1;
  /** Consecutive starts at least `longMs` apart, as [from, to] flattened. */
  private readonly long: number[] = [];

  constructor(private readonly longMs: number) {}

  /** A request's handler is about to run (its performance.now(), already read by the request path). */
  started(now: number): void {
    if (this.first < 0) this.first = now;
    else if (now - this.last >= this.longMs && this.long.length < MAX_LONG_PAIRS * 2) this.long.push(this.last, now);
    this.last = now;
  }

  /**
   * The windows of the stretch [startMs, endMs] that no request start cut shorter than the
   * threshold, in order (the whole stretch when no request started in it): the parts that may
   * hold a stall. Every other part is shorter than the threshold: nothing in it blocked that long.
   */
  windows(startMs: number, endMs: number): Window[] {
    return longWindows(startMs, endMs, this.first, this.last, this.long, this.longMs);
  }

  /** A tick ran: a new interval starts (the tick itself was a boundary). */
  tick(): void {
    this.first = -1;
    if (this.long.length > 0) this.long.length = 0;
  }
}

/**
 * The windows of [startMs, endMs] between the request starts at least `longMs` long. The
 * stretch's start is an estimate (the tick's midpoint), so starts before it are ignored and a
 * window is clipped to it. `first`/`last`: the first and last starts (−1: none); `long`: the
 * consecutive starts at least `longMs` apart, flattened pairs.
 */
function longWindows(startMs: number, endMs: number, first: number, last: number, long: readonly number[], longMs: number): Window[] {
  if (first < 0) return [{ startMs, endMs }];
  const windows: Window[] = [];
  const add = (from: number, to: number): void => {
    const s = Math.max(from, startMs);
    const e = Math.min(to, endMs);
    if (e - s >= longMs) windows.push({ startMs: s, endMs: e });
  };
  add(startMs, first);
  for (let i = 0; i + 1 < long.length; i += 2) add(long[i]!, long[i + 1]!);
  add(last, endMs);
  return windows;
}
