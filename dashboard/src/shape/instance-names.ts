// Instances in words (collector/src/store/instance-names.ts: one rule with the advisor's and the
// alerts' names), and whether a process is gone (stopped, or silent at the end of the range).

import type { InstanceStop, InstanceView } from '@headroom/collector/api-types';

export { instanceLabel, instanceNames, shortInstance } from '../../../collector/src/store/instance-names';
export { stopIsCrash } from '../../../collector/src/store/instance-stop';

const NAME_ORDER = new Intl.Collator('en', { numeric: true });

/** Processes in the order people count them, primary, worker 2, worker 10 (the API's is first seen): one order for cards and legends. */
export function compareNames(a: string, b: string): number {
  return NAME_ORDER.compare(a, b);
}

/** Agents export metrics every few seconds: two silent minutes at the end of a range means gone. */
export const GONE_AFTER_MS = 120_000;

function stoppedByEnd(i: InstanceView, rangeTo: number): boolean {
  return i.stopped !== null && i.stopped.at <= rangeTo;
}

/**
 * When a range's processes are judged: its end, or now when it ends later. An alert's link runs
 * to 5 minutes after the alert fired (alerts/dashboard-link.ts): opened at once, every process
 * reporting now had been "silent through the range's last two minutes", all of them in the future.
 */
export function judgedAt(rangeTo: number, now = Date.now()): number {
  return Math.min(rangeTo, now);
}

/** Stopped (its agent's stop event) by the range's end, or silent through its last two minutes (up to now). */
export function isGone(i: InstanceView, rangeTo: number, now = Date.now()): boolean {
  return stoppedByEnd(i, rangeTo) || i.lastSeen < judgedAt(rangeTo, now) - GONE_AFTER_MS;
}

/** The processes that sent their stop event by `rangeTo`: charts fold them away as gone. */
export function stoppedBy(instances: readonly InstanceView[], rangeTo: number): Set<string> {
  return new Set(instances.filter((i) => stoppedByEnd(i, rangeTo)).map((i) => i.instanceId));
}

/** "stopped by SIGTERM", "killed by SIGKILL", "exited (code 3)", "ended", "crashed": the badge of a stopped process. */
export function stopBadge(stop: InstanceStop): string {
  switch (stop.reason) {
    case 'signal': return stop.signal !== null ? `stopped by ${stop.signal}` : 'stopped';
    // A cluster worker its primary reported killed by a signal the primary did not send.
    case 'killed': return stop.signal !== null ? `killed by ${stop.signal}` : 'killed';
    case 'exit': return `exited (code ${stop.exitCode ?? '?'})`;
    case 'natural': return 'ended';
    case 'uncaught_exception': return 'crashed';
    default: return 'stopped';
  }
}
