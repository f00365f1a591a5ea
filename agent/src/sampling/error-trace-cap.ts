// How many traces are kept for having failed. Every error used to be kept whole, and a service
// shedding load (QA: 650 identical 503s a second) exported and stored every one of them — the
// moment it is overloaded, the agent adds the most work and the collector the most rows. The
// request metrics count every error whatever is kept; a trace is the example that shows why.
// So a kind of failure — its local root's name (method and route), status and exception type —
// keeps at most a tenth of `total` traces a second (at least one), and all kinds together
// `total` a second; a rare route's first 500, or a rare exception on a flooded route (the
// Errors page groups by it), still finds its kind's bucket full. Only traces kept for nothing
// else spend these: a sampled, slow or stalled trace that also failed is kept anyway.
import { TokenBucket } from './token-bucket';

/** Kinds told apart; past it, new kinds share one bucket (bounded memory). */
const MAX_KINDS = 1000;
/** Traces admitted ahead whose decision has not come (bounded: a lost one must not pin memory). */
const MAX_AHEAD = 1000;
const SHARED = '\u0000';

export class ErrorTraceCap {
  private readonly kinds = new Map<string, TokenBucket>();
  private readonly all: TokenBucket;
  private readonly perKind: number;
  private readonly ahead = new Set<string>();

  constructor(
    total: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.all = new TokenBucket(total, now);
    // A tenth of the total per kind, at least one a second: ten kinds failing at once share it.
    this.perKind = total > 0 ? Math.max(1, total / 10) : 0;
  }

  /**
   * For a request that would be kept only for failing, before its span is made: whether it may
   * be, so a refused one costs no span at all (a service shedding load fails most requests).
   * An admitted trace has taken its token: `mayKeep` then answers yes for it without another.
   */
  admitAhead(traceId: string, name: string, status: number | string | undefined, errorType?: string): boolean {
    if (!this.mayKeep(name, status, undefined, errorType)) return false;
    if (this.ahead.size >= MAX_AHEAD) this.ahead.clear();
    this.ahead.add(traceId);
    return true;
  }

  /** Whether a failed trace of this kind may be kept now (takes from both buckets, unless admitted ahead). */
  mayKeep(name: string, status: number | string | undefined, traceId?: string, errorType?: string): boolean {
    if (traceId !== undefined && this.ahead.delete(traceId)) return true;
    const key = `${name}|${String(status ?? '')}|${errorType ?? ''}`;
    let bucket = this.kinds.get(key);
    if (bucket === undefined) {
      const kind = this.kinds.size < MAX_KINDS ? key : SHARED;
      bucket = this.kinds.get(kind) ?? new TokenBucket(this.perKind, this.now);
      this.kinds.set(kind, bucket);
    }
    const t = this.now();
    if (bucket.level(t) >= 1 && this.all.level(t) >= 1) {
      bucket.takeOne();
      this.all.takeOne();
      return true;
    }
    return false;
  }
}
