// Memory per process. V8 stops a process that reaches its heap limit; before that it spends
// ever more time in GC. Three findings:
// - heap near the limit: the LOWEST heap used of the last few minutes (what survives GC, not
//   a saw-tooth peak) is close to the heap limit;
// - leak suspect: the lowest heap used per bucket (GC saw-tooth removed; of buckets with a
//   major GC, for processes that report GC kinds) rises steadily —
//   fitted with Theil–Sen (robust to outliers), kept only with enough span, enough points,
//   a real rate and growth, R² showing the points follow the line, and growth in both halves
//   of the span (a one-time step is not a leak). Growth is a share of the heap, or on a large
//   heap, where a share takes hours, an absolute rate held steadily for an hour after the
//   process's warm-up;
// - host memory: the processes on one host together use (RSS) most of its memory, or their
//   heap limits add up beyond it — the kernel's OOM killer, not V8, would then stop them.
import type { Finding, InstanceView, TimeRange } from '../api-types';
import { byHost, bytes, finding, gauge, instanceNames, numberSetting, percent, plural, round, runningInstances, servingInstances, windowWords, type ServiceContext } from './context';
import { theilSen, type Trend } from './robust-trend';

const HOUR = 3_600_000;

export function heapLimitOf(instance: InstanceView | undefined, fromGauge: Map<string, number>, instanceId: string): number | null {
  const g = fromGauge.get(instanceId);
  if (g !== undefined && g > 0) return g;
  const s = instance ? numberSetting(instance, 'heap_limit_bytes') : null;
  return s !== null && s > 0 ? s : null;
}

export function latestMax(ctx: ServiceContext, metric: string, range: { from: number; to: number }): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of gauge(ctx, metric, range)) {
    const last = s.buckets.at(-1);
    if (last) out.set(s.instanceId, last.max);
  }
  return out;
}

function nearLimit(ctx: ServiceContext): Finding[] {
  const t = ctx.thresholds;
  const range = { from: Math.max(ctx.window.from, ctx.window.to - t.heapWindowMs), to: ctx.window.to };
  const limits = latestMax(ctx, 'memory.heap_limit', range);
  const instances = new Map(ctx.instances.map((i) => [i.instanceId, i]));
  const hot: { instanceId: string; lowest: number; limit: number; share: number; samples: number }[] = [];
  for (const s of gauge(ctx, 'memory.heap_used', range)) {
    const samples = s.buckets.reduce((n, b) => n + b.count, 0);
    if (samples < t.minSamples) continue;
    const lowest = Math.min(...s.buckets.map((b) => b.min));
    const limit = heapLimitOf(instances.get(s.instanceId), limits, s.instanceId);
    if (limit === null) continue;
    const share = lowest / limit;
    if (share >= t.heapNearLimit) hot.push({ instanceId: s.instanceId, lowest, limit, share, samples });
  }
  if (hot.length === 0) return [];
  const worst = hot.reduce((a, b) => (b.share > a.share ? b : a));
  const window = range;
  return [finding(ctx, {
    kind: 'memory.heap-near-limit',
    subject: 'service',
    severity: worst.share >= t.heapNearLimitCritical ? 'critical' : 'warning',
    title: `Heap used stays at ${percent(worst.share)} of the heap limit on ${plural(hot.length, 'process', 'processes')}`,
    summary: `Over ${windowWords(window)}, the lowest heap used of process ${worst.instanceId} was ${bytes(worst.lowest)} of its ${bytes(worst.limit)} limit: even right after garbage collection the heap stays near the limit.`,
    window,
    figures: { lowestHeapUsedBytes: Math.round(worst.lowest), heapLimitBytes: Math.round(worst.limit), share: round(worst.share, 3), processesAffected: hot.length, worstInstance: worst.instanceId },
    page: 'instances',
    cause: 'The live data of the process (caches, queues, buffered bodies, or a leak) has grown to nearly the heap limit; V8 collects ever more often and then aborts with "JavaScript heap out of memory".',
    change: 'Find what holds the memory (heap snapshot of one process; see the leak finding if any), bound caches and queues, and size --max-old-space-size to the memory each process really has.',
  })];
}

