// The per-interval request aggregate every rollup row holds (minute or hour; one route and
// instance, or a whole service), and how rows merge. Backend-independent.
import type { RequestPoint, RouteSumMetric } from '../model';
import { LatencySketch } from './latency-sketch';

export interface RequestRollup {
  count: number;
  errors: number;
  /** Sum, min and max of request durations, ms. */
  durSum: number;
  durMin: number | null;
  durMax: number | null;
  sketch: LatencySketch;
  /**
   * The failed requests' durations alone (a subset of `sketch`): Apdex counts a failed
   * request as frustrated however fast it was, so its satisfied and tolerating counts are
   * taken out of the whole sketch's. Empty when the interval had no errors.
   */
  errSketch: LatencySketch;
  /** Queue wait, body read, response write (ms) and body sizes (bytes): sums and counts. */
  qwCount: number;
  qwSum: number;
  brCount: number;
  brSum: number;
  rwCount: number;
  rwSum: number;
  reqbCount: number;
  reqbSum: number;
  respbCount: number;
  respbSum: number;
}

export function emptyRollup(): RequestRollup {
  return {
    count: 0,
    errors: 0,
    durSum: 0,
    durMin: null,
    durMax: null,
    sketch: new LatencySketch(),
    errSketch: new LatencySketch(),
    qwCount: 0,
    qwSum: 0,
    brCount: 0,
    brSum: 0,
    rwCount: 0,
    rwSum: 0,
    reqbCount: 0,
    reqbSum: 0,
    respbCount: 0,
    respbSum: 0,
  };
}

