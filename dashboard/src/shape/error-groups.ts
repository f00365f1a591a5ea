// The Errors page's figures in words and its sparklines' bars: plain functions, tested without a
// browser. Two counts stand apart: failed requests (the request metrics count every one) and the
// failed traces kept (the agent's budget samples them), which are what the groups are made of.

import type { ErrorGroup, ErrorGroupsResponse } from '@headroom/collector/api-types';
import { formatTime } from '../format/units';
import { isMethodOnly, UNMATCHED_SHORT } from './unmatched-route';

/** An exact count with thousands separators: these figures are counted, not estimated. */
export function exactCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function plural(n: number, one: string, many: string): string {
  return `${exactCount(n)} ${n === 1 ? one : many}`;
}

/**
 * "3,120 failed requests; 412 failed traces kept as samples, grouped below in 7 kinds." The groups
 * count sampled traces, not failures: said where their figures are, so a kind's "2" beside 10
 * failed requests is not read as 2 failures.
 */
export function failuresSummary(data: ErrorGroupsResponse): string {
  const requests = plural(data.failedRequests.count, 'failed request', 'failed requests');
  const kept = plural(data.tracesRead, 'failed trace', 'failed traces');
  const kinds = plural(data.totalGroups, 'kind', 'kinds');
  return `${requests}; ${kept} kept as ${data.tracesRead === 1 ? 'a sample' : 'samples'}${data.truncated ? ' (the newest)' : ''}, grouped below in ${kinds}.`;
}

/** A kind's link to its traces: "all 3 sampled traces", the count said as a sample. */
export function kindTracesLinkText(count: number): string {
  return count === 1 ? 'its one sampled trace' : `all ${exactCount(count)} sampled traces`;
}

/** Counted span over the range's past which the whole minutes are worth saying (a minute more on a 15 min range is not). */
const WIDER_SAID = 1.25;

/** Why the two counts differ, and what the groups leave out. */
export function failuresNotes(data: ErrorGroupsResponse, now = Date.now()): string[] {
  const notes = [
    'Failed requests (5xx, or not answered in full) are counted from the request metrics, every request. Traces are sampled: the agent keeps failed traces within a per-second budget, so the groups count kept traces.',
  ];
  // The rollups count whole minutes: over a range of seconds the count is of minutes around it.
  const counted = data.failedRequests;
  if (counted.to - counted.from > WIDER_SAID * (data.to - data.from)) {
    notes.push(`Failed requests are counted over whole minutes, ${formatTime(counted.from, now)} to ${formatTime(counted.to, now)}, wider than this range; the traces are those of the range.`);
  }
  if (data.truncated) {
    notes.push(`The range held more than ${exactCount(data.maxTraces)} failed traces: only the newest ${exactCount(data.maxTraces)} are grouped. Choose a shorter range to group the older ones.`);
  }
  if (data.totalGroups > data.groups.length) notes.push(`The ${exactCount(data.groups.length)} largest of ${exactCount(data.totalGroups)} kinds are listed.`);
  return notes;
}

/** The routes of a group in words, "GET /a (3), GET /b (1) and 2 more routes". */
export function groupRoutesText(g: Pick<ErrorGroup, 'routes' | 'routeCount'>): string {
  const listed = g.routes.map((r) => `${r.route === null ? 'no route' : isMethodOnly(r.route) ? `${r.route}, ${UNMATCHED_SHORT}` : r.route} (${exactCount(r.count)})`).join(', ');
  const more = g.routeCount - g.routes.length;
  return more > 0 ? `${listed} and ${plural(more, 'more route', 'more routes')}` : listed;
}

/** A kind's title: the HTTP status's says that nothing else was recorded. */
export function kindTitle(g: Pick<ErrorGroup, 'kind' | 'httpStatus'>): string {
  return g.httpStatus !== null ? `${g.kind}, no message recorded` : g.kind;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Bars of a sparkline `width` × `height` for the counts (a count above 0 is at least a pixel high). */
export function sparkBars(counts: readonly number[], width: number, height: number): Bar[] {
  const max = Math.max(0, ...counts);
  if (counts.length === 0 || max === 0) return [];
  const step = width / counts.length;
  const bars: Bar[] = [];
  counts.forEach((c, i) => {
    if (c <= 0) return;
    const h = Math.max(1, (c / max) * height);
    bars.push({ x: i * step, y: height - h, width: Math.max(1, step - (step > 3 ? 1 : 0)), height: h });
  });
  return bars;
}

/** The sparkline in words, for a screen reader: its total and its busiest bucket. */
export function sparkText(t: readonly number[], counts: readonly number[], bucketMs: number, now = Date.now()): string {
  let peak = -1;
  counts.forEach((c, i) => {
    if (c > 0 && (peak < 0 || c > (counts[peak] ?? 0))) peak = i;
  });
  const total = counts.reduce((a, b) => a + b, 0);
  if (peak < 0) return 'no kept traces in this range';
  const minutes = Math.round(bucketMs / 60_000);
  const size = minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`;
  return `${plural(total, 'kept trace', 'kept traces')}; most, ${exactCount(counts[peak] ?? 0)}, in the ${size} from ${formatTime(t[peak] ?? 0, now)}`;
}
