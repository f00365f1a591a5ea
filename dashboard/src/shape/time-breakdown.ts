// A time breakdown (GET /api/services/:service/time-breakdown) as bar segments and one line of
// words: "database (postgresql) 92 % · external 0 % · app 8 % — from 12 traces", with the wait
// for a pooled connection beside the database when the route checks connections out:
// "database (postgresql) 18 % · pool wait (postgresql) 81 % · …".
import type { TimeBreakdownResponse } from '@headroom/collector/api-types';
import { formatPercent } from '../format/units';

export interface BreakdownSegment {
  kind: 'database' | 'pool' | 'external' | 'app';
  /** The system or peer for downstream segments (a pool's: its database system), "app" for the app's own time. */
  name: string;
  share: number;
  ms: number;
  /** Width in the bar, 0..1; the widths add up to 1 (see breakdownSegments). */
  width: number;
}

/** A segment's kind in words, for its tooltip. */
export const SEGMENT_WORDS: Record<BreakdownSegment['kind'], string> = { database: 'database', pool: 'pool wait', external: 'external', app: 'app' };

/**
 * One segment per database system, pool wait (by system) and external peer, then the app. A
 * system's share is its part of the database time (systems may overlap one another: their own
 * unions are scaled to the database union), and when a query and an HTTP call ran at the same time the shares add
 * up to more than 1: the widths are scaled to fill the bar exactly.
 */
export function breakdownSegments(b: TimeBreakdownResponse): BreakdownSegment[] {
  if (b.traces === 0 || b.totalMs <= 0) return [];
  const parts = (kind: 'database' | 'pool' | 'external', list: TimeBreakdownResponse['databases'], unionMs: number): BreakdownSegment[] => {
    const sum = list.reduce((s, d) => s + d.totalMs, 0);
    return list.map((d) => {
      const ms = sum > 0 ? (d.totalMs / sum) * unionMs : 0;
      return { kind, name: d.name, ms, share: ms / b.totalMs, width: 0 };
    });
  };
  const segments = [
    ...parts('database', b.databases, b.databaseMs),
    ...parts('pool', b.pools, b.poolWaitMs),
    ...parts('external', b.externals, b.externalMs),
    { kind: 'app' as const, name: 'app', ms: b.appMs, share: b.appShare, width: 0 },
  ].filter((s) => s.ms > 0);
  const total = segments.reduce((s, x) => s + x.share, 0);
  for (const s of segments) s.width = total > 0 ? s.share / total : 0;
  return segments;
}

/** The line under the bar. */
export function breakdownText(b: TimeBreakdownResponse): string {
  if (b.traces === 0) return 'No traces of this route were kept in this range.';
  const names = (list: TimeBreakdownResponse['databases']): string => (list.length > 0 ? ` (${list.map((d) => d.name).join(', ')})` : '');
  const from = `from ${b.traces} ${b.traces === 1 ? 'trace' : 'traces'}${b.traces >= b.traceLimit ? ` (the newest ${b.traceLimit})` : ''}`;
  const pool = b.pools.length > 0 ? ` · pool wait${names(b.pools)} ${formatPercent(b.poolWaitShare, 0)}` : '';
  return `database${names(b.databases)} ${formatPercent(b.databaseShare, 0)}${pool} · external${names(b.externals)} ${formatPercent(b.externalShare, 0)} · app ${formatPercent(b.appShare, 0)} — ${from}`;
}
