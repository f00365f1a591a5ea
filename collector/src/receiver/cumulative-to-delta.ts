// Cumulative → delta, per metric stream (key = resource + scope + metric + point attributes).
//
// OTel senders may export cumulative sums and histograms (the SDK default); Headroom stores
// per-interval deltas. Rules (metrics data model, "Sums: delta-to-cumulative" in reverse):
// - a point whose start time differs from the stream's is a reset (the process restarted):
//   its whole value is the delta;
// - a count or bucket going down is a reset too (covers senders without a start time);
// - a point not newer than the last one is a duplicate or out of order: no delta;
// - the FIRST point of a stream we have no state for becomes a delta from its start time only
//   when that start is at most `firstPointMaxAgeMs` before the point (a process that just
//   started: its whole cumulative value is recent). Otherwise — start unknown (0) or long ago,
//   e.g. the collector restarted under a long-running app — it only seeds the state, so hours
//   of history are not dumped into one interval.
//
// State changes are staged in a transaction and applied only when the batch was queued: when
// the store answers "queue full" (503) the sender retries the same points, and they must yield
// the same deltas again. Neither may the streams of an instance refused past --max-services or
// --max-instances (ingest-limits.ts) change the state: their points are not stored, and a flood
// of refused instances would otherwise push the admitted streams' state out of the bounded map.
//
// The state map is bounded: least recently updated streams are evicted past `maxStreams`, and
// streams silent for `ttlMs` (30 min) are swept, so a cardinality explosion cannot grow memory
// without bound (an evicted stream simply seeds again). A stream silent that long seeds again
// too when nothing swept it: what its process counted meanwhile is not known by minute, and one
// delta of it all would show as a burst in the minute it came back; the gap stays a gap. (So a
// sender exporting less often than every 30 minutes only ever seeds.)

export interface ExplicitState {
  count: number;
  sum: number;
  bounds: number[];
  counts: number[];
}

export interface ExponentialState {
  count: number;
  sum: number;
  scale: number;
  zeroCount: number;
  offset: number;
  counts: number[];
}

type StreamData = number | ExplicitState | ExponentialState;

interface StreamState {
  startNs: bigint;
  timeNs: bigint;
  lastSeenMs: number;
  data: StreamData;
}

export interface CumulativeOptions {
  maxStreams?: number;
  ttlMs?: number;
  firstPointMaxAgeMs?: number;
}

const DEFAULTS = { maxStreams: 50_000, ttlMs: 30 * 60_000, firstPointMaxAgeMs: 10 * 60_000 };

/** null from a diff: the value went down, i.e. the stream was reset. */
type Diff<T> = (prev: T, cur: T) => T | null;

export class CumulativeToDelta {
  private readonly states = new Map<string, StreamState>();
  readonly maxStreams: number;
  readonly ttlMs: number;
  readonly firstPointMaxAgeNs: bigint;

  constructor(options: CumulativeOptions = {}) {
    this.maxStreams = options.maxStreams ?? DEFAULTS.maxStreams;
    this.ttlMs = options.ttlMs ?? DEFAULTS.ttlMs;
    this.firstPointMaxAgeNs = BigInt(options.firstPointMaxAgeMs ?? DEFAULTS.firstPointMaxAgeMs) * 1_000_000n;
  }

  get size(): number {
    return this.states.size;
  }

  begin(nowMs = Date.now()): DeltaTransaction {
    return new DeltaTransaction(this, nowMs);
  }

  /** @internal */ read(key: string, nowMs: number): StreamState | undefined {
    const state = this.states.get(key);
    // Silent for ttlMs, a stream is gone whether or not a sweep (run by another stream's commit)
    // took it out yet: else the first point after a long silence of the only sender would be
    // one delta of everything since, dumped into one minute.
    return state !== undefined && state.lastSeenMs >= nowMs - this.ttlMs ? state : undefined;
  }

  /** @internal */ apply(pending: Map<string, StreamState>, nowMs: number): void {
    for (const [key, state] of pending) {
      // Delete then set: Map order is then "least recently updated first", which both the
      // size bound and the TTL sweep rely on.
      this.states.delete(key);
      this.states.set(key, state);
    }
    while (this.states.size > this.maxStreams) {
      const oldest = this.states.keys().next();
      if (oldest.done) break;
      this.states.delete(oldest.value);
    }
    const cutoff = nowMs - this.ttlMs;
    for (const [key, state] of this.states) {
      if (state.lastSeenMs >= cutoff) break;
      this.states.delete(key);
    }
  }
}

