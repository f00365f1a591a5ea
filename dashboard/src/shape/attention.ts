// The overview is sorted by what needs attention: each service gets a score from its worst
// signal (errors, Apdex, a busy event loop, queueing in front of it), each scaled so that 1
// is "someone should look", plus the reasons in words.

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
}

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
    signals.push({ score: s.queueWaitShare / 0.25, reason });
  }
  const score = Math.max(0, ...signals.map((x) => x.score));
  const reasons = signals
    .filter((x) => x.score >= 0.75)
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
