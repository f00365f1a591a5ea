// An alert rule's value and threshold in its series' unit: "250 MiB", not "262144000";
// "4.7 %", not "0.047". The collector's notifications say the same
// (collector/src/alerts/alert-units.ts, kept in step).

import type { AlertRule } from '@headroom/collector/api-types';
import { formatApdex, formatBytes, formatCount, formatMs, formatPercent, formatRpm } from './units';

export function formatAlertValue(series: AlertRule['series'], value: number | null): string {
  if (value === null) return 'no data';
  switch (series) {
    case 'latency.p50':
    case 'latency.p95':
    case 'latency.p99':
    case 'queue_wait':
    case 'eventloop.delay.p99':
      return formatMs(value);
    case 'memory.rss':
      return formatBytes(value);
    case 'error_rate':
    case 'eventloop.utilization':
    case 'heap.used_ratio':
      return formatPercent(value, Math.abs(value) < 0.1 ? 2 : 1);
    case 'apdex':
      return formatApdex(value);
    case 'throughput':
      return formatRpm(value);
    case 'inflight':
      return formatCount(value, Math.abs(value) < 10 ? 1 : 0);
    case 'stall.count':
    case 'restart.count':
    case 'advisor.finding':
      return formatCount(value);
  }
}

/** The rule's condition as text: "memory.rss > 250 MiB". */
export function alertCondition(rule: Pick<AlertRule, 'series' | 'comparison' | 'threshold' | 'findingKind'>): string {
  if (rule.series === 'advisor.finding') return `advisor finding${rule.findingKind !== null ? ` ${rule.findingKind}` : ''}`;
  return `${rule.series} ${rule.comparison} ${formatAlertValue(rule.series, rule.threshold)}`;
}