export class DeltaTransaction {
  private readonly pending = new Map<string, StreamState>();
  /** A resource's part of the stream keys (up to the first NUL) → its service and instance. */
  private readonly owners = new Map<string, { service: string; instanceId: string }>();

  constructor(
    private readonly owner: CumulativeToDelta,
    private readonly nowMs: number,
  ) {}

  sum(key: string, startNs: bigint, timeNs: bigint, value: number): number | null {
    return this.step(key, startNs, timeNs, value, diffNumber);
  }

  explicit(key: string, startNs: bigint, timeNs: bigint, h: ExplicitState): ExplicitState | null {
    return this.step(key, startNs, timeNs, h, diffExplicit);
  }

  exponential(key: string, startNs: bigint, timeNs: bigint, h: ExponentialState): ExponentialState | null {
    return this.step(key, startNs, timeNs, h, diffExponential);
  }

  /** The streams whose keys start with `resourceKey` and a NUL are those of this service and instance. */
  resource(resourceKey: string, service: string, instanceId: string): void {
    this.owners.set(resourceKey, { service, instanceId });
  }

  /** Drops what the streams of the instances `refused` names staged, so commit() leaves their state untouched. */
  forget(refused: (service: string, instanceId: string) => boolean): void {
    const prefixes = new Set<string>();
    for (const [prefix, owner] of this.owners) if (refused(owner.service, owner.instanceId)) prefixes.add(prefix);
    if (prefixes.size === 0) return;
    for (const key of this.pending.keys()) if (prefixes.has(key.slice(0, key.indexOf('\u0000')))) this.pending.delete(key);
  }

  commit(): void {
    this.owner.apply(this.pending, this.nowMs);
    this.pending.clear();
  }

  private step<T extends StreamData>(key: string, startNs: bigint, timeNs: bigint, cur: T, diff: Diff<T>): T | null {
    const prev = this.pending.get(key) ?? this.owner.read(key, this.nowMs);
    if (prev && timeNs <= prev.timeNs) return null; // duplicate or out of order
    this.pending.set(key, { startNs, timeNs, lastSeenMs: this.nowMs, data: cur });
    if (!prev) {
      const fresh = startNs > 0n && startNs <= timeNs && timeNs - startNs <= this.owner.firstPointMaxAgeNs;
      return fresh ? cur : null;
    }
    if (startNs > 0n && startNs !== prev.startNs) return cur; // restarted
    if (typeof prev.data !== typeof cur) return null; // the metric changed type: reseed
    return diff(prev.data as T, cur) ?? cur;
  }
}

function diffNumber(prev: number, cur: number): number | null {
  return cur >= prev ? cur - prev : null;
}

function diffExplicit(prev: ExplicitState, cur: ExplicitState): ExplicitState | null {
  if (cur.count < prev.count || prev.bounds.length !== cur.bounds.length || prev.counts.length !== cur.counts.length) {
    return null;
  }
  for (let i = 0; i < cur.bounds.length; i++) if (cur.bounds[i] !== prev.bounds[i]) return null;
  const counts = new Array<number>(cur.counts.length);
  for (let i = 0; i < cur.counts.length; i++) {
    const d = (cur.counts[i] ?? 0) - (prev.counts[i] ?? 0);
    if (d < 0) return null;
    counts[i] = d;
  }
  return { count: cur.count - prev.count, sum: cur.sum - prev.sum, bounds: cur.bounds, counts };
}

function diffExponential(prev: ExponentialState, cur: ExponentialState): ExponentialState | null {
  // A cumulative stream may lower its scale as its range grows (never raise it without a
  // reset); bring the previous buckets to the current scale, then subtract bucket by bucket.
  if (cur.count < prev.count || cur.zeroCount < prev.zeroCount || cur.scale > prev.scale) return null;
  const shift = prev.scale - cur.scale;
  const counts = cur.counts.slice();
  for (let i = 0; i < prev.counts.length; i++) {
    const c = prev.counts[i] ?? 0;
    if (c === 0) continue;
    const idx = ((prev.offset + i) >> shift) - cur.offset;
    if (idx < 0 || idx >= counts.length) return null;
    const d = (counts[idx] ?? 0) - c;
    if (d < 0) return null;
    counts[idx] = d;
  }
  return {
    count: cur.count - prev.count,
    sum: cur.sum - prev.sum,
    scale: cur.scale,
    zeroCount: cur.zeroCount - prev.zeroCount,
    offset: cur.offset,
    counts,
  };
}
