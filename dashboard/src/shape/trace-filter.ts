// Whether a trace pushed over the live stream belongs in the list on screen, and where.
// Live trace frames are the notable (slow or failed) traces, so they fit both the default
// "slow and failed" list and the "all traces" one.

import type { TraceSummary } from '@headroom/collector/api-types';
import type { TraceFilters, TraceOrder } from '../state/view-state';

export function traceMatches(t: TraceSummary, service: string, route: string | null, filters: Pick<TraceFilters, 'minDurationMs' | 'errorsOnly'>): boolean {
  if (t.service !== service) return false;
  if (route !== null && t.route !== route) return false;
  if (filters.minDurationMs !== null && t.durationMs < filters.minDurationMs) return false;
  if (filters.errorsOnly && !t.error) return false;
  return true;
}

/**
 * The list with `t` in its place (replacing an earlier copy). Slowest first, a trace faster
 * than the last row shown belongs to a page not loaded yet — unless every page is loaded —
 * so it is left for "Load more" to bring.
 */
export function insertTrace(list: TraceSummary[], t: TraceSummary, order: TraceOrder, complete: boolean): TraceSummary[] {
  const rest = list.filter((x) => x.traceId !== t.traceId);
  if (order === 'start') return [t, ...rest];
  const at = rest.findIndex((x) => x.durationMs < t.durationMs);
  if (at === -1) return complete ? [...rest, t] : rest;
  return [...rest.slice(0, at), t, ...rest.slice(at)];
}
