// What one notification says about one rule, before it is shaped for a destination type:
// the labels that identify the alert, the annotations that explain it, and its times.
import { createHash } from 'node:crypto';
import type { AlertRule, AlertStateView } from '../../api-types';
import { absoluteLink, seriesLink } from '../dashboard-link';
import { describeCondition } from '../rule-state';

export interface AlertNotification {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: number;
  /** null while firing. */
  endsAt: number | null;
  generatorURL: string;
  fingerprint: string;
  /**
   * The rule's summary without the status word ("Slow checkout: p95 …"), for a channel that
   * shows the status beside it (Slack's RESOLVED); a summary the rule sets itself is kept.
   */
  headline: string;
}

export function ruleLabels(rule: AlertRule): Record<string, string> {
  const labels: Record<string, string> = { alertname: rule.name, rule_id: rule.id, service: rule.service, series: rule.series };
  if (rule.route !== null) labels.route = rule.route;
  if (rule.instanceId !== null) labels.instance = rule.instanceId;
  return { ...rule.labels, ...labels };
}

/** Alertmanager's fingerprint is a 64-bit hash of the sorted label set, as 16 hex digits. */
export function fingerprint(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k] ?? ''}`)
    .join('\u0001');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/**
 * Whether two versions of a rule raise the same alert as a receiver sees it: the same label
 * set, so the same fingerprint (Alertmanager pairs a resolve with its firing by its labels).
 */
export function sameAlert(a: AlertRule, b: AlertRule): boolean {
  return fingerprint(ruleLabels(a)) === fingerprint(ruleLabels(b));
}

/** Why a resolve was sent when no value ended the alert: a person deleted or changed its rule. */
export type EndedBy = 'rule deleted' | 'rule changed';

/**
 * `endedBy`: the resolve of an alert a person ended (engine.ts endAlert). It says so instead of
 * quoting the last value, which still breached: "Checkout slow resolved: rule deleted".
 * `stated`: the sentence the state's value was stated in when it was stored (a resolve
 * sent after later evaluations: its transition's), in place of one made from the value.
 */
export function buildNotification(rule: AlertRule, state: AlertStateView, status: 'firing' | 'resolved', externalUrl: string, now: number, endedBy?: EndedBy, stated?: string): AlertNotification {
  const labels = ruleLabels(rule);
  const startsAt = state.firingSince ?? state.activeSince ?? now;
  const endsAt = status === 'resolved' ? (state.state === 'resolved' ? state.since : now) : null;
  const ended = status === 'resolved' && endedBy !== undefined;
  const condition = ended ? endedBy : (stated ?? describeCondition(rule, state.value, state.instance));
  const headline = `${rule.name}: ${condition}`;
  const annotations: Record<string, string> = {
    summary: status === 'firing' ? headline : `${rule.name} resolved: ${condition}`,
    description: `${rule.service}${rule.route !== null ? ` ${rule.route}` : ''}${rule.instanceId !== null ? ` (instance ${rule.instanceId})` : ''}: ${condition}`,
    ...(state.value !== null && !ended && { value: String(state.value) }),
    ...rule.annotations,
  };
  const range = { from: startsAt - 30 * 60_000, to: (endsAt ?? now) + 5 * 60_000 };
  return {
    status,
    labels,
    annotations,
    startsAt,
    endsAt,
    generatorURL: absoluteLink(externalUrl, seriesLink(rule, range)),
    fingerprint: fingerprint(labels),
    headline: rule.annotations.summary ?? headline,
  };
}
