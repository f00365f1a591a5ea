// Whether a trace pushed over the live stream belongs in the list on screen.

import type { TraceSummary } from '@headroom/collector/api-types';
import type { TraceFilters } from '../state/view-state';

export function traceMatches(t: TraceSummary, service: string, route: string | null, filters: TraceFilters): boolean {
  if (t.service !== service) return false;
  if (route !== null && t.route !== route) return false;
  if (filters.minDurationMs !== null && t.durationMs < filters.minDurationMs) return false;
  if (filters.errorsOnly && !t.error) return false;
  return true;
}