/**
 * The halves of the span (sharing the middle point), each with its own Theil–Sen line: a leak
 * grows in the first half and in the second, while a one-time step (a cache filled once, a
 * deploy) is flat on at least one side of it.
 */
function halves(points: { x: number; y: number }[]): [Trend, Trend] | null {
  const mid = Math.floor(points.length / 2);
  const a = theilSen(points.slice(0, mid + 1));
  const b = theilSen(points.slice(mid));
  return a && b ? [a, b] : null;
}

/** A line through a process's floors: its rate (the slower half's), how well they follow it, what it spans. */
interface FloorFit {
  perHour: number;
  r2: number;
  first: number;
  last: number;
  spanMs: number;
  points: number;
}

/** null with fewer than `minPoints` floors or a span shorter than `minSpanMs`. */
function fitFloors(points: { x: number; y: number }[], minSpanMs: number, minPoints: number): FloorFit | null {
  if (points.length < minPoints) return null;
  const first = points[0] as { x: number; y: number };
  const last = points.at(-1) as { x: number; y: number };
  const spanMs = last.x - first.x;
  if (spanMs < minSpanMs) return null;
  const trend = theilSen(points);
  const parts = halves(points);
  if (!trend || !parts) return null;
  // The rate is the slower half's: a burst (a load test, a batch) tilts the half it falls in
  // and the whole span's line, which then reads the burst as the trend; the other half still
  // grows at the steady rate. A step is flat on one side, so its rate is about 0.
  // The floors follow a line over the whole span, or over its last half (after a burst the
  // whole span's line fits badly while the floors since climb steadily).
  return { perHour: Math.min(parts[0].slope, parts[1].slope) * HOUR, r2: Math.max(trend.r2, parts[1].r2), first: first.y, last: last.y, spanMs, points: points.length };
}

interface LeakSuspect extends FloorFit {
  instanceId: string;
  /** Found by its steady absolute rate alone: its growth is under leakMinGrowthShare of its heap. */
  steady: boolean;
  hoursToLimit: number | null;
}

/**
 * By process that reports its GC pauses by kind (`v8js.gc.duration` by `v8js.gc.type`), the
 * buckets in which a major GC ran. Scavenges collect only the young generation: what survives
 * them stays in the old space until a major GC, which an idle heap may not need for hours, so
 * between major GCs the floor rises with garbage (a cluster primary's by 5.8 MiB/h for half an
 * hour, QA) and says nothing of a leak. A process that reports no GC kinds is judged on every
 * bucket, as before.
 */
function majorGcBuckets(ctx: ServiceContext, range: TimeRange, bucketMs: number): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const kind of GC_KINDS) {
    for (const s of gauge(ctx, `gc.pause.${kind}`, range, bucketMs)) {
      let set = out.get(s.instanceId);
      if (!set) out.set(s.instanceId, (set = new Set()));
      if (kind === 'major') for (const b of s.buckets) if (b.count > 0) set.add(b.t);
    }
  }
  return out;
}

/** The kinds of `v8js.gc.type` (OTel semantic conventions), as the receiver stores them (gc.pause.<kind>). */
const GC_KINDS = ['major', 'minor', 'incremental', 'weakcb'] as const;

