// An events query's type filter: one type or any of several (`GET /api/events?type=start,restart`).

import type { EventQuery } from '../../storage';

/** The condition (with its leading AND) and its parameters; nothing when the query takes every type. */
export function eventTypeFilter(type: EventQuery['type']): { sql: string; params: string[] } {
  if (type === undefined) return { sql: '', params: [] };
  const types: readonly string[] = typeof type === 'string' ? [type] : type;
  return { sql: ` AND type IN (${types.map(() => '?').join(', ')})`, params: [...types] };
}
