// Blocking routes: a callback that runs for hundreds of milliseconds holds up every request
// in the process, not only its own (one event loop = one thread of JavaScript). The agent
// reports each stall with the route and code location that ran it, and the CPU the loop's
// thread used meanwhile. A stall with little CPU was the thread not running (starved of CPU,
// paused) or a blocking syscall, not JavaScript; only stalls on CPU count against the code.
// A route is named when it blocks repeatedly — in a real share of its requests, so a rare
// hiccup on a busy route is not blamed on it — or once for very long.
import type { Finding } from '../api-types';
import { finding, ms, plural, round, windowWords, type ServiceContext } from './context';

interface RouteStalls {
  route: string | null;
  count: number;
  totalMs: number;
  maxMs: number;
  offCpu: number;
  /** Stall time on CPU by code location. */
  locations: Map<string, number>;
  /** The trace of the longest stall on CPU, when it ran in one: an example to look at. */
  longestTraceId: string | null;
  /** The processes its stalls on CPU ran in. */
  instances: Set<string>;
}

export const blockingRoutesRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  // Every stall of the window, counted in SQL by route, location and kind (store/stall-cpu.ts:
  // whether the process hardly ran; stall-agent.ts: the agent's own work; stall-gc.ts: the
  // garbage collector's).
  const groups = ctx.stalls();
  if (groups.length === 0) return [];
  const byRoute = new Map<string, RouteStalls>();
  for (const g of groups) {
    // The agent's own work (an export's serialisation, agent/src/signals/stack-frames.ts) is no
    // code of the app's to move to a worker; the event-loop page lists it as the agent's. Nor is
    // a GC pause, whatever code it interrupted: the page lists it as garbage collection.
    if (g.agent || g.gc) continue;
    const key = g.route ?? '\u0000';
    let r = byRoute.get(key);
    if (!r) byRoute.set(key, (r = { route: g.route, count: 0, totalMs: 0, maxMs: 0, offCpu: 0, locations: new Map(), longestTraceId: null, instances: new Set() }));
    if (g.hardlyRan) {
      r.offCpu += g.count;
      continue;
    }
    if (r.count === 0 || g.maxMs > r.maxMs) r.longestTraceId = g.longest.traceId;
    r.count += g.count;
    r.totalMs += g.totalMs;
    r.maxMs = Math.max(r.maxMs, g.maxMs);
    for (const id of g.instanceIds) r.instances.add(id);
    const loc = g.location ?? 'unknown code location';
    r.locations.set(loc, (r.locations.get(loc) ?? 0) + g.totalMs);
  }
  const requests = new Map(ctx.transactions().map((x) => [x.route, x.requests]));
  const windowMs = Math.max(1, ctx.window.to - ctx.window.from);
  const out: Finding[] = [];
  for (const r of byRoute.values()) {
    if (r.count === 0) continue;
    const routeRequests = r.route !== null ? (requests.get(r.route) ?? 0) : null;
    const share = routeRequests !== null && routeRequests > 0 ? r.count / routeRequests : null;
    const repeated = r.count >= t.blockingMinCount && (share === null || share >= t.blockingMinShare);
    if (!repeated && r.maxMs < t.blockingSingleMs) continue;
    const where = r.route ?? 'outside any request';
    // "in GET /report", but "outside any request" (not "in outside any request").
    const inWhere = r.route !== null ? `in ${r.route}` : where;
    const offCpuWhere = r.route !== null ? 'in it' : where;
    const location = [...r.locations.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'unknown code location';
    out.push(finding(ctx, {
      kind: 'eventloop.blocking-route',
      subject: r.route ?? '(no route)',
      severity: r.maxMs >= t.blockingCriticalMs ? 'critical' : 'warning',
      title: r.route !== null
        ? `Route ${r.route} blocks the event loop for up to ${ms(r.maxMs)}`
        : `Code outside any request blocks the event loop for up to ${ms(r.maxMs)}`,
      summary: `${plural(r.count, 'stall')} ${inWhere} over ${windowWords(ctx.asked)}${share !== null ? ` (${round(share * 100, 1)} % of its ${routeRequests} requests)` : ''}, ${ms(r.totalMs)} in all (longest ${ms(r.maxMs)}); most of it in ${location}. Every other request in the process waited meanwhile.${r.offCpu > 0 ? ` ${plural(r.offCpu, 'more stall')} ${offCpuWhere} ${r.offCpu === 1 ? 'is' : 'are'} not counted: the process hardly ran through ${r.offCpu === 1 ? 'it' : 'them'} (starved of CPU or in a blocking system call, not this code).` : ''}`,
      figures: {
        route: where,
        stalls: r.count,
        totalStallMs: round(r.totalMs, 0),
        maxStallMs: round(r.maxMs, 0),
        meanStallMs: round(r.totalMs / r.count, 0),
        location,
        // Of each process's time: the stalls of 2 workers blocked half of each one's window,
        // not "99.5 % of the window" (QA), and never more than all of it.
        shareOfWindow: round(r.totalMs / (windowMs * Math.max(1, r.instances.size)), 4),
        processes: r.instances.size,
        ...(share !== null && { shareOfRequests: round(share, 4), requests: routeRequests ?? 0 }),
        ...(r.offCpu > 0 && { offCpuStalls: r.offCpu }),
        ...(r.longestTraceId !== null && { longestStallTraceId: r.longestTraceId }),
      },
      page: 'event-loop',
      ...(r.route !== null && { linkParams: { route: r.route } }),
      cause: `Synchronous work (CPU-heavy computation, JSON of a large payload, a sync fs/crypto/zlib call, a long loop) runs on the event loop in ${location}.`,
      change: 'Move that work off the loop: a worker thread (node:worker_threads, a pool such as piscina), the async/streaming API of the call, or chunk it (yield with setImmediate between parts); cap the input size if a large payload causes it.',
    }));
  }
  return out;
};
