// The generic webhook body: Alertmanager's webhook format, version 4, so receivers written for
// Alertmanager understand it (prometheus.io/docs/alerting/latest/configuration/#webhook_config).
// One rule is one group: groupLabels are its alertname and rule id, and alerts[] holds its alert.
import type { AlertNotification } from './alert-notification';

export interface AlertmanagerAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface AlertmanagerPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerAlert[];
}

/** Alertmanager writes Go's zero time as endsAt of an alert that has not ended. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

function labelSet(labels: Record<string, string>): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(', ')}}`;
}

function common(maps: Record<string, string>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (!first) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first)) if (rest.every((m) => m[k] === v)) out[k] = v;
  return out;
}

export function alertmanagerPayload(receiver: string, alerts: AlertNotification[], externalURL: string): AlertmanagerPayload {
  const firstLabels = alerts[0]?.labels ?? {};
  const groupLabels: Record<string, string> = {};
  for (const k of ['alertname', 'rule_id']) if (firstLabels[k] !== undefined) groupLabels[k] = firstLabels[k];
  return {
    version: '4',
    // Alertmanager's form is `<route matchers>:<group labels>`; Headroom has no routing tree.
    groupKey: `{}:${labelSet(groupLabels)}`,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver,
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL,
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: a.endsAt === null ? ZERO_TIME : new Date(a.endsAt).toISOString(),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
  };
}
