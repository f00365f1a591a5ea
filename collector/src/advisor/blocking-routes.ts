// Blocking routes: a callback that runs for hundreds of milliseconds holds up every request
// in the process, not only its own (one event loop = one thread of JavaScript). The agent
// reports each such stall with the route and code location that ran it; a route that does
// it repeatedly, or once for very long, should move that work off the loop.
import type { Finding, StallGroup } from '../api-types';
import { finding, ms, plural, round, windowWords, type ServiceContext } from './context';

interface RouteStalls {
  route: string | null;
  count: number;
  totalMs: number;
  maxMs: number;
  /** Location with the most stall time. */
  worst: StallGroup;
}

export const blockingRoutesRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const byRoute = new Map<string, RouteStalls>();
  for (const g of ctx.storage.stalls({ service: ctx.service, from: ctx.window.from, to: ctx.window.to }).groups) {
    const key = g.route ?? '\u0000';
    const r = byRoute.get(key);
    if (!r) byRoute.set(key, { route: g.route, count: g.count, totalMs: g.totalMs, maxMs: g.maxMs, worst: g });
    else {
      r.count += g.count;
      r.totalMs += g.totalMs;
      r.maxMs = Math.max(r.maxMs, g.maxMs);
      if (g.totalMs > r.worst.totalMs) r.worst = g;
    }
  }
  const windowMs = Math.max(1, ctx.window.to - ctx.window.from);
  const out: Finding[] = [];
  for (const r of byRoute.values()) {
    if (r.count < t.blockingMinCount && r.maxMs < t.blockingSingleMs) continue;
    const where = r.route ?? 'outside any request';
    const location = r.worst.location ?? 'unknown code location';
    out.push(finding(ctx, {
      kind: 'eventloop.blocking-route',
      subject: r.route ?? '(no route)',
      severity: r.maxMs >= t.blockingCriticalMs ? 'critical' : 'warning',
      title: r.route !== null
        ? `Route ${r.route} blocks the event loop for up to ${ms(r.maxMs)}`
        : `Code outside any request blocks the event loop for up to ${ms(r.maxMs)}`,
      summary: `${plural(r.count, 'stall')} in ${where} over ${windowWords(ctx.window)}, ${ms(r.totalMs)} in all (longest ${ms(r.maxMs)}); most of it in ${location}. Every other request in the process waited meanwhile.`,
      figures: {
        route: where,
        stalls: r.count,
        totalStallMs: round(r.totalMs, 0),
        maxStallMs: round(r.maxMs, 0),
        meanStallMs: round(r.totalMs / r.count, 0),
        location,
        shareOfWindow: round(r.totalMs / windowMs, 4),
      },
      page: 'event-loop',
      ...(r.route !== null && { linkParams: { route: r.route } }),
      cause: `Synchronous work (CPU-heavy computation, JSON of a large payload, a sync fs/crypto/zlib call, a long loop) runs on the event loop in ${location}.`,
      change: 'Move that work off the loop: a worker thread (node:worker_threads, a pool such as piscina), the async/streaming API of the call, or chunk it (yield with setImmediate between parts); cap the input size if a large payload causes it.',
    }));
  }
  return out;
};
