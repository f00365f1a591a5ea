// Whether a stall was the loop's thread not running rather than code blocking the loop. A
// stall's duration is wall time; `headroom.stall.cpu_ms` is the CPU the loop's thread used
// meanwhile (the process's, every thread's, from agents before `headroom.stall.cpu_scope` or
// where no per-thread clock exists; docs/event-loop-stalls.md). Blocking JavaScript burns CPU
// for most of the stall even on a crowded host (a 200 ms busy loop measured 123–146 ms of CPU
// under load there); a stall with under a third of its duration on CPU was the thread
// descheduled (machine busy) or in a blocking system call. No floor in milliseconds: a
// process's CPU includes GC helpers, the watchdog and libuv's pool, so a starved process's long
// stall still showed hundreds of ms of it (QA: 1.3 s with 271 ms, 3 s with 221 ms — a 50 ms
// floor blamed both on code). One rule for the stalls API's groups, the event-loop page (the
// dashboard imports this file) and the advisor's blocking routes.

/** On CPU for less than this share of its duration: the process hardly ran. */
export const HARDLY_RAN_SHARE = 1 / 3;

export const STALL_CPU_ATTRIBUTE = 'headroom.stall.cpu_ms';

/** The CPU time an event recorded, or null (older agents send none). */
export function stallCpuMs(attributes: Record<string, unknown>): number | null {
  const cpu = attributes[STALL_CPU_ATTRIBUTE];
  return typeof cpu === 'number' && Number.isFinite(cpu) && cpu >= 0 ? cpu : null;
}

/** A stall whose process hardly ran; false when either figure is unknown. */
export function hardlyRan(durationMs: number | null, cpuMs: number | null): boolean {
  return durationMs !== null && cpuMs !== null && durationMs > 0 && cpuMs < HARDLY_RAN_SHARE * durationMs;
}
