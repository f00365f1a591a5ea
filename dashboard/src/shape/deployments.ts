// Deployments (GET /api/services/:service/deployments) → what the pages show: a version's name,
// its marker on the charts, its before/after rows with the change, and the range around it.
// Versions come from the app: plain text, never markup.

import type { Deployment, DeployRouteChange, DeployWindow } from '@headroom/collector/api-types';
import type { Marker } from '../charts/chart-spec';
import type { TimeRangeSpec } from '../state/time-range';
import { formatApdex, formatMs, formatPercent, formatRpm } from '../format/units';
import { deploymentName } from '../../../collector/src/store/deployment-name';
import { exactCount } from './error-groups';
import { trustedPercentile } from './percentile-sample';

export { deploymentName, shortRevision } from '../../../collector/src/store/deployment-name';

/** A marker for each deploy inside [from, to], oldest first. */
export function deploymentsToMarkers(deployments: readonly Deployment[], from: number, to: number): Marker[] {
  return deployments
    .filter((d) => d.firstSeen >= from && d.firstSeen <= to)
    .sort((a, b) => a.firstSeen - b.firstSeen)
    .map((d) => ({ timeMs: d.firstSeen, kind: 'deploy' as const, label: `deployed ${deploymentName(d)}`, link: { page: 'deployments' as const } }));
}

/** The charts' range around a deploy: its window before, and as much after as there is yet. */
export function rangeAround(d: Deployment): TimeRangeSpec {
  return { kind: 'custom', from: d.before.from, to: Math.max(d.after.to, d.before.to) };
}

export type Direction = 'better' | 'worse' | 'same' | null;

export interface ComparisonRow {
  /** What is compared, e.g. "p95". */
  label: string;
  before: string;
  after: string;
  /** The change in words ("+412 %", "×9.6", "−0.12", "no change"); a dash when either side has no figure. */
  change: string;
  /** Whether the change is for the better: higher throughput is neither (it follows the traffic). */
  direction: Direction;
  /** What the figure leaves out, said under the table (the error rate's scanner 404s); its label is marked with *. */
  note?: string;
}

/** What a change too small to show reads: not '−0.00' nor '+<0.1 pts', whose sign says nothing. */
export const NO_CHANGE = 'no change';

/** A unit after a figure, which may read differently for 1 ('+1 pt', '+2 pts'). */
type Unit = string | ((shown: number) => string);

/** Percentage points: one point, and every other figure (0.5, 2) in points. */
const POINTS: Unit = (shown) => (shown === 1 ? ' pt' : ' pts');

/** A signed difference as shown at `digits` decimals (`trimmed`: without trailing zeros, as percentages are); no change when it rounds to zero. */
function signed(diff: number, digits: number, unit: Unit, trimmed = false): string {
  const fixed = Math.abs(diff).toFixed(digits);
  if (Number(fixed) === 0) return NO_CHANGE;
  return `${diff > 0 ? '+' : '−'}${trimmed ? Number(fixed).toString() : fixed}${typeof unit === 'string' ? unit : unit(Number(fixed))}`;
}

function ratioText(before: number, after: number): string {
  if (before === 0) return after === 0 ? NO_CHANGE : 'new';
  const ratio = after / before;
  if (ratio >= 2) return `×${ratio < 10 ? ratio.toFixed(1) : Math.round(ratio)}`;
  const pct = (ratio - 1) * 100;
  return signed(pct, Math.abs(pct) < 10 ? 1 : 0, ' %');
}

/** Relative changes under this are the same (the sketches hold about 1 % error). */
const SAME_RATIO = 0.05;

function relative(before: number | null, after: number | null, higherIsWorse: boolean | null): Pick<ComparisonRow, 'change' | 'direction'> {
  if (before === null || after === null) return { change: '–', direction: null };
  const base = Math.max(Math.abs(before), Math.abs(after));
  const same = base === 0 || Math.abs(after - before) / base < SAME_RATIO;
  const direction: Direction = higherIsWorse === null ? null : same ? 'same' : (after > before) === higherIsWorse ? 'worse' : 'better';
  return { change: ratioText(before, after), direction };
}

/**
 * The difference between two figures as the table shows them, rounded to `digits` as each is:
 * 1.04 % → 1.06 % shown as '1 %' and '1.1 %' is +0.1 points, 0.951 → 0.949 both '0.95' no change.
 */
