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
// half, the path's key is read off the URL (two indexOf calls, a short slice, two Map lookups).
import { TokenBucket } from './token-bucket';

/** Paths with a share of their own; past it the table starts over (a scanner's random paths). */
const MAX_PATHS = 512;
/** Depths told apart; deeper URLs share the last. */
const MAX_DEPTH = 8;
/** A first segment longer than this, or starting with a digit, is taken for an id. */
const MAX_SEGMENT = 48;
const ID_SEGMENT = '/:';
const SLASH = 47;

export class FairRecordedBudget {
  private readonly all: TokenBucket;
  private readonly reserve: number;
  private readonly fairShare: number;
  private readonly paths = new Map<string, (TokenBucket | undefined)[]>();

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
    let head = '';
    let depth = 0;
    if (url !== undefined && url.charCodeAt(0) === SLASH) {
      let end = url.indexOf('?');
      if (end === -1) end = url.length;
      let slash = url.indexOf('/', 1);
      const first = slash === -1 || slash > end ? end : slash;
      const c = url.charCodeAt(1);
      head = first > MAX_SEGMENT || (c >= 48 && c <= 57) ? ID_SEGMENT : url.slice(0, first);
      depth = 1;
      while (slash !== -1 && slash < end && depth < MAX_DEPTH) {
        depth++;
        slash = url.indexOf('/', slash + 1);
      }
    }
    let byDepth = this.paths.get(head);
    if (byDepth === undefined) {
      if (this.paths.size >= MAX_PATHS) this.paths.clear();
      this.paths.set(head, (byDepth = []));
    }
    return (byDepth[depth] ??= new TokenBucket(this.fairShare, this.now));
  }
}
