// A process's times on the Instances page as of the range's end, as its other figures are (RSS,
// heap, utilisation: its latest reading in the range): over a range that ended in the past,
// "Last seen" read a time after it (the process went on reporting) and "Uptime" ran to now.

import type { InstanceView } from '@headroom/collector/api-types';
import { formatAge, formatTime } from '../format/units';
import { isGone } from './instance-names';

export interface Figure {
  label: string;
  text: string;
  /** More about it, for the tooltip. */
  title?: string;
}

/** Its last report in the range; one after the range (it went on reporting) is said so. */
export function lastSeenFigure(i: InstanceView, rangeTo: number): Figure {
  if (i.lastSeen > rangeTo) return { label: 'Last seen', text: "reporting at the range's end", title: `last report ${formatTime(i.lastSeen)}, after this range` };
  return { label: 'Last seen', text: formatTime(i.lastSeen) };
}

/**
 * How long it had been running at the range's end (`now` on a range that moves with the clock,
 * whose end is its last read), or, silent since, how long it ran until its last report. A
 * process that sent its stop event shows when it stopped instead (the page does that).
 */
export function uptimeFigure(i: InstanceView, rangeTo: number, now: number, moving: boolean): Figure {
  if (i.startedAt === null) return { label: 'Uptime', text: '–' };
  if (isGone(i, rangeTo)) return { label: 'Ran for', text: formatAge(i.lastSeen - i.startedAt), title: `from its start at ${formatTime(i.startedAt)} to its last report` };
  const end = moving ? now : Math.min(rangeTo, now);
  // Started again after the range ended (a restart): its uptime then is not known here.
  if (i.startedAt > end) return { label: 'Uptime', text: '–', title: `started again at ${formatTime(i.startedAt)}, after this range` };
  return { label: 'Uptime', text: `${formatAge(end - i.startedAt)}${end < now - 60_000 ? " at the range's end" : ''}` };
}
