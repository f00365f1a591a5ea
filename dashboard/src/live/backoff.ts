// Reconnect delays: exponential with full jitter (so many dashboards do not reconnect in
// step after a collector restart), capped.

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000 };

/** Delay before reconnect attempt `attempt` (0 = first retry); `random` in [0, 1). */
export function backoffDelay(attempt: number, random: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  // Never less than half the ceiling: a retry storm of near-zero delays helps nobody.
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}
