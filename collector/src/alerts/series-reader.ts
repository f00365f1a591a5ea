// Reads the value of a rule's series over its window, through the Storage interface only.
// The window is [now − window, now] over the per-minute rollups, the current (still filling)
// minute included: alerts act on the latest data, and percentiles are taken from the merged
// sketches of the window, not averaged. Request series cover the service (or one route or
// instance); process series (event loop, memory, in-flight) are read per instance and the
// worst instance counts — the one furthest past the threshold in the rule's direction.
import { instanceNames } from '../advisor/context';
import type { AdvisorResponse, AlertRule, InstanceSeries } from '../api-types';
import { errorRateOf } from '../store/error-rate';
import type { Storage } from '../store/storage';
import { STOP_LOOKBACK_MS } from '../store/instance-stop';
import { countCrashes } from './crash-events';

/** The advisor as the engine sees it (collector/src/advisor's createAdvisor result fits). */
export interface FindingsSource {
  findings(q: { from: number; to: number; service?: string }): AdvisorResponse;
}

type RuleScope = Pick<AlertRule, 'series' | 'service' | 'route' | 'instanceId' | 'findingKind' | 'windowMs' | 'comparison'>;

const MINUTE_MS = 60_000;

export function windowOf(rule: Pick<AlertRule, 'windowMs'>, now: number): { from: number; to: number } {
  // Whole minutes: a minute rollup overlapping the window start belongs to it.
  const from = Math.floor((now - rule.windowMs) / MINUTE_MS) * MINUTE_MS;
  return { from, to: now + 1 };
}

function worst(values: number[], comparison: AlertRule['comparison']): number | null {
  if (values.length === 0) return null;
  return comparison === '<' || comparison === '<=' ? Math.min(...values) : Math.max(...values);
}

/** The instance whose value is the worst (the first such, in the series' order). */
function worstOf(values: { instanceId: string; value: number }[], comparison: AlertRule['comparison']): { instanceId: string; value: number } | null {
  const v = worst(values.map((x) => x.value), comparison);
  return v === null ? null : (values.find((x) => x.value === v) ?? null);
}

function mean(xs: (number | null)[]): number | null {
  let sum = 0;
  let n = 0;
  for (const x of xs) {
    if (x === null || !Number.isFinite(x)) continue;
    sum += x;
    n++;
  }
  return n > 0 ? sum / n : null;
}

function last(xs: (number | null)[]): number | null {
  for (let i = xs.length - 1; i >= 0; i--) {
    const x = xs[i];
    if (x !== null && x !== undefined && Number.isFinite(x)) return x;
  }
  return null;
}

function perInstance(series: InstanceSeries, rule: RuleScope): number | null {
  switch (rule.series) {
    case 'eventloop.delay.p99':
      return mean(series.eventLoopDelayP99Ms);
    case 'eventloop.utilization':
      return mean(series.eventLoopUtilization);
    case 'memory.rss':
      return last(series.rssBytes);
    case 'inflight':
      return mean(series.inFlightMean);
    case 'heap.used_ratio': {
      const used = last(series.heapUsedBytes);
      const limit = last(series.heapLimitBytes);
      return used !== null && limit !== null && limit > 0 ? used / limit : null;
    }
    default:
      return null;
  }
}

/**
 * Whether a throughput rule's window is missing requests the agents dropped (their metric
 * points, counted by `headroom.agent.dropped`): a gap with lost metric points that overlaps the
 * window. Its request count then reads low for want of data, not of traffic.
 */
export function throughputIncomplete(storage: Storage, rule: RuleScope, now: number): boolean {
  if (rule.series !== 'throughput') return false;
  const range = windowOf(rule, now);
  const dropped = storage.telemetryDropped({
    ...range,
    service: rule.service,
    ...(rule.instanceId !== null && { instanceId: rule.instanceId }),
    bucketMs: MINUTE_MS,
  });
  return dropped.gaps.some((g) => g.metricPoints > 0 && g.toMs >= range.from && g.fromMs < range.to);
}

/**
 * Whether the rule reads the requests that matched a route (store/sqlite/queries/
 * matched-routes.ts): a latency percentile or Apdex (response-time satisfaction, which a flood of
 * fast 404s lifts to 1) over the whole service, and its error rate, over those requests and the
 * unrouted ones that failed (store/error-rate.ts: a scanner's 404s diluted it; a root
 * middleware's 500s still count). Throughput and queue wait count every request: a scanner's load
 * is load. Its link opens the service page on the same requests (dashboard-link.ts).
 */
export function readsMatchedRoutes(rule: Pick<AlertRule, 'series' | 'route'>): boolean {
  const series: AlertRule['series'][] = ['latency.p50', 'latency.p95', 'latency.p99', 'apdex', 'error_rate'];
  return rule.route === null && series.includes(rule.series);
}

