// The overview is sorted by what needs attention: each service gets a score from its worst
// signal (errors, Apdex, a busy event loop, queueing in front of it), each scaled so that 1
// is "someone should look", plus the reasons in words. Queue wait is known only for the
// requests that carried a queue-start header: a share over a few of them is still said, but
// ranks the service only as far as those requests are a real part of its traffic.

import type { ServiceSummary } from '@headroom/collector/api-types';
import { formatApdex, formatPercent } from '../format/units';
import { queueWaitCoverage } from './queue-wait-coverage';

export interface Attention {
  score: number;
  reasons: string[];
}

interface Signal {
  score: number;
  reason: string;
  /** Said even when its score is low (a fact about part of the traffic). */
  notable?: boolean;
}

/** The share of requests a queue-wait share must cover to rank the service fully. */
const QUEUE_WAIT_FULL_COVERAGE = 0.5;

export function attentionOf(s: ServiceSummary): Attention {
  const signals: Signal[] = [];
  if (s.requests > 0) signals.push({ score: s.errorRate / 0.05, reason: `errors ${formatPercent(s.errorRate)}` });
  if (s.apdex !== null) signals.push({ score: (1 - s.apdex) / 0.25, reason: `Apdex ${formatApdex(s.apdex)}` });
  if (s.eventLoopUtilization !== null) {
    signals.push({ score: s.eventLoopUtilization / 0.8, reason: `event loop busy ${formatPercent(s.eventLoopUtilization, 0)}` });
  }
  if (s.queueWaitShare !== null) {
    const coverage = queueWaitCoverage(s);
    const reason = `queue wait ${formatPercent(s.queueWaitShare, 0)} of response time${coverage ? ` · in the ${coverage}` : ''}`;
    const score = s.queueWaitShare / 0.25;
    const covered = s.queueWaitRequests !== undefined && s.requests > 0 ? s.queueWaitRequests / s.requests : 1;
    signals.push({ score: score * Math.min(1, covered / QUEUE_WAIT_FULL_COVERAGE), reason, notable: score >= 0.75 });
  }
  const score = Math.max(0, ...signals.map((x) => x.score));
  const reasons = signals
    .filter((x) => x.score >= 0.75 || x.notable === true)
    .sort((a, b) => b.score - a.score)
    .map((x) => x.reason);
  return { score, reasons };
}

/** Worst first; ties (e.g. all healthy) by traffic, then name. */
export function sortByAttention(services: ServiceSummary[]): { summary: ServiceSummary; attention: Attention }[] {
  return services
    .map((summary) => ({ summary, attention: attentionOf(summary) }))
    .sort((a, b) => {
      const aa = a.attention.score >= 1 ? a.attention.score : 0;
      const bb = b.attention.score >= 1 ? b.attention.score : 0;
      if (aa !== bb) return bb - aa;
      if (a.summary.throughputRpm !== b.summary.throughputRpm) return b.summary.throughputRpm - a.summary.throughputRpm;
      return a.summary.service.localeCompare(b.summary.service);
    });
}
