// Which requests are slow for their own route. A trace is always kept past
// HEADROOM_SLOW_TRACE_MS (4 × Apdex T, 2 s by default), but a route that takes 300 ms where
// its neighbours take 3 is slow too, and its slow requests are the traces that show why:
// QA saw a route with p99 633 ms keep one trace of 456. So a request slower than its route's
// recent p90 is kept as well — whole if it was recorded, its server span alone if light —
// at most `perRoute` a second per route and `total` a second in all, so no route floods the
// export and a busy service's partial spans stay bounded. A request under `floorMs` (a tenth
// of Apdex T) is fast whatever its route's p90: a 0.3 ms route's 0.5 ms requests are not
// traces anyone opens, and they would crowd the traces list and the budget.
//
// The p90 is read off a small histogram per route and method of the route's recent requests
// (each octave in four buckets, 14–25 % wide; the counts halve each time they reach WINDOW, so
// it follows the last 100–200 requests whatever the route's rate). The threshold is the upper
// edge of the p90's bucket: "p90-ish", up to 25 % above the true p90. Recomputed every 16
// requests; a request costs two Map lookups, a few integer operations on the duration's bits
// (its exponent and two mantissa bits are the bucket: no logarithm) and an increment.
import { TokenBucket } from './token-bucket';

/** Requests a route has before it is judged: a p90 of fewer says little. */
const WARMUP = 20;
/** Counts held before they halve: the window of requests the p90 describes. */
const WINDOW = 200;
const RECOMPUTE_EVERY = 16;
const BUCKETS_PER_OCTAVE = 4;
/** 88 buckets from 2^-4 ms (62.5 µs; shorter requests go in the first) to 2^18 ms (4.4 min; longer in the last). */
const MIN_LOG2 = -4;
const BUCKETS = 88;
/** Routes (with methods) judged; past it, a new route is not (bounded memory, as the request metrics). */
const MAX_ROUTES = 2000;
const QUANTILE = 0.9;

// A double's bits: [1] is the high word on little-endian machines (all Node runs on).
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** The bucket of `ms`: (exponent − MIN_LOG2) quarter-octaves plus the mantissa's top two bits. */
function bucketOf(ms: number): number {
  f64[0] = ms;
  const hi = u32[1]!;
  const i = (((hi >>> 20) & 0x7ff) - 1023 - MIN_LOG2) * BUCKETS_PER_OCTAVE + ((hi >>> 18) & 3);
  return i < 0 ? 0 : i >= BUCKETS ? BUCKETS - 1 : i;
}

/** The upper edge of bucket `i`, in ms. */
function upperEdge(i: number): number {
  const octave = Math.floor(i / BUCKETS_PER_OCTAVE);
  return 2 ** (octave + MIN_LOG2) * (1 + ((i % BUCKETS_PER_OCTAVE) + 1) / BUCKETS_PER_OCTAVE);
}

/** The server span attribute of a trace kept for this reason: the route's p90-ish, in ms, that it exceeded. */
export const ROUTE_P90_ATTR = 'headroom.route.p90_ms';

export class RouteLatency {
  private readonly counts = new Uint16Array(BUCKETS);
  private held = 0;
  private seen = 0;
  private sinceRecompute = 0;
  /** Requests slower than this (ms) are slow for the route; Infinity while warming up. */
  thresholdMs = Infinity;
  /** Its keeps, created at the first. */
  cap: TokenBucket | null = null;

  /** Counts the request; whether it was slower than the route's p90 before it. */
  observe(durationMs: number): boolean {
    const slow = durationMs > this.thresholdMs;
    this.counts[bucketOf(durationMs)]!++;
    this.seen++;
    if (++this.held >= WINDOW) this.halve();
    if (++this.sinceRecompute >= RECOMPUTE_EVERY || this.seen === WARMUP) this.recompute();
    return slow;
  }

  private halve(): void {
    let held = 0;
    for (let i = 0; i < BUCKETS; i++) held += this.counts[i] = this.counts[i]! >>> 1;
    this.held = held;
  }

  private recompute(): void {
    this.sinceRecompute = 0;
    if (this.seen < WARMUP) return;
    const rank = Math.ceil(this.held * QUANTILE);
    let below = 0;
    for (let i = 0; i < BUCKETS; i++) {
      below += this.counts[i]!;
      if (below >= rank) {
        this.thresholdMs = upperEdge(i);
        return;
      }
    }
  }
}

export class RouteSlowness {
  /** route ('' for none) → method → latency. */
  private readonly routes = new Map<string, Map<string, RouteLatency>>();
  private size = 0;
  private readonly total: TokenBucket;

  constructor(
    private readonly perRoute: number,
    total: number,
    private readonly floorMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.total = new TokenBucket(total, now);
  }

  /** Counts a finished request; its route's latency when it was slow for the route, else null. */
  observe(route: string | undefined, method: string, durationMs: number): RouteLatency | null {
    let byMethod = this.routes.get(route ?? '');
    if (byMethod === undefined) {
      if (this.size >= MAX_ROUTES) return null;
      this.routes.set(route ?? '', (byMethod = new Map()));
    }
    let latency = byMethod.get(method);
    if (latency === undefined) {
      if (this.size >= MAX_ROUTES) return null;
      byMethod.set(method, (latency = new RouteLatency()));
      this.size++;
    }
    return latency.observe(durationMs) && durationMs > this.floorMs ? latency : null;
  }

  /** Whether a request slow for its route may be kept for that (takes from both caps). */
  mayKeep(latency: RouteLatency, t: number = this.now()): boolean {
    if (this.perRoute <= 0) return false;
    latency.cap ??= new TokenBucket(this.perRoute, this.now);
    return latency.cap.tryTake(t) && this.total.tryTake(t);
  }
}
