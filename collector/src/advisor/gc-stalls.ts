// Garbage collection that blocks the loop: the agent marks a stall that GC pauses filled
// (`headroom.stall.gc`, at least half of it) and the blocking-route rule leaves it out, since
// no route's code is to blame. A process whose loop major GCs stop again and again still makes
// every request in it wait; this rule says so with the figures that tell the two usual causes
// apart — a heap kept near its limit (V8 collects ever more often to stay under it) or a high
// allocation rate over a large live heap (each full GC marks all of it) — and the GC time on
// CPU, which shows when a starved CPU lengthened the pauses. Stalls the process hardly ran
// through are the CPU-starvation finding's, as they are for code.
import type { Finding, InstanceView } from '../api-types';
import type { StallTally } from '../store/storage';
import { bytes, finding, gauge, instanceNames, ms, percent, percentOf, plural, round, windowWords, type ServiceContext } from './context';
import { heapLimitOf, latestMax } from './memory';

/** GC stalls on CPU: GC pauses filled them, and the process ran through them. */
const onCpuGc = (g: StallTally): boolean => g.gc && !g.agent && !g.hardlyRan;

/** A process's GC stalls on CPU in the window (the service's tally counts all processes together). */
function gcStallsOf(ctx: ServiceContext, instanceId: string): { count: number; ms: number } {
  const groups = ctx.storage.stallTally({ service: ctx.service, instanceId, from: ctx.window.from, to: ctx.window.to }).filter(onCpuGc);
  return { count: groups.reduce((n, g) => n + g.count, 0), ms: groups.reduce((n, g) => n + g.totalMs, 0) };
}

/** A process's sum and count of a histogram's points over the window (every metric starting with `metric`). */
function sumOf(ctx: ServiceContext, metric: string, instanceId: string): { sum: number; count: number } | null {
  let sum = 0;
  let count = 0;
  for (const s of gauge(ctx, metric)) {
    if (s.instanceId !== instanceId) continue;
    for (const b of s.buckets) {
      sum += b.sum;
      count += b.count;
    }
  }
  return count > 0 ? { sum, count } : null;
}

/** The fullest the heap was right after collection: the highest of the per-minute lowest heap used. */
function heapAfterGc(ctx: ServiceContext, instanceId: string): number | null {
  const series = gauge(ctx, 'memory.heap_used').find((s) => s.instanceId === instanceId);
  if (!series || series.buckets.length === 0) return null;
  return Math.max(...series.buckets.map((b) => b.min));
}