function leak(ctx: ServiceContext): Finding[] {
  const t = ctx.thresholds;
  const range = { from: Math.max(0, ctx.window.to - t.leakWindowMs), to: ctx.window.to };
  const limits = latestMax(ctx, 'memory.heap_limit', range);
  const instances = new Map(ctx.instances.map((i) => [i.instanceId, i]));
  const serving = new Set(servingInstances(ctx.instances).map((i) => i.instanceId));
  const suspects: LeakSuspect[] = [];
  let judged = 0;
  const majorGcs = majorGcBuckets(ctx, range, t.leakBucketMs);
  for (const s of gauge(ctx, 'memory.heap_used', range, t.leakBucketMs)) {
    // Lowest heap used per bucket, at the bucket's middle: the GC saw-tooth's floor — of the
    // buckets in which a major GC ran, when the process reports its GCs by kind.
    const afterMajor = majorGcs.get(s.instanceId);
    const buckets = s.buckets.filter((b) => b.count > 0 && (afterMajor === undefined || afterMajor.has(b.t)));
    const points = buckets.map((b) => ({ x: b.t + t.leakBucketMs / 2, y: b.min }));
    const whole = fitFloors(points, t.leakMinSpanMs, t.leakMinPoints);
    if (!whole) continue;
    // A cluster primary is counted only when it leaks: "4 of 4 processes" means the workers.
    if (serving.has(s.instanceId)) judged++;
    const growth = whole.first > 0 ? (whole.perHour * (whole.spanMs / HOUR)) / whole.first : 0;
    let fit: FloorFit | null = whole.perHour >= t.leakMinBytesPerHour && growth >= t.leakMinGrowthShare && whole.r2 >= t.leakMinR2 ? whole : null;
    let steady = false;
    if (fit === null) {
      // On a large heap a share takes hours (1.5 GiB growing 30 MiB/h: 10 % after 5 h): an
      // absolute rate counts too, held for leakSteadyMinSpanMs after the process's first
      // leakWarmupMs, when lazy loading, JIT code and caches filled on demand grow the heap
      // of a healthy process. Its start: the start event's, else its first data (a process
      // whose data reached the store late has data from before it was "first seen").
      const instance = instances.get(s.instanceId);
      const warmFrom = Math.min(instance?.startedAt ?? instance?.firstSeen ?? Infinity, buckets[0]?.t ?? Infinity) + t.leakWarmupMs;
      const warm = fitFloors(points.filter((_, i) => (buckets[i]?.t ?? 0) >= warmFrom), t.leakSteadyMinSpanMs, t.leakMinPoints);
      if (warm && warm.perHour >= t.leakSteadyBytesPerHour && warm.r2 >= t.leakMinR2) {
        fit = warm;
        steady = true;
      }
    }
    if (fit === null) continue;
    const limit = heapLimitOf(instances.get(s.instanceId), limits, s.instanceId);
    const hoursToLimit = limit !== null && limit > fit.last ? (limit - fit.last) / fit.perHour : null;
    if (!serving.has(s.instanceId)) judged++;
    suspects.push({ ...fit, instanceId: s.instanceId, steady, hoursToLimit });
  }
  if (suspects.length === 0) return [];
  suspects.sort((a, b) => b.perHour - a.perHour);
  const worst = suspects[0] as LeakSuspect;
  const names = instanceNames(ctx.instances);
  const name = (id: string): string => names.get(id) ?? id;
  const hours = round(worst.spanMs / HOUR, 1);
  const window = { from: range.from, to: range.to };
  const shown = suspects.slice(0, 5).map((x) => `${name(x.instanceId)}: ${bytes(x.first)} → ${bytes(x.last)} (${bytes(x.perHour)}/h)`);
  const steadyWords = worst.steady
    ? ` On ${name(worst.instanceId)} that is under ${percent(t.leakMinGrowthShare)} of its heap, but the floor rose steadily at over ${bytes(t.leakSteadyBytesPerHour)}/h for ${round(worst.spanMs / HOUR, 1)} h after its first ${round(t.leakWarmupMs / 60_000, 0)} min (its warm-up, not judged).`
    : '';
  const more = suspects.length > shown.length ? ` and ${suspects.length - shown.length} more` : '';
  const processes = suspects.length === 1 && judged === 1 ? '1 process' : `${suspects.length} of ${plural(judged, 'process', 'processes')}`;
  const soonest = suspects.reduce<number | null>((m, x) => (x.hoursToLimit !== null && (m === null || x.hoursToLimit < m) ? x.hoursToLimit : m), null);
  return [finding(ctx, {
    kind: 'memory.leak-suspect',
    subject: 'service',
    severity: soonest !== null && soonest < 24 ? 'critical' : 'warning',
    title: `Heap grows ${bytes(worst.perHour)}/h after garbage collection on ${processes}: leak suspect`,
    summary: `Over ${hours} h the lowest heap used rose steadily on ${processes} with ${round(t.leakMinSpanMs / 60_000, 0)} min of data or more; ${shown.join('; ')}${more} ` +
      `(the rate is the slower half of each process's span, so a burst is not read as the trend).${steadyWords}` +
      (soonest !== null ? ` At this rate the first reaches its heap limit in about ${round(soonest, 1)} h.` : ''),
    window,
    figures: {
      growthBytesPerHour: Math.round(worst.perHour),
      r2: round(worst.r2, 3),
      fromBytes: Math.round(worst.first),
      toBytes: Math.round(worst.last),
      spanHours: hours,
      points: worst.points,
      processesAffected: suspects.length,
      processesJudged: judged,
      worstInstance: worst.instanceId,
      worstProcess: name(worst.instanceId),
      processesLeaking: suspects.map((x) => name(x.instanceId)).join(', '),
      criterion: worst.steady ? 'steady rate' : 'growth share',
      ...(soonest !== null && { hoursToHeapLimit: round(soonest, 1) }),
    },
    page: 'instances',
    cause: 'Something keeps references that are never released: a cache or map without a bound, listeners added per request, closures held by timers, a growing array of requests or results.',
    change: 'Take two heap snapshots of one process some time apart (node --inspect, or v8.writeHeapSnapshot()) and compare what grew; bound or expire the cache; until fixed, restarting processes before they reach the limit limits the damage.',
  })];
}

