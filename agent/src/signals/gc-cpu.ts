// How much of each GC pause the process was on CPU. A pause is wall time: on a machine short of
// CPU the collector's threads wait for a core, and the same collection reads two or three times
// longer (QA: 680 ms of pauses alone on a core, 1,053 ms beside one busy process, 1,897 ms beside
// three, for the same allocations). A pause's on-CPU time is its duration times the process's CPU
// share over the stall ticker's ticks around it (capped at 1: parallel helper threads can use more
// than one core during a pause). The same work read 647, 658 and 571 ms that way. The process's
// CPU, not the loop thread's: during a parallel collection the main thread waits for V8's
// helper threads, so its own CPU reads low on an idle machine too.
// Pure: fed the ticks (performance.now(), process CPU ms) and the pauses; nothing per request.

/** Ticks kept: 64 × 20 ms, over a second of history for pauses reported late. */
const TICKS = 64;
/** Pauses waiting for the tick after them; past this the oldest is taken at its full duration. */
const MAX_PENDING = 256;

export interface ResolvedPause {
  kind: string;
  /** The pause as measured (wall), ms. */
  durationMs: number;
  /** Of it, on CPU (≤ durationMs), ms: durationMs when the ticks around it are unknown. */
  onCpuMs: number;
}

interface Pending {
  start: number;
  end: number;
  kind: string;
  durationMs: number;
}

export class GcCpuEstimator {
  private readonly times = new Float64Array(TICKS);
  private readonly cpus = new Float64Array(TICKS);
  private count = 0;
  private pending: Pending[] = [];

  /** A GC pause (performance.now() times), resolved at the first tick at or after its end. */
  pause(startMs: number, durationMs: number, kind: string): ResolvedPause[] {
    this.pending.push({ start: startMs, end: startMs + durationMs, kind, durationMs });
    if (this.pending.length <= MAX_PENDING) return [];
    const oldest = this.pending.shift() as Pending;
    return [{ kind: oldest.kind, durationMs: oldest.durationMs, onCpuMs: oldest.durationMs }];
  }

  /** A tick: now (performance.now()) and the process's CPU so far (ms). Returns the pauses it resolves. */
  tick(nowMs: number, cpuMs: number): ResolvedPause[] {
    const i = this.count % TICKS;
    this.times[i] = nowMs;
    this.cpus[i] = cpuMs;
    this.count++;
    if (this.pending.length === 0) return [];
    const out: ResolvedPause[] = [];
    const waiting: Pending[] = [];
    for (const p of this.pending) {
      if (p.end > nowMs) waiting.push(p);
      else out.push({ kind: p.kind, durationMs: p.durationMs, onCpuMs: p.durationMs * Math.min(1, this.shareAround(p.start, p.end) ?? 1) });
    }
    this.pending = waiting;
    return out;
  }

  /** The process's CPU share between the last tick at or before `start` and the first at or after `end`; null if not both kept. */
  private shareAround(start: number, end: number): number | null {
    let before = -1;
    let after = -1;
    const first = Math.max(0, this.count - TICKS);
    for (let n = first; n < this.count; n++) {
      const t = this.times[n % TICKS] as number;
      if (t <= start) before = n;
      if (t >= end) {
        after = n;
        break;
      }
    }
    if (before < 0 || after < 0) return null;
    const wall = (this.times[after % TICKS] as number) - (this.times[before % TICKS] as number);
    const cpu = (this.cpus[after % TICKS] as number) - (this.cpus[before % TICKS] as number);
    return wall > 0 && Number.isFinite(cpu) ? Math.max(0, cpu) / wall : null;
  }
}
