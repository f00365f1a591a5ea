// Instances in words (collector/src/store/instance-names.ts: one rule with the advisor's and the
// alerts' names), and whether a process is gone (silent at the end of the range).

import type { InstanceView } from '@headroom/collector/api-types';

export { instanceLabel, instanceNames } from '../../../collector/src/store/instance-names';

/** Agents export metrics every few seconds: two silent minutes at the end of a range means gone. */
export const GONE_AFTER_MS = 120_000;

export function isGone(i: InstanceView, rangeTo: number): boolean {
  return i.lastSeen < rangeTo - GONE_AFTER_MS;
}
