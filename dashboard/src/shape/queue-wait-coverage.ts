// queueWaitShare is computed only over the requests that carried a queue-start header
// (docs/api.md): where only some did, the dashboard says which, so "99 %" is not read as
// holding for every request.

import type { ServiceSummary } from '@headroom/collector/api-types';

// Whole counts with separators ("1,503 of 123,875"), not "123.9 k": the point is the ratio.
const exact = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * "1,503 of 123,875 requests with a queue-start header", or null when the share covers every
 * request, there is no share, or an older collector did not say (no queueWaitRequests).
 */
export function queueWaitCoverage(s: Pick<ServiceSummary, 'requests' | 'queueWaitShare' | 'queueWaitRequests'>): string | null {
  if (s.queueWaitShare === null || s.queueWaitRequests === undefined) return null;
  if (s.queueWaitRequests >= s.requests) return null;
  return `${exact.format(s.queueWaitRequests)} of ${exact.format(s.requests)} requests with a queue-start header`;
}
