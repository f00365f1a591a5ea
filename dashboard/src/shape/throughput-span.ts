// What a service's throughput averages over. The collector divides the range's requests by the
// time the service reported in it (ServiceSummary.reportedMs), not by the whole range: a
// service started an hour ago reads its rate over that hour on a 7-day range, not a week's
// average of 8.6 rpm beside a chart at 3,400 rpm, and one 1.8 minutes old its rate over those
// 1.8 minutes. When that time is shorter than the range, the figure says so.
import type { ServiceSummary, TimeRange } from '@headroom/collector/api-types';
import { formatAge } from '../format/units';

/**
 * A service that reported until within this of the range's end (or of now, for a range still
 * under way) reported through it: its last report is an export interval old, not a gap to name.
 */
const THROUGH_SLACK_MS = 60_000;

/** "1 min 48 s" under 10 minutes, where a floored "1 min" would misstate a young service's time; else "41 min". */
function reportedWords(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 && s < 600 && s % 60 !== 0 ? `${Math.floor(s / 60)} min ${s % 60} s` : formatAge(ms);
}

/** "per minute of the 41 min it reported in this range"; null when it reported through all of it (or an older collector sent no span). */
export function throughputNote(s: Pick<ServiceSummary, 'reportedMs'>, range: TimeRange, now = Date.now()): string | null {
  if (s.reportedMs === undefined || s.reportedMs >= Math.min(range.to, now) - range.from - THROUGH_SLACK_MS) return null;
  return `per minute of the ${reportedWords(s.reportedMs)} it reported in this range`;
}
