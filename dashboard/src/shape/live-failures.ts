// Whether a live aggregate brought new failed requests, for the Errors page's live refresh: the
// page re-reads up to 2,000 failed traces, so it refreshes on new failures only — a failed trace
// frame, or a minute's failed-request count that grew — not on every aggregate of a service
// that is serving without failing (one every ingest).

import type { LiveAggregate } from '@headroom/collector/api-types';

/** Minutes remembered: the live range's 15, and one for a minute still being filled. */
const MINUTES_KEPT = 16;
const MINUTE_MS = 60_000;

/** A minute's failed requests, as the aggregate's rate of its requests gives them back. */
function failedOf(aggregate: LiveAggregate): number {
  return aggregate.errorRate === null ? 0 : Math.round(aggregate.requests * aggregate.errorRate);
}

/**
 * Records the failed-request counts of the minutes the page has just read (the errors answer's
 * `failedRequests.minutes`): the next aggregate of such a minute is news only past them. Without
 * it, the first aggregate after the page opened re-read what the page had just read.
 */
export function readFailures(seen: Map<number, number>, minutes: readonly { t: number; count: number }[]): void {
  for (const m of minutes) seen.set(m.t, Math.max(seen.get(m.t) ?? 0, m.count));
}

/**
 * Records the aggregate's failed-request count for its minute in `seen` (minute → count) and
 * says whether it grew. Minutes older than the live range are forgotten.
 */
export function newFailures(seen: Map<number, number>, aggregate: LiveAggregate): boolean {
  const failed = failedOf(aggregate);
  const before = seen.get(aggregate.t) ?? 0;
  seen.set(aggregate.t, Math.max(before, failed));
  for (const t of seen.keys()) if (t < aggregate.t - MINUTES_KEPT * MINUTE_MS) seen.delete(t);
  return failed > before;
}
