// Whether a stall was the garbage collector's: the agent marks `headroom.stall.gc = true` when
// GC pauses filled at least half of it (agent/src/signals/stalls.ts, GC_STALL_SHARE) and names
// no route nor code location (the code that ran did not block the loop; QA s13: a major GC
// inside a router's param() was that route's stall). `headroom.stall.gc_ms` holds the GC time
// inside any stall. The advisor does not blame a route for them and the event-loop page says
// whose they were (the dashboard imports this file).

export const STALL_GC_ATTRIBUTE = 'headroom.stall.gc';
export const STALL_GC_MS_ATTRIBUTE = 'headroom.stall.gc_ms';

export function gcStall(attributes: Record<string, unknown>): boolean {
  return attributes[STALL_GC_ATTRIBUTE] === true;
}

/** The GC pause time inside the stall, ms, when the agent measured one. */
export function stallGcMs(attributes: Record<string, unknown>): number | null {
  const v = attributes[STALL_GC_MS_ATTRIBUTE];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}