function finite(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

/** A request point turned into rollup terms once, then added to every rollup level. */
export function pointRollup(p: RequestPoint): RequestRollup | null {
  const count = finite(p.count);
  if (count === 0) return null;
  const minMs = p.minSeconds !== null && Number.isFinite(p.minSeconds) ? Math.max(0, p.minSeconds * 1000) : null;
  const maxMs = p.maxSeconds !== null && Number.isFinite(p.maxSeconds) ? Math.max(0, p.maxSeconds * 1000) : null;
  const row = emptyRollup();
  row.count = count;
  if (p.error) row.errors = count;
  row.durSum = finite(p.sumSeconds) * 1000;
  row.durMin = minMs;
  row.durMax = maxMs;
  row.sketch.addDistribution(p.distribution, minMs, maxMs);
  // The agent's histograms are split by status, so a point is all errors or none.
  if (p.error) row.errSketch.merge(row.sketch);
  return row;
}

export function addRequestPoint(row: RequestRollup, p: RequestPoint): void {
  const point = pointRollup(p);
  if (point) mergeRollup(row, point);
}

/** Route sums: times arrive in seconds and are kept in ms; sizes stay bytes. */
export function addRouteSum(row: RequestRollup, metric: RouteSumMetric, count: number, sum: number): void {
  const c = finite(count);
  if (c === 0) return;
  switch (metric) {
    case 'queue_wait':
      row.qwCount += c;
      row.qwSum += finite(sum) * 1000;
      break;
    case 'body_read':
      row.brCount += c;
      row.brSum += finite(sum) * 1000;
      break;
    case 'response_write':
      row.rwCount += c;
      row.rwSum += finite(sum) * 1000;
      break;
    case 'request_bytes':
      row.reqbCount += c;
      row.reqbSum += finite(sum);
      break;
    case 'response_bytes':
      row.respbCount += c;
      row.respbSum += finite(sum);
      break;
  }
}

/** Adds `from` into `into` (the sketch too). */
export function mergeRollup(into: RequestRollup, from: RequestRollup): void {
  into.count += from.count;
  into.errors += from.errors;
  into.durSum += from.durSum;
  into.durMin = minOf(into.durMin, from.durMin);
  into.durMax = maxOf(into.durMax, from.durMax);
  into.sketch.merge(from.sketch);
  into.errSketch.merge(from.errSketch);
  mergeSums(into, from);
}

/** Adds everything but the sketch and min/max (for rows read from storage, sketch separate). */
export function mergeSums(into: RequestRollup, from: Omit<RequestRollup, 'sketch' | 'errSketch' | 'durMin' | 'durMax' | 'count' | 'errors' | 'durSum'>): void {
  into.qwCount += from.qwCount;
  into.qwSum += from.qwSum;
  into.brCount += from.brCount;
  into.brSum += from.brSum;
  into.rwCount += from.rwCount;
  into.rwSum += from.rwSum;
  into.reqbCount += from.reqbCount;
  into.reqbSum += from.reqbSum;
  into.respbCount += from.respbCount;
  into.respbSum += from.respbSum;
}

export interface Breakdown {
  queueWaitMs: number | null;
  appMs: number | null;
  responseWriteMs: number | null;
  bodyReadMs: number | null;
  /** Body read summed over the requests with a body, divided by all requests: its part of the mean. */
  bodyReadPerRequestMs: number | null;
}

/**
 * Mean time per request in each part. http.server.request.duration runs from the request
 * reaching Node to the end of the response, so it already contains the body read (the agent
 * measures it from the same start to the body's last byte) and the response write:
 * app = mean duration − body read per request − mean response write; queue wait happened
 * before it and is added in front. The body-read part is summed over the requests that had a
 * body and divided by every request (a request without a body spent no time reading one), from
 * the same rollup rows as the duration, so the three parts add up to the mean duration. Queue
 * wait, response write and `bodyReadMs` are means over the requests that measured them.
 */
export function breakdown(row: RequestRollup): Breakdown {
  const meanDur = row.count > 0 ? row.durSum / row.count : null;
  const rw = row.rwCount > 0 ? row.rwSum / row.rwCount : null;
  const brPerRequest = row.count > 0 && row.brCount > 0 ? row.brSum / row.count : null;
  return {
    queueWaitMs: row.qwCount > 0 ? row.qwSum / row.qwCount : null,
    appMs: meanDur === null ? null : Math.max(0, meanDur - (rw ?? 0) - (brPerRequest ?? 0)),
    responseWriteMs: rw,
    bodyReadMs: row.brCount > 0 ? row.brSum / row.brCount : null,
    bodyReadPerRequestMs: brPerRequest,
  };
}

/** Percentile (ms) clamped to the observed min/max, which are exact. */
export function percentile(row: RequestRollup, q: number): number | null {
  const v = row.sketch.quantile(q);
  if (v === null) return null;
  let out = v;
  if (row.durMin !== null && out < row.durMin) out = row.durMin;
  if (row.durMax !== null && out > row.durMax) out = row.durMax;
  return out;
}

/**
 * Apdex with threshold T (Apdex Alliance spec; New Relic alike): a request is satisfied at
 * ≤ T, tolerating at ≤ 4T, frustrated above 4T or when it failed, whatever its duration;
 * (satisfied + tolerating / 2) / all requests. Counted from the sketches' ranks: the failed
 * requests' own sketch is taken out of the whole one's satisfied and tolerating counts (a
 * minute of fast 503s is not satisfied). Queue wait before the app is not in these durations
 * (the sketch holds http.server.request.duration, measured from the request reaching Node).
 * Rows stored before errSketch existed count their errors by duration, as Apdex did then.
 */
export function apdex(row: RequestRollup, tMs: number): number | null {
  const total = row.sketch.count;
  if (!(total > 0)) return null;
  const atT = row.sketch.countAtOrBelow(tMs);
  const at4T = row.sketch.countAtOrBelow(4 * tMs);
  const errAtT = row.errSketch.countAtOrBelow(tMs);
  const errAt4T = row.errSketch.countAtOrBelow(4 * tMs);
  const satisfied = Math.max(0, atT - errAtT);
  const tolerating = Math.max(0, at4T - errAt4T - satisfied);
  return Math.min(1, Math.max(0, (satisfied + tolerating / 2) / total));
}