function pointsText(before: number, after: number, digits: number, unit: Unit, trimmed = false): string {
  const shown = (v: number): number => Number(v.toFixed(digits));
  return signed(shown(after) - shown(before), digits, unit, trimmed);
}

/**
 * What a deploy's error rate leaves out, as the error-rate alert rule does: the requests no route
 * matched that did not fail (a scanner's 404s), counted per side when there were any, so a rate
 * beside the side's request count is not read as failures over all of them. A side without
 * requests (a first version's before) is not named.
 */
export function errorRateNote(before: DeployWindow, after: DeployWindow): string {
  const rule = 'Error rate: it leaves out the requests no route matched that did not fail (scanner 404s), as error-rate alert rules do';
  const sides = ([['before', before], ['after', after]] as const)
    .filter(([, w]) => w.requests > w.errorRateRequests)
    .map(([name, w]) => `${exactCount(w.requests - w.errorRateRequests)} of the ${exactCount(w.requests)} requests ${name}`);
  return sides.length === 0 ? `${rule}.` : `${rule}: ${sides.join(', ')}.`;
}

/** An error rate's change in points, and whether it is for the better (under 0.1 points: the same). */
function errorRateChange(before: number, after: number): Pick<ComparisonRow, 'change' | 'direction'> {
  return {
    change: pointsText(before * 100, after * 100, 1, POINTS, true),
    direction: Math.abs(after - before) < 0.001 ? 'same' : after > before ? 'worse' : 'better',
  };
}

/** The rows of a deploy's before/after table. */
export function comparisonRows(before: DeployWindow, after: DeployWindow): ComparisonRow[] {
  const p = (w: DeployWindow, q: 'p50' | 'p95') => trustedPercentile(q === 'p50' ? w.p50Ms : w.p95Ms, w.requests, q);
  const rows: ComparisonRow[] = [
    { label: 'Throughput', before: formatRpm(before.throughputRpm), after: formatRpm(after.throughputRpm), ...relative(before.throughputRpm, after.throughputRpm, null) },
  ];
  // Error rate and Apdex: a difference in points (2 % → 5 % is +3 points), not a ratio of ratios.
  const errorChange = before.errorRate === null || after.errorRate === null ? { change: '–', direction: null } : errorRateChange(before.errorRate, after.errorRate);
  rows.push({ label: 'Error rate', before: formatPercent(before.errorRate), after: formatPercent(after.errorRate), ...errorChange, note: errorRateNote(before, after) });
  for (const q of ['p50', 'p95'] as const) {
    rows.push({ label: q, before: formatMs(p(before, q)), after: formatMs(p(after, q)), ...relative(p(before, q), p(after, q), true) });
  }
  const apdexChange =
    before.apdex === null || after.apdex === null
      ? { change: '–', direction: null }
      : {
        change: pointsText(before.apdex, after.apdex, 2, ''),
        direction: (Math.abs(after.apdex - before.apdex) < 0.01 ? 'same' : after.apdex < before.apdex ? 'worse' : 'better') as Direction,
      };
  rows.push({ label: 'Apdex', before: formatApdex(before.apdex), after: formatApdex(after.apdex), ...apdexChange });
  return rows;
}

/** One route of a deploy's routes that changed most: its p95 and error rate before and after, each change in words. */
export interface RouteChangeRow {
  route: string;
  requests: string;
  p95: Pick<ComparisonRow, 'before' | 'after' | 'change' | 'direction'>;
  errorRate: Pick<ComparisonRow, 'before' | 'after' | 'change' | 'direction'>;
}

/** The rows of a deploy's routes table, as the collector ranked them (the biggest change first). */
export function routeChangeRows(routes: readonly DeployRouteChange[]): RouteChangeRow[] {
  return routes.map((r) => {
    const p95Before = trustedPercentile(r.before.p95Ms, r.before.requests, 'p95');
    const p95After = trustedPercentile(r.after.p95Ms, r.after.requests, 'p95');
    return {
      route: r.route,
      requests: `${exactCount(r.before.requests)} → ${exactCount(r.after.requests)}`,
      p95: { before: formatMs(p95Before), after: formatMs(p95After), ...relative(p95Before, p95After, true) },
      errorRate: { before: formatPercent(r.before.errorRate), after: formatPercent(r.after.errorRate), ...errorRateChange(r.before.errorRate, r.after.errorRate) },
    };
  });
}
