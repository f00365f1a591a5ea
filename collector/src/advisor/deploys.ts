// A deploy that made things worse: a deploy in the window (a rollback too) whose processes are
// slower, or fail more, than the processes it replaced (store/sqlite/queries/deployments.ts
// compares the two sides by process). Noise is what makes such a finding wrong, so each change
// must be large (deployP95Factor and deployP95MinMs; deployErrorRatePoints) and unlikely to be
// chance: a two-proportion z-test of at least Z_MIN on the requests counted on each side (the
// share slower than the before side's p95 — 5 % by definition before — and the failed share).
import type { AdvisorThresholds } from './thresholds';
import type { DeployRouteChange, Finding } from '../api-types';
import { deploymentName as name } from '../store/deployment-name';
import { count, finding, ms, percent, plural, round, type ServiceContext } from './context';

/** One-sided z of a two-proportion test at about 1 in 700 by chance: the finding's noise guard. */
const Z_MIN = 3;
/** Share of the before side's requests slower than its own p95 (the after side's is compared with it). */
const BEFORE_SHARE_ABOVE_P95 = 0.05;

/** z of the second proportion above the first (pooled standard error); 0 when it cannot be told. */
export function proportionZ(k1: number, n1: number, k2: number, n2: number): number {
  if (n1 <= 0 || n2 <= 0) return 0;
  const p = (k1 + k2) / (n1 + n2);
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  return se > 0 ? (k2 / n2 - k1 / n1) / se : 0;
}

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/** Whether a p95 rose past the size guards and the noise guard, over `n` requests before and `m` after. */
function p95Rose(t: AdvisorThresholds, before: number, after: number, above: number, n: number, m: number): boolean {
  const z = proportionZ(BEFORE_SHARE_ABOVE_P95 * n, n, above * m, m);
  return after / before >= t.deployP95Factor && after - before >= t.deployP95MinMs && z >= Z_MIN;
}

/** Whether an error rate rose past the size guard and the noise guard. */
function errorsRose(t: AdvisorThresholds, before: number, after: number, n: number, m: number): boolean {
  return after - before >= t.deployErrorRatePoints && proportionZ(before * n, n, after * m, m) >= Z_MIN;
}

/**
 * The deploy's routes that got slower or fail more, by the same tests as the service's figures,
 * each with minRequests on both sides: where the deploy hurt ("p95 ×2.9 worse" for the whole
 * service named no route: the on-call walkthrough, s15).
 */
function routesWorse(t: AdvisorThresholds, routes: readonly DeployRouteChange[]): { slower: DeployRouteChange[]; failing: DeployRouteChange[] } {
  const judged = routes.filter((r) => r.before.requests >= t.minRequests && r.after.requests >= t.minRequests);
  return {
    slower: judged.filter((r) => r.before.p95Ms !== null && r.after.p95Ms !== null && p95Rose(t, r.before.p95Ms, r.after.p95Ms, r.afterAboveBeforeP95, r.before.requests, r.after.requests)),
    failing: judged.filter((r) => errorsRose(t, r.before.errorRate, r.after.errorRate, r.before.requests, r.after.requests)),
  };
}

