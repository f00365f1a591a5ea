// Whether a stall was the process not running rather than code blocking the loop. A stall's
// duration is wall time; `headroom.stall.cpu_ms` is the CPU the process used meanwhile
// (docs/event-loop-stalls.md). Blocking JavaScript burns CPU for most of the stall even on a
// crowded host (a 200 ms busy loop measured 123–146 ms of CPU under load there); a stall with
// under a third of its duration on CPU was the process descheduled (machine busy) or in a
// blocking system call — unless even that share is RAN_ENOUGH_MS of CPU: code that burned
// that much blocked the loop itself, however far a crowded host stretched it. One rule for the
// stalls API's groups, the event-loop page (the dashboard imports this file) and the
// advisor's blocking routes.

/** On CPU for less than this share of its duration: the process hardly ran. */
export const HARDLY_RAN_SHARE = 1 / 3;
/** On CPU for at least this long (ms): code ran, whatever the share. Half the agent's default stall threshold. */
export const RAN_ENOUGH_MS = 50;

export const STALL_CPU_ATTRIBUTE = 'headroom.stall.cpu_ms';

/** The CPU time an event recorded, or null (older agents send none). */
export function stallCpuMs(attributes: Record<string, unknown>): number | null {
  const cpu = attributes[STALL_CPU_ATTRIBUTE];
  return typeof cpu === 'number' && Number.isFinite(cpu) && cpu >= 0 ? cpu : null;
}

/** A stall whose process hardly ran; false when either figure is unknown. */
export function hardlyRan(durationMs: number | null, cpuMs: number | null): boolean {
  return durationMs !== null && cpuMs !== null && durationMs > 0 && cpuMs < HARDLY_RAN_SHARE * durationMs && cpuMs < RAN_ENOUGH_MS;
}