/** A series value and, for request series, how many requests the window held. */
export interface SeriesReading {
  value: number | null;
  /** Requests in the window (request series only): what a percentile rests on. */
  requests: number | null;
  /**
   * For a process series of a rule over every instance: the process the value is from (the
   * worst), named as the dashboard names it ("worker 2 · pid 7629").
   */
  instance?: string;
}

/** The series value over the rule's window at `now`; null when the window holds no data. */
export function readSeries(storage: Storage, findings: FindingsSource | null, rule: RuleScope, now: number): number | null {
  return readSeriesWithCount(storage, findings, rule, now).value;
}

/** readSeries with the window's request count, for the percentile sample rule (percentile-sample.ts). */
export function readSeriesWithCount(storage: Storage, findings: FindingsSource | null, rule: RuleScope, now: number): SeriesReading {
  const requestValue = (value: number | null, requests: number): SeriesReading => ({ value, requests });
  const value = (v: number | null): SeriesReading => ({ value: v, requests: null });
  const range = windowOf(rule, now);
  const scope = {
    service: rule.service,
    ...(rule.route !== null && { route: rule.route }),
    ...(rule.instanceId !== null && { instanceId: rule.instanceId }),
  };
  switch (rule.series) {
    case 'latency.p50':
    case 'latency.p95':
    case 'latency.p99':
    case 'error_rate':
    case 'throughput':
    case 'apdex':
    case 'queue_wait': {
      // A latency, Apdex or error-rate rule over the whole service reads the requests that matched
      // a route: a scanner's fast 404s on unknown paths (no route matched) would drag its
      // percentiles down and dilute its failures.
      const w = storage.requestWindow({ ...range, ...scope, ...(readsMatchedRoutes(rule) && { matchedRoutes: true }) });
      // Before the request count's test: a root middleware failing every request matched no route.
      if (rule.series === 'error_rate') return requestValue(errorRateOf(w.errorRate), w.errorRate.requests);
      if (rule.series === 'throughput') {
        // Requests per minute over the part of the window that has elapsed; zero traffic is a value, not missing data.
        return requestValue(w.requests / Math.max(1, (range.to - range.from) / MINUTE_MS), w.requests);
      }
      if (w.requests === 0) return requestValue(null, 0);
      if (rule.series === 'latency.p50') return requestValue(w.p50Ms, w.requests);
      if (rule.series === 'latency.p95') return requestValue(w.p95Ms, w.requests);
      if (rule.series === 'latency.p99') return requestValue(w.p99Ms, w.requests);
      if (rule.series === 'apdex') return requestValue(w.apdex, w.requests);
      return requestValue(w.queueWaitMs, w.requests);
    }
    case 'stall.count':
      // Counted in SQL: a read of the events stops at its limit (1,000 stalls read as 1,000).
      return value(storage.countEvents({ ...range, ...scope, type: 'stall' }));
    case 'restart.count':
      // By the advisor's rule (store/process-restarts.ts): a re-forked cluster worker is a restart too.
      return value(storage.countRestarts({ ...range, ...scope }));
    case 'crash.count': {
      // Processes that ended in the window, each once; those that crashed (crash-events.ts). Read
      // from a lookback before it, so a worker whose stop came just before the window is not
      // counted again on its primary's report of it in the window.
      const endings = storage.instanceEndings({ from: range.from - STOP_LOOKBACK_MS, to: range.to, service: rule.service });
      const unnamedExits = storage.countUnnamedWorkerExits({ ...range, ...scope });
      return value(countCrashes(endings, unnamedExits, range.from, rule.instanceId));
    }
    case 'advisor.finding': {
      if (findings === null) return value(null);
      const found = findings.findings({ ...range, service: rule.service }).findings;
      return value(found.filter((f) => f.service === rule.service && (rule.findingKind === null || f.kind === rule.findingKind)).length);
    }
    default: {
      const res = storage.instanceSeries({
        ...range,
        service: rule.service,
        ...(rule.instanceId !== null && { instanceId: rule.instanceId }),
        bucketMs: MINUTE_MS,
      });
      const values: { instanceId: string; value: number }[] = [];
      for (const s of res.instances) {
        if (rule.instanceId !== null && s.instanceId !== rule.instanceId) continue;
        const v = perInstance(s, rule);
        if (v !== null) values.push({ instanceId: s.instanceId, value: v });
      }
      const found = worstOf(values, rule.comparison);
      if (found === null || rule.instanceId !== null) return value(found?.value ?? null);
      const names = instanceNames(storage.instances({ ...range, service: rule.service }).instances);
      return { value: found.value, requests: null, instance: names.get(found.instanceId) ?? found.instanceId };
    }
  }
}
