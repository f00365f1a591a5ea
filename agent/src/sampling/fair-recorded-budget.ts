// The recorded budget (HEADROOM_RECORDED_TRACES_PER_SECOND), shared fairly across request
// paths. Taken first come, first served, a busy route took every token (bursty clients send a
// second's requests at its start), and a rare route was never recorded whole: QA measured
// 1 trace kept of 456 requests of a slow route beside a busy one. The mode is decided when a
// request starts, before any framework has matched its route, so the share goes by what the
// URL says: its first path segment and how many segments it has (`/orders/17/items` →
// `/orders` at depth 3, apart from `/orders/17` at depth 2), a cheap stand-in for the route.
//
// Each path gets `fairShare` tokens a second (HEADROOM_RECORDED_TRACES_PER_SECOND / 10, at
// least 1). The upper half of the global bucket is free for anyone: a busy path uses what
// others leave. Its lower half, the reserve, is only taken with a token of the path's own, so
// a rare path always finds one while fewer than 10 paths want their share at once. Every
// recorded trace takes a global token: the total stays the budget, whatever the paths.
//
// Hot path: a light request over a spent budget returns after one comparison; past the free
// half, the path's key is read off the URL (one pass over its path, no string made) and
// looked up.
import { TokenBucket } from './token-bucket';

/** Paths with a share of their own; past it the table starts over (a scanner's random paths). */
const MAX_PATHS = 512;
/** Depths told apart; deeper URLs share the last. */
const MAX_DEPTH = 8;
/** The first segment's hash: 2^24 values, times 16 (the depth), stays a small integer (a Smi). */
const HASH_MASK = 0xffffff;
/** Characters of a URL read for its key (a long one's tail is not). */
const MAX_SCAN = 256;
const SLASH = 47;
const QUESTION = 63;

export class FairRecordedBudget {
  private readonly all: TokenBucket;
  private readonly reserve: number;
  private readonly fairShare: number;
  /** Path key (pathBucket) → its share. */
  private readonly paths = new Map<number, TokenBucket>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.all = new TokenBucket(perSecond, now);
    this.reserve = Math.max(1, perSecond) / 2;
    this.fairShare = Math.max(1, perSecond / 10);
  }

  /** `url`: the request target (`req.url`); undefined for a root that is no request (a job, a consumer). */
  tryTake(url: string | undefined, t: number = this.now()): boolean {
    const level = this.all.level(t);
    if (level < 1) return false;
    if (level <= this.reserve && !this.pathBucket(url).tryTake(t)) return false;
    this.all.takeOne();
    return true;
  }

  private pathBucket(url: string | undefined): TokenBucket {
    // The key is a number: the first segment's characters hashed as they are scanned for the
    // depth, then the depth. No string is sliced, and a number hashes for free in the Map;
    // two paths whose hashes collide share a share, which costs only fairness between them.
    let key = 0;
    if (url !== undefined && url.charCodeAt(0) === SLASH) {
      let depth = 1;
      let inFirst = true;
      const c1 = url.charCodeAt(1);
      // A first segment that starts with a digit is an id: all such paths share a key (not the root's).
      const idFirst = c1 >= 48 && c1 <= 57;
      let hash = idFirst ? HASH_MASK : 0;
      const end = Math.min(url.length, MAX_SCAN);
      for (let i = 1; i < end; i++) {
        const c = url.charCodeAt(i);
        if (c === QUESTION) break;
        if (c === SLASH) {
          inFirst = false;
          if (++depth === MAX_DEPTH) break;
        } else if (inFirst && !idFirst) {
          hash = (Math.imul(hash, 31) + c) & HASH_MASK;
        }
      }
      key = hash * 16 + depth;
    }
    let bucket = this.paths.get(key);
    if (bucket === undefined) {
      if (this.paths.size >= MAX_PATHS) this.paths.clear();
      this.paths.set(key, (bucket = new TokenBucket(this.fairShare, this.now)));
    }
    return bucket;
  }
}
