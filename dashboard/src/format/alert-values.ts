// An alert rule's value and threshold in its series' unit: "250 MiB", not "262144000";
// "4.7 %", not "0.047" — in the words of the collector's notifications
// (collector/src/alerts/alert-units.ts, dependency-free, imported here).

import type { AlertRule } from '@headroom/collector/api-types';
import { formatAlertValue as formatInUnit } from '../../../collector/src/alerts/alert-units';

export { formatAlertDuration } from '../../../collector/src/alerts/alert-units';

export function formatAlertValue(series: AlertRule['series'], value: number | null): string {
  return value === null ? 'no data' : formatInUnit(series, value);
}

/** The rule's condition as text: "memory.rss > 250 MiB". */
export function alertCondition(rule: Pick<AlertRule, 'series' | 'comparison' | 'threshold' | 'findingKind'>): string {
  if (rule.series === 'advisor.finding') return `advisor finding${rule.findingKind !== null ? ` ${rule.findingKind}` : ''}`;
  return `${rule.series} ${rule.comparison} ${formatAlertValue(rule.series, rule.threshold)}`;
}