export const deploysRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  // Judged at now when the window runs past it (an alert's link ends 5 minutes after it fired): a
  // version running now had "stopped" at its latest data, its processes silent in the future.
  const now = Math.min(ctx.window.to, Date.now());
  const { deployments } = ctx.storage.deployments({ service: ctx.service, ...ctx.window, windowMs: t.deployCompareMs, now });
  const out: Finding[] = [];
  // Deploys in the window only: an older one is judged in its own hour, and clears after it.
  const judged = deployments.filter((d) => d.firstSeen >= ctx.window.from && d.firstSeen < ctx.window.to);
  // A version deployed twice in the window (rolled back to, then again) is two findings, told apart by the time.
  const deploysOf = new Map<string, number>();
  for (const d of judged) deploysOf.set(name(d), (deploysOf.get(name(d)) ?? 0) + 1);
  for (const d of judged) {
    const { before, after } = d;
    if (before.requests < t.minRequests || after.requests < t.minRequests) continue;
    const reasons: string[] = [];
    const figures: Record<string, number | string> = { version: name(d), requestsBefore: before.requests, requestsAfter: after.requests };
    let critical = false;

    const above = d.afterAboveBeforeP95;
    if (before.p95Ms !== null && after.p95Ms !== null && above !== null) {
      const factor = after.p95Ms / before.p95Ms;
      if (p95Rose(t, before.p95Ms, after.p95Ms, above, before.requests, after.requests)) {
        reasons.push(`p95 ${ms(before.p95Ms)} → ${ms(after.p95Ms)} (${percent(above)} of its requests slower than the p95 before it)`);
        Object.assign(figures, { p95BeforeMs: round(before.p95Ms, 1), p95AfterMs: round(after.p95Ms, 1), p95Factor: round(factor, 2), shareAboveP95Before: round(above, 3) });
        if (factor >= 2 * t.deployP95Factor) critical = true;
      }
    }
    if (before.errorRate !== null && after.errorRate !== null) {
      // Over the requests the rates count: a scanner's 404s on either side are left out of both.
      const points = after.errorRate - before.errorRate;
      if (errorsRose(t, before.errorRate, after.errorRate, before.errorRateRequests, after.errorRateRequests)) {
        reasons.push(`error rate ${percent(before.errorRate)} → ${percent(after.errorRate)}`);
        Object.assign(figures, { errorRateBefore: round(before.errorRate, 4), errorRateAfter: round(after.errorRate, 4) });
        if (points >= 5 * t.deployErrorRatePoints) critical = true;
      }
    }
    // The routes that got worse: named, and a finding of their own when the service's figures did
    // not move (one route of many three times slower).
    const worse = routesWorse(t, d.routes ?? []);
    const byRoute = [
      ...worse.slower.map((r) => `${r.route} p95 ${ms(r.before.p95Ms as number)} → ${ms(r.after.p95Ms as number)}`),
      ...worse.failing.map((r) => `${r.route} error rate ${percent(r.before.errorRate)} → ${percent(r.after.errorRate)}`),
    ];
    if (worse.slower.length > 0) figures.routesSlower = worse.slower.map((r) => r.route).join(', ');
    if (worse.failing.length > 0) figures.routesFailingMore = worse.failing.map((r) => r.route).join(', ');
    if (reasons.length === 0 && byRoute.length === 0) continue;
    const names = [...new Set([...worse.slower, ...worse.failing].map((r) => r.route))];
    // The title names where; the summary says by how much.
    const where = byRoute.length === 0 ? '' : reasons.length > 0 ? `; worse on ${names.join(', ')}` : byRoute.join('; ');
    const minutes = (w: { from: number; to: number }): string => plural(Math.round((w.to - w.from) / 60_000), 'minute');
    // A version replaced sooner is compared over the minutes it ran, and says so.
    const untilStopped = d.stoppedAt !== null && after.to - after.from < t.deployCompareMs ? `, until it stopped at ${clock(d.stoppedAt)} UTC` : '';
    out.push(finding(ctx, {
      kind: 'deploy.regression',
      subject: (deploysOf.get(name(d)) ?? 0) > 1 ? `${name(d)} at ${clock(d.firstSeen)}` : name(d),
      severity: critical ? 'critical' : 'warning',
      title: `After the deploy of ${name(d)}: ${reasons.join('; ')}${where}`,
      summary:
        `${name(d)} was deployed at ${clock(d.firstSeen)} UTC. Its ${plural(after.instances, 'process', 'processes')} served ${count(after.requests)} requests in the ${minutes(after)} from then${untilStopped}; ` +
        `the ${plural(before.instances, 'process', 'processes')} of the version${before.instances === 1 ? '' : 's'} it replaced served ${count(before.requests)} in the ${minutes(before)} before. ` +
        `Compared process by process, not only by time: ${reasons.length > 0 ? reasons.join('; ') : 'the service as a whole did not change past the guards'}.` +
        (byRoute.length > 0 ? ` By route (those with at least ${count(t.minRequests)} requests on each side): ${byRoute.join('; ')}.` : ''),
      figures,
      page: 'deployments',
      window: { from: before.from, to: after.to },
      cause: 'What changed in this version: its code, its dependencies, or a setting deployed with it. Traffic and the machines did not change with the version, since the processes of the version before it were compared over the same kind of window.',
      change:
        byRoute.length > 0
          ? 'Start with the routes named (the Deployments page lists each deploy’s routes that changed most, each linked to its charts around the deploy), read the slow and failed traces of the new version’s processes, and roll back if it hurts users while you look.'
          : 'Compare the routes before and after (the Deployments page lists each deploy’s routes that changed most), read the slow and failed traces of the new version’s processes, and roll back if it hurts users while you look.',
    }));
  }
  return out;
};