export const gcStallsRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const groups = ctx.stalls().filter(onCpuGc);
  const stalls = groups.reduce((n, g) => n + g.count, 0);
  const stallMs = groups.reduce((n, g) => n + g.totalMs, 0);
  const maxMs = groups.reduce((n, g) => Math.max(n, g.maxMs), 0);
  if (stalls === 0 || (stalls < t.gcStallMinCount && maxMs < t.blockingSingleMs)) return [];

  const ids = new Set(groups.flatMap((g) => g.instanceIds));
  // Every figure after the service's count is one process's, the one with the most GC stall time
  // (with one process, its own): its heap, its pauses and its share of its time describe the same
  // loop — the heap of one beside the pauses of all read as one process's state.
  let worst = { instanceId: groups[0]?.longest.instanceId ?? '', count: stalls, ms: stallMs };
  if (ids.size > 1) {
    worst = { instanceId: '', count: 0, ms: -1 };
    for (const id of ids) {
      const own = gcStallsOf(ctx, id);
      if (own.ms > worst.ms) worst = { instanceId: id, ...own };
    }
  }
  const windowMs = Math.max(1, ctx.window.to - ctx.window.from);
  const pauses = sumOf(ctx, 'gc.pause.', worst.instanceId);
  const majors = sumOf(ctx, 'gc.pause.major', worst.instanceId);
  const onCpu = sumOf(ctx, 'gc.cpu.', worst.instanceId);
  const instances = new Map<string, InstanceView>(ctx.instances.map((i) => [i.instanceId, i]));
  const heapUsed = heapAfterGc(ctx, worst.instanceId);
  const heapLimit = heapLimitOf(instances.get(worst.instanceId), latestMax(ctx, 'memory.heap_limit', ctx.window), worst.instanceId);
  const heapShare = heapUsed !== null && heapLimit !== null ? heapUsed / heapLimit : null;
  const nearLimit = heapShare !== null && heapShare >= t.heapNearLimit;
  const name = instanceNames(ctx.instances).get(worst.instanceId) ?? worst.instanceId;
  const one = ids.size === 1;

  const pauseMs = pauses !== null ? pauses.sum * 1000 : null;
  const onCpuMs = onCpu !== null ? onCpu.sum * 1000 : null;
  // GC time on CPU well under its wall time: the process waited for a CPU inside its pauses.
  const starved = pauseMs !== null && onCpuMs !== null && pauseMs > 0 && onCpuMs < pauseMs / 2;
  const heapWords = heapUsed !== null && heapLimit !== null
    ? ` Right after collection its heap held up to ${bytes(heapUsed)} of its ${bytes(heapLimit)} limit (${percent(heapShare ?? 0)}).`
    : '';
  const pauseWords = pauseMs !== null
    ? ` Its GC pauses took ${ms(pauseMs)} in all${majors !== null ? ` (${plural(majors.count, 'major GC')})` : ''}${onCpuMs !== null ? `, ${ms(onCpuMs)} of it on CPU${starved ? ': the process was short of CPU, which lengthened them' : ''}` : ''}.`
    : '';
  const stallWords = one
    ? `${plural(stalls, 'stall')} in ${name} ${stalls === 1 ? 'was' : 'were'} filled by GC pauses, ${ms(stallMs)} in all (${percentOf(stallMs, windowMs)} of the process's time); every request in the process waited meanwhile.`
    : `${plural(stalls, 'stall')} in ${ids.size} processes were filled by GC pauses, ${ms(stallMs)} in all; every request in a process waited while its loop was stopped. ` +
      `The figures that follow are ${name}'s, the process with the most GC stall time: ${plural(worst.count, 'stall')}, ${ms(worst.ms)} (${percentOf(worst.ms, windowMs)} of its time).`;
  const heapTitle = nearLimit ? `${one ? ' with the heap' : `, with ${name}'s heap`} at ${percent(heapShare ?? 0)} of its limit` : '';
  return [finding(ctx, {
    kind: 'eventloop.gc-stalls',
    subject: 'service',
    severity: maxMs >= t.blockingCriticalMs ? 'critical' : 'warning',
    title: `Garbage collection blocked the event loop ${plural(stalls, 'time')}${one ? '' : ` in ${ids.size} processes`} (longest ${ms(maxMs)})${heapTitle}`,
    summary: `Over ${windowWords(ctx.asked)}, ${stallWords}${heapWords}${pauseWords}`,
    figures: {
      gcStalls: stalls,
      totalGcStallMs: round(stallMs, 0),
      maxGcStallMs: round(maxMs, 0),
      processes: ids.size,
      worstInstance: worst.instanceId,
      worstProcess: name,
      worstGcStalls: worst.count,
      worstGcStallMs: round(worst.ms, 0),
      shareOfWindow: round(worst.ms / windowMs, 4),
      ...(heapUsed !== null && { heapUsedAfterGcBytes: Math.round(heapUsed) }),
      ...(heapLimit !== null && { heapLimitBytes: Math.round(heapLimit) }),
      ...(heapShare !== null && { heapShare: round(heapShare, 3) }),
      ...(pauseMs !== null && { gcPauseMs: round(pauseMs, 0) }),
      ...(pauses !== null && { gcPauses: pauses.count }),
      ...(majors !== null && { majorGcs: majors.count }),
      ...(onCpuMs !== null && { gcPauseOnCpuMs: round(onCpuMs, 0) }),
    },
    page: 'event-loop',
    cause: (nearLimit
      ? 'The heap is close to its limit: what the process keeps (caches, queues, a leak) leaves V8 little room, so it runs full collections ever more often to stay under the limit, each marking the whole live heap — and at the limit it aborts with "JavaScript heap out of memory".'
      : heapShare !== null
        ? 'The heap is far from its limit, so the pauses come from the allocation rate over a large live heap: every major GC marks all live objects, and the more the process allocates the more often it runs them.'
        : 'A heap kept near its limit (V8 then collects ever more often) or a high allocation rate over a large live heap (every major GC marks all live objects); no heap figures came with these stalls to tell which.') +
      (starved ? ' A CPU the process had to wait for lengthened each pause.' : ''),
    change: nearLimit
      ? 'Give each process the heap it needs (--max-old-space-size, if the memory allows: see the memory findings) or keep less (bound caches and queues, stream large bodies); find what holds the memory with a heap snapshot if it keeps growing.'
      : 'Allocate less on the hot paths (large JSON.parse/stringify, copies of buffers, big arrays built per request; stream large payloads), keep less live data per process (a smaller heap is marked faster) and spread the work over more processes; a larger young generation (--max-semi-space-size=32 or 64) lets short-lived objects die young instead of being promoted and collected by major GCs.',
  })];
};
