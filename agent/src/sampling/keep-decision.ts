// The tail half of Headroom's sampling: whether a finished trace (its local part) is exported.
// Pure, so the rules are unit-tested.

export interface TraceFacts {
  /** The local root carries the sampled flag (head-sampled here or by the caller). */
  sampled: boolean;
  /** Some span of the trace failed by the collector's rule (failed-span.ts): not a client span answered 4xx. */
  error: boolean;
  /** The local root's duration. */
  durationMs: number;
  /** An event-loop stall ran inside the trace. */
  stall: boolean;
  /** Slower than its route's recent p90, within the route's cap (route-slowness.ts). */
  slowForRoute: boolean;
}

export function keepTrace(facts: TraceFacts, slowTraceMs: number): boolean {
  return facts.sampled || facts.error || facts.stall || facts.slowForRoute || facts.durationMs >= slowTraceMs;
}
