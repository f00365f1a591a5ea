// The advisor: findings that join what was observed (the store) with the settings the agents
// reported, in plain words with their evidence. Stateless: every call judges the last
// `windowMs` of the asked range afresh, so a finding goes away by itself once its condition
// has cleared for a window. Each rule lives in its own module; docs/advisor.md explains them.
import type { AdvisorResponse, Finding, FindingSeverity, ServiceSummary, TimeRange, TransactionSummary } from '../api-types';
import { errors } from '../errors';
import { quoteForLog } from '../log-text';
import type { RangeQuery, StallTally, Storage } from '../store/storage';
import { blockingRoutesRule } from './blocking-routes';
import { capacityRule } from './capacity';
import { cpuStarvedRule } from './cpu-starved';
import { deploysRule } from './deploys';
import { downstreamTimeRule } from './downstream-time';
import type { Rule, ServiceContext } from './context';
import { eventLoopDelayRule } from './eventloop-delay';
import { gcStallsRule } from './gc-stalls';
import { memoryRule } from './memory';
import { queueWaitRule } from './queue-wait';
import { restartsRule } from './restarts';
import { settingsRule } from './settings';
import { largeResponsesRule, slowClientsRule } from './slow-clients';
import { telemetryGapsRule } from './telemetry-gaps';
import { resolveThresholds, type AdvisorOptions, type AdvisorThresholds } from './thresholds';

export { DEFAULT_THRESHOLDS, loadThresholdsFile, resolveThresholds } from './thresholds';
export type { AdvisorOptions, AdvisorThresholds } from './thresholds';

export interface Advisor {
  findings(q: RangeQuery & { service?: string }): AdvisorResponse;
  readonly thresholds: Readonly<AdvisorThresholds>;
}

const RULES: readonly { name: string; rule: Rule }[] = [
  // First: whether the window's data is whole decides how the other findings read.
  { name: 'telemetry-gaps', rule: telemetryGapsRule },
  { name: 'capacity', rule: capacityRule },
  { name: 'queue-wait', rule: queueWaitRule },
  { name: 'blocking-routes', rule: blockingRoutesRule },
  { name: 'cpu-starved', rule: cpuStarvedRule },
  { name: 'gc-stalls', rule: gcStallsRule },
  { name: 'eventloop-delay', rule: eventLoopDelayRule },
  { name: 'downstream-time', rule: downstreamTimeRule },
  { name: 'slow-clients', rule: slowClientsRule },
  { name: 'large-responses', rule: largeResponsesRule },
  { name: 'memory', rule: memoryRule },
  { name: 'restarts', rule: restartsRule },
  { name: 'deploys', rule: deploysRule },
  { name: 'settings', rule: settingsRule },
];

const MINUTE_MS = 60_000;

/**
 * The window widened to the whole minutes it touches. Requests and gauges are stored per
 * minute, and every rollup read (the services summary, transactions, series) widens a range
 * this way; events and traces are then read over the very same span, so a rule that sets
 * stalls against requests, or the advisor against /api/services, counts the same minutes.
 */
function wholeMinutes(w: TimeRange): TimeRange {
  return { from: Math.floor(w.from / MINUTE_MS) * MINUTE_MS, to: Math.ceil(w.to / MINUTE_MS) * MINUTE_MS };
}

const RANK: Record<FindingSeverity, number> = { critical: 0, warning: 1, info: 2 };
const LOG_EVERY_MS = 60_000;

export function createAdvisor(storage: Storage, options?: AdvisorOptions): Advisor {
  const thresholds = resolveThresholds(options);
  const lastLog = new Map<string, number>();
  const logFailure = (rule: string, service: string, error: unknown): void => {
    const now = Date.now();
    if (now - (lastLog.get(rule) ?? 0) < LOG_EVERY_MS) return;
    lastLog.set(rule, now);
    const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
    console.error(`headroom: ${errors.advisorRule.code} ${errors.advisorRule.message} (rule ${rule}, service ${quoteForLog(service)}): ${reason}`);
  };

  return {
    thresholds,
    findings(q) {
      const asked = { from: Math.max(q.from, q.to - thresholds.windowMs), to: q.to };
      const window = wholeMinutes(asked);
      // The services summary is the costliest read: only when a rule needs it, once per call.
      let summaries: ServiceSummary[] | null = null;
      const summariesOnce = (): ServiceSummary[] => (summaries ??= storage.services(window).services);
      const names = q.service !== undefined ? [q.service] : summariesOnce().map((s) => s.service);
      const out: Finding[] = [];
      for (const service of names) {
        let transactions: TransactionSummary[] | null = null;
        let stalls: StallTally[] | null = null;
        const ctx: ServiceContext = {
          service,
          window,
          asked,
          storage,
          thresholds,
          summary: () => summariesOnce().find((s) => s.service === service) ?? null,
          transactions: () => (transactions ??= storage.transactions({ service, ...window }).transactions),
          stalls: () => (stalls ??= storage.stallTally({ service, ...window })),
          instances: storage.instances({ service, ...window }).instances,
        };
        for (const { name, rule } of RULES) {
          // One rule failing (odd data from an app) must not hide the others' findings.
          try {
            out.push(...rule(ctx));
          } catch (error) {
            logFailure(name, service, error);
          }
        }
      }
      out.sort((a, b) => RANK[a.severity] - RANK[b.severity] || a.service.localeCompare(b.service) || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
      return { from: q.from, to: q.to, findings: out };
    },
  };
}
