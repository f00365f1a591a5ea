// A live aggregate (one service-minute, as it stands after the latest ingest) folded into the
// series on screen, so the live chart extends without a refetch. Only whole-service series
// at minute buckets can take it; anything else refetches instead (merge returns null).

import type { LiveAggregate, ServiceSeriesResponse } from '@headroom/collector/api-types';

const MINUTE = 60_000;

export function canMerge(s: ServiceSeriesResponse, a: LiveAggregate): boolean {
  // The matched routes' series is not the whole service's: refetched, as a route's is.
  return s.service === a.service && s.route === null && s.instanceId === null && !s.matchedRoutes && s.bucketMs === MINUTE;
}

type Column = Exclude<keyof ServiceSeriesResponse, 'from' | 'to' | 'service' | 'route' | 'instanceId' | 'matchedRoutes' | 'bucketMs' | 't'>;
const COLUMNS: Column[] = [
  'requests', 'throughputRpm', 'errorRate', 'p50Ms', 'p95Ms', 'p99Ms', 'apdex',
  'queueWaitMs', 'appMs', 'responseWriteMs', 'bodyReadMs', 'bodyReadPerRequestMs',
];

function valuesFrom(a: LiveAggregate, bucketMs: number): Partial<Record<Column, number | null>> {
  return {
    requests: a.requests,
    throughputRpm: (a.requests * MINUTE) / bucketMs,
    errorRate: a.errorRate,
    p50Ms: a.p50Ms,
    p95Ms: a.p95Ms,
    p99Ms: a.p99Ms,
    queueWaitMs: a.queueWaitMs,
    appMs: a.appMs,
    responseWriteMs: a.responseWriteMs,
    // An older collector's frame lacks it: its appMs still holds the body read, so the part is 0.
    bodyReadPerRequestMs: a.bodyReadPerRequestMs ?? null,
  };
}

/**
 * The series with `a` applied (a new object; the input is not changed), trimmed to start at
 * `windowFrom` for a moving window. Null when the aggregate does not fit this series.
 */
export function mergeAggregate(s: ServiceSeriesResponse, a: LiveAggregate, windowFrom: number, windowTo: number): ServiceSeriesResponse | null {
  if (!canMerge(s, a)) return null;
  const next: ServiceSeriesResponse = { ...s, t: [...s.t], from: windowFrom, to: Math.max(windowTo, s.to) };
  // A column an older collector does not send starts empty rather than failing the merge.
  for (const c of COLUMNS) (next[c] as (number | null)[]) = [...((s[c] as (number | null)[] | undefined) ?? s.t.map(() => null))];
  const values = valuesFrom(a, s.bucketMs);

  let at = next.t.indexOf(a.t);
  if (at < 0) {
    // Insert in time order (usually at the end: a new minute has begun).
    at = next.t.findIndex((t) => t > a.t);
    if (at < 0) at = next.t.length;
    next.t.splice(at, 0, a.t);
    for (const c of COLUMNS) (next[c] as (number | null)[]).splice(at, 0, null);
  }
  for (const c of COLUMNS) {
    const v = values[c];
    if (v !== undefined) (next[c] as (number | null)[])[at] = v;
  }

  // Drop buckets that have scrolled out of the window.
  const keepFrom = next.t.findIndex((t) => t + s.bucketMs > windowFrom);
  const drop = keepFrom < 0 ? next.t.length : keepFrom;
  if (drop > 0) {
    next.t.splice(0, drop);
    for (const c of COLUMNS) (next[c] as (number | null)[]).splice(0, drop);
  }
  return next;
}