function hostMemory(ctx: ServiceContext): Finding[] {
  const t = ctx.thresholds;
  const recent = { from: Math.max(ctx.window.from, ctx.window.to - t.heapWindowMs), to: ctx.window.to };
  const rss = latestMax(ctx, 'memory.rss', recent);
  const alive = runningInstances(ctx, recent.from);
  const out: Finding[] = [];
  for (const [host, list] of byHost(alive)) {
    const memory = list.map((i) => numberSetting(i, 'memory_limit_bytes') ?? numberSetting(i, 'host_memory_bytes')).find((m) => m !== null && m > 0) ?? null;
    if (memory === null) continue;
    const rssSum = list.reduce((s, i) => s + (rss.get(i.instanceId) ?? 0), 0);
    const limits = list.map((i) => numberSetting(i, 'heap_limit_bytes'));
    const limitSum = limits.every((l) => l !== null) ? limits.reduce<number>((s, l) => s + (l ?? 0), 0) : null;
    const rssShare = rssSum / memory;
    const n = list.length;
    const figures = { host, processes: n, memoryBytes: memory, rssSumBytes: Math.round(rssSum), rssShare: round(rssShare, 3), ...(limitSum !== null && { heapLimitSumBytes: limitSum }) };
    if (rssShare >= t.hostMemoryShare) {
      out.push(finding(ctx, {
        kind: 'memory.host-full',
        subject: host,
        severity: 'critical',
        title: `${plural(n, 'process', 'processes')} on ${host} use ${percent(rssShare)} of its ${bytes(memory)} memory`,
        summary: `The latest resident memory of the ${plural(n, 'process', 'processes')} of this service on ${host} adds up to ${bytes(rssSum)} of ${bytes(memory)}.`,
        window: recent,
        figures,
        page: 'instances',
        cause: 'Processes × memory per process is close to what the host (or container) has; one more process, a spike or a leak and the kernel starts killing processes or swapping.',
        change: 'Run fewer processes per host (and more hosts), lower per-process memory (bounded caches, streaming), or give the host more memory; set --max-old-space-size so that processes × heap limit fits.',
      }));
    } else if (limitSum !== null && limitSum > memory) {
      out.push(finding(ctx, {
        kind: 'memory.heap-limits-exceed-host',
        subject: host,
        severity: 'warning',
        title: `Heap limits of the ${plural(n, 'process', 'processes')} on ${host} add up to ${bytes(limitSum)}, more than its ${bytes(memory)} memory`,
        summary: `${plural(n, 'process', 'processes')} of this service run on ${host}, each allowed a heap of up to ${bytes(limitSum / n)}; together ${bytes(limitSum)} against ${bytes(memory)} of memory (now using ${bytes(rssSum)}).`,
        window: recent,
        figures,
        page: 'instances',
        cause: 'Each process may grow its heap to its limit before V8 collects hard; together they can exceed the machine, and then the kernel OOM killer — not a clean V8 error — stops one of them.',
        change: `Set --max-old-space-size so that processes × heap limit (plus ~30 % for buffers and code) fits: about ${bytes((memory * 0.75) / n)} per process here, or run fewer processes per host.`,
      }));
    }
  }
  return out;
}

export const memoryRule = (ctx: ServiceContext): Finding[] => [...nearLimit(ctx), ...leak(ctx), ...hostMemory(ctx)];
