// The state machine of one rule, as a pure function: ok → pending → firing → resolved → ok.
// pending holds until the condition has been true for the rule's for-duration (a for of 0
// fires at once); a false condition sends pending back to ok and firing to resolved, and a
// resolved rule shows as such for one evaluation before it is ok again.
import type { AlertRule, AlertStateName, AlertStateView, AlertTransition } from '../api-types';
import { formatAlertDuration, formatAlertValue } from './alert-units';

export interface Evaluation {
  next: AlertStateView;
  transition: Omit<AlertTransition, 'id'> | null;
}

const SERIES_WORDS: Record<AlertRule['series'], string> = {
  'latency.p50': 'p50 latency',
  'latency.p95': 'p95 latency',
  'latency.p99': 'p99 latency',
  error_rate: 'error rate',
  throughput: 'throughput',
  apdex: 'Apdex',
  queue_wait: 'queue wait',
  'eventloop.delay.p99': 'event-loop delay p99',
  'eventloop.utilization': 'event-loop utilisation',
  'heap.used_ratio': 'heap used / limit',
  'memory.rss': 'RSS',
  inflight: 'requests in flight',
  'stall.count': 'event-loop stalls',
  'restart.count': 'restarts',
  'crash.count': 'crashed processes',
  'advisor.finding': 'advisor findings',
};

export function seriesWords(series: AlertRule['series']): string {
  return SERIES_WORDS[series];
}

export function formatValue(series: AlertRule['series'], value: number): string {
  return formatAlertValue(series, value);
}

export function compare(value: number, comparison: AlertRule['comparison'], threshold: number): boolean {
  switch (comparison) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
  }
}

const formatWindow = formatAlertDuration;

/**
 * The condition in words, with the series' unit. `instance` names the process whose value it
 * is, for a process series over every instance (the worst one: the one that fired).
 */
export function describeCondition(
  rule: Pick<AlertRule, 'series' | 'comparison' | 'threshold' | 'windowMs' | 'findingKind'>,
  value: number | null,
  instance?: string,
): string {
  const over = `over ${formatWindow(rule.windowMs)}`;
  if (value === null) return `no data ${over}`;
  if (rule.series === 'advisor.finding') {
    return `${value} advisor finding${value === 1 ? '' : 's'}${rule.findingKind !== null ? ` of kind ${rule.findingKind}` : ''}`;
  }
  const where = instance !== undefined ? ` in ${instance}` : '';
  return `${seriesWords(rule.series)} ${formatValue(rule.series, value)}${where} ${over} (threshold ${rule.comparison} ${formatValue(rule.series, rule.threshold)})`;
}

/**
 * An evaluation whose value is not to be judged (an incomplete window, a percentile from too
 * few requests): the value is noted with the reason, the state kept — a pending rule does not
 * ripen and a firing one does not resolve on it.
 */
export function keep(prev: AlertStateView, value: number | null, now: number, reason: string, instance?: string): Evaluation {
  const { instance: _was, ...rest } = prev;
  return { next: { ...rest, value, lastEvaluatedAt: now, keptReason: `${reason}: state kept`, ...(instance !== undefined && { instance }) }, transition: null };
}

/** One evaluation: the state after seeing `value` at `now`, and the transition if the state changed. */
/** `instance`: the process the value is from, for a process series over every instance (see describeCondition). */
export function evaluate(prev: AlertStateView, rule: AlertRule, value: number | null, now: number, instance?: string): Evaluation {
  let condition: boolean | null;
  if (value === null) condition = rule.noData === 'ok' ? false : rule.noData === 'alerting' ? true : null;
  else condition = compare(value, rule.comparison, rule.threshold);

  const { keptReason: _judged, instance: _was, ...rest } = prev;
  const next: AlertStateView = { ...rest, value, lastEvaluatedAt: now, ...(instance !== undefined && { instance }) };
  // noData = keep: nothing known, nothing changes (a pending rule does not ripen on no data).
  if (condition === null) return { next, transition: null };

  let to: AlertStateName = prev.state;
  let why = describeCondition(rule, value, instance);
  if (condition) {
    if (prev.state === 'ok' || prev.state === 'resolved') {
      next.activeSince = now;
      to = rule.forMs === 0 ? 'firing' : 'pending';
    } else if (prev.state === 'pending' && now - (prev.activeSince ?? now) >= rule.forMs) {
      to = 'firing';
      why += ` for ${formatWindow(Math.max(1000, rule.forMs))}`;
    }
    if (to === 'firing' && prev.state !== 'firing') next.firingSince = now;
  } else {
    if (prev.state === 'pending') to = 'ok';
    else if (prev.state === 'firing') to = 'resolved';
    else if (prev.state === 'resolved') to = 'ok';
    next.activeSince = null;
  }
  if (value === null) why += ` (noData = ${rule.noData})`;
  if (to === prev.state) return { next, transition: null };
  next.state = to;
  next.since = now;
  return {
    next,
    transition: { ruleId: rule.id, service: rule.service, at: now, from: prev.state, to, value, threshold: rule.threshold, reason: why, series: rule.series, cause: null },
  };
}

/** Whether a change of a rule (the same alert) changes what it judges: its condition or the value it reads. */
export function judgesOtherwise(a: AlertRule, b: AlertRule): boolean {
  return a.comparison !== b.comparison || a.threshold !== b.threshold || a.windowMs !== b.windowMs || a.noData !== b.noData || a.findingKind !== b.findingKind;
}

/**
 * The rule was changed so that its notifications carry other labels (its name, series, scope or
 * labels): to a receiver that is another alert, so the one the rule raised is over. Firing
 * becomes resolved and pending ok; the changed rule then starts afresh at the next evaluation
 * (its for-duration counts again, its firing time is its own).
 */
export function endAfterChange(prev: AlertStateView, rule: AlertRule, now: number): Evaluation {
  return endByPerson(prev, rule, now, 'rule changed', 'the rule was changed to other labels (name, series, scope or labels): the alert it raised ends here');
}

/**
 * A person ended the rule's state, not a value: it was changed so that its alert ends, or
 * deleted. Firing becomes resolved, pending ok. `always` records a transition for any state
 * (a deletion is history even for a rule that was ok). No value: none caused it.
 */
export function endByPerson(prev: AlertStateView, rule: AlertRule, now: number, cause: 'rule changed' | 'rule deleted', reason: string, always = false): Evaluation {
  const to: AlertStateName | null = prev.state === 'firing' ? 'resolved' : prev.state === 'pending' || always ? 'ok' : null;
  const next: AlertStateView = { ...prev, activeSince: null };
  if (to === null) return { next, transition: null };
  next.state = to;
  next.since = now;
  return { next, transition: { ruleId: rule.id, service: rule.service, at: now, from: prev.state, to, value: null, threshold: rule.threshold, reason, series: rule.series, cause } };
}
