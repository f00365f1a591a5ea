// Event-loop delay without stalls: when no single callback blocks for long but the loop is
// still late by tens of milliseconds at p99, each process simply has too much to do — many
// medium callbacks queue up. Every request pays that delay before its code even starts.
// Each export interval's p99 is set by its worst moments, so stalls explain a high mean p99
// only when they happen in a good share of the intervals; then the blocking-route finding
// names the culprit instead. A stray stall or two (a GC pause, a descheduled process) does not.
// And the loop must be busy: a late loop in a mostly idle process is waiting for a CPU (a
// crowded host), not doing too much. Busy with its own work, that is: ELU counts a callback's
// wait for a CPU as busy, so it is capped by the CPU the process used (QA s14: a process at 0.27
// CPUs, ELU 0.78 on a host other jobs kept at 100 %, was told it had "too much work per process").
import type { Finding } from '../api-types';
import { cpuCount, finding, gaugeMeans, ms, plural, round, windowWords, type ServiceContext } from './context';

/**
 * The process's stalls on CPU in the window, every one counted in SQL (a read of the events
 * stopped at 1,000): those it hardly ran through (store/stall-cpu.ts) were waits for a CPU.
 */
function stallsOnCpu(ctx: ServiceContext, instanceId: string): number {
  const groups = ctx.storage.stallTally({ service: ctx.service, instanceId, from: ctx.window.from, to: ctx.window.to });
  return groups.reduce((n, g) => n + (g.hardlyRan ? 0 : g.count), 0);
}

/** Stalls in at least this share of the intervals explain the delay. */
const STALL_SHARE_EXPLAINS = 0.5;

export const eventLoopDelayRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const delays = gaugeMeans(ctx, 'eventloop.delay.p99');
  const elus = gaugeMeans(ctx, 'eventloop.utilization');
  const cpuShares = gaugeMeans(ctx, 'cpu.utilization');
  const byId = new Map(ctx.instances.map((i) => [i.instanceId, i]));
  // Each process's mean ELU, at most the CPU it used (a share of its host's CPUs × their count).
  const utilisations = new Map<string, { mean: number }>();
  for (const [instanceId, e] of elus) {
    const instance = byId.get(instanceId);
    const cpus = instance ? cpuCount(instance) : null;
    const share = cpuShares.get(instanceId);
    utilisations.set(instanceId, { mean: cpus !== null && share !== undefined ? Math.min(e.mean, share.mean * cpus) : e.mean });
  }
  const high: { instanceId: string; p99Ms: number }[] = [];
  for (const [instanceId, d] of delays) {
    if (d.count < t.minSamples) continue;
    const p99Ms = d.mean * 1000;
    if (p99Ms < t.eventLoopDelayP99Ms) continue;
    if ((utilisations.get(instanceId)?.mean ?? 0) < t.eventLoopDelayMinUtilization) continue;
    // Stalls on CPU only: one during which the process hardly ran was a wait for a CPU.
    const enough = Math.max(1, Math.ceil(d.count * STALL_SHARE_EXPLAINS));
    if (stallsOnCpu(ctx, instanceId) >= enough) continue;
    high.push({ instanceId, p99Ms });
  }
  if (high.length === 0) return [];
  const worst = high.reduce((a, b) => (b.p99Ms > a.p99Ms ? b : a));
  const utilisation = utilisations.get(worst.instanceId)?.mean ?? null;
  return [finding(ctx, {
    kind: 'eventloop.delay',
    subject: 'service',
    severity: 'warning',
    title: `Event-loop delay p99 ${ms(worst.p99Ms)} on ${plural(high.length, 'process', 'processes')} without stalls: too much work per process`,
    summary: `Over ${windowWords(ctx.asked)}, the event loop of ${plural(high.length, 'process', 'processes')} of ${delays.size} ran late by ${ms(worst.p99Ms)} at p99 (mean of the per-interval p99s), with stalls (callbacks blocking past the stall threshold) in too few intervals to explain it.`,
    figures: {
      worstP99DelayMs: round(worst.p99Ms, 1),
      worstInstance: worst.instanceId,
      processesAffected: high.length,
      processes: delays.size,
      ...(utilisation !== null && { worstUtilization: round(utilisation, 2) }),
    },
    page: 'event-loop',
    cause: 'Many medium-sized callbacks (per-request CPU work, serialisation, logging, GC) queue on one thread; each waits for the ones ahead of it.',
    change: 'Spread the load over more processes (cluster, one per CPU) or more instances, and trim per-request CPU work (profile the hottest routes under Transactions); keep GC pressure down.',
  })];
};
