// A token bucket: at most `ratePerSecond` takes per second on average, bursts up to one
// second's worth. Pure apart from the injected clock, so tests drive time.

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.capacity = Math.max(1, ratePerSecond);
    this.tokens = ratePerSecond > 0 ? this.capacity : 0;
    this.last = now();
  }

  /** `t`: the clock's time now, when the caller has just read it (a clock read costs ~0.25 µs). */
  tryTake(t: number = this.now()): boolean {
    if (this.level(t) < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** The tokens held at `t`, refilled (fractions included); take one with takeOne(). */
  level(t: number = this.now()): number {
    if (this.ratePerSecond <= 0) return 0;
    // A time read before the bucket's last (a caller that read its clock, then created the
    // bucket) refills nothing and takes nothing: it used to take the part of a token since,
    // so a new route's or path's first take found 0.99… and was refused.
    if (t > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
      this.last = t;
    }
    return this.tokens;
  }

  /** Takes a token level() showed was there. */
  takeOne(): void {
    this.tokens -= 1;
  }
}
