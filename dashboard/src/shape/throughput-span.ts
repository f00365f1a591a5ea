// What a service's throughput averages over. The collector divides the range's requests by the
// time the service reported in it (ServiceSummary.reportedMs), not by the whole range: a
// service started an hour ago reads its rate over that hour on a 7-day range, not a week's
// average of 8.6 rpm beside a chart at 3,400 rpm. When that time is shorter than the range,
// the figure says so.
import type { ServiceSummary, TimeRange } from '@headroom/collector/api-types';
import { formatAge } from '../format/units';

/** "per minute of the 41 min it reported in this range"; null when it reported through all of it (or an older collector sent no span). */
export function throughputNote(s: Pick<ServiceSummary, 'reportedMs'>, range: TimeRange): string | null {
  if (s.reportedMs === undefined || s.reportedMs >= range.to - range.from) return null;
  return `per minute of the ${formatAge(s.reportedMs)} it reported in this range`;
}
