// CPU starvation: stalls during which the process hardly ran (store/stall-cpu.ts: under a
// third of the stall on CPU) were the loop's thread not running — descheduled on a crowded
// host or a throttled container, or in a blocking system call — not the app's JavaScript. The
// blocking-route rule leaves them out; this rule says them apart, with their count, so a user
// looks at the host's CPU rather than optimising code that did not run (QA: a route blamed
// while 63 of its 70 stalls hardly ran, and nothing said so).
import type { Finding } from '../api-types';
import { finding, ms, plural, round, windowWords, type ServiceContext } from './context';

const OUTSIDE = 'outside any request';

export const cpuStarvedRule = (ctx: ServiceContext): Finding[] => {
  // The agent's own stalls are left out, as the blocking-route rule does.
  const app = ctx.stalls().filter((g) => !g.agent);
  const starved = app.filter((g) => g.hardlyRan);
  const starvedCount = starved.reduce((n, g) => n + g.count, 0);
  if (starvedCount < ctx.thresholds.blockingMinCount) return [];
  const appCount = app.reduce((n, g) => n + g.count, 0);
  const byWhere = new Map<string, number>();
  let totalMs = 0;
  let maxMs = 0;
  for (const g of starved) {
    const where = g.route ?? OUTSIDE;
    byWhere.set(where, (byWhere.get(where) ?? 0) + g.count);
    totalMs += g.totalMs;
    maxMs = Math.max(maxMs, g.maxMs);
  }
  const mostIn = [...byWhere.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? OUTSIDE;
  const processes = new Set(starved.flatMap((g) => g.instanceIds)).size;
  const who = processes === 1 ? 'The process' : `${processes} processes`;
  return [finding(ctx, {
    kind: 'eventloop.cpu-starved',
    subject: 'service',
    severity: 'warning',
    title: `${who} hardly ran through ${starvedCount} of ${appCount} event-loop stalls: starved of CPU or in a blocking system call`,
    summary: `Over ${windowWords(ctx.asked)}, ${plural(starvedCount, 'stall')} (${ms(totalMs)} in all, longest ${ms(maxMs)}; most in ${mostIn}) had under a third of their duration on CPU: the loop's thread was not running code, so they are not blamed on any route's code. Requests waited all the same.`,
    figures: {
      starvedStalls: starvedCount,
      stalls: appCount,
      totalStarvedMs: round(totalMs, 0),
      maxStarvedMs: round(maxMs, 0),
      mostIn,
      processes,
    },
    page: 'event-loop',
    cause: "The process's thread was descheduled: the host's CPUs were busy (other processes, more processes than cores, a container's CPU limit throttling it) — or it sat in a blocking system call (a sync file or child-process call on a slow disk or a large output).",
    change: "Look at the host's CPU use and the container's CPU throttling at those times: give the service more CPU or run fewer processes per core. If the host was idle, look for sync I/O (fs.*Sync, child_process.*Sync) in the routes named.",
  })];
};
