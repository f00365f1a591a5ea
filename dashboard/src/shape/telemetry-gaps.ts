// Telemetry the agents dropped (the series' `dropped`) → shaded spans on the request charts
// with a plain-text label, so a dip in traffic reads as missing data rather than as traffic.

import type { DroppedTelemetry, InstanceView, TelemetryDropped } from '@headroom/collector/api-types';
import type { ChartGap } from '../charts/chart-spec';

/** Exact counts (12,345, not 12.3 k): they are set against what the agents log. */
function plural(n: number, one: string, many = `${one}s`): string {
  return `${Math.round(n).toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** "201 metric points, 581 spans dropped by 2 instances" — metric points first: they are the charts. */
export function droppedText(d: DroppedTelemetry, instances: number): string {
  const parts = [
    d.metricPoints > 0 ? plural(d.metricPoints, 'metric point') : null,
    d.spans > 0 ? plural(d.spans, 'span') : null,
    d.logs > 0 ? plural(d.logs, 'log record') : null,
  ].filter((p): p is string => p !== null);
  const what = parts.length > 0 ? parts.join(', ') : 'telemetry';
  return `${what} dropped by ${plural(instances, 'instance')}`;
}

/**
 * The incomplete buckets as spans of time: each bucket drawn around its point (its start, where
 * the charts put it) half a bucket either side, neighbours joined. A span's label adds up the
 * gaps that overlap it and counts their instances.
 */
export function telemetryGaps(dropped: TelemetryDropped | undefined, bucketMs: number): ChartGap[] {
  if (!dropped || dropped.buckets.length === 0) return [];
  const spans: { fromMs: number; toMs: number }[] = [];
  for (const b of dropped.buckets) {
    if (b.instances === 0) continue;
    const from = b.t - bucketMs / 2;
    const last = spans[spans.length - 1];
    if (last && from <= last.toMs) last.toMs = b.t + bucketMs / 2;
    else spans.push({ fromMs: from, toMs: b.t + bucketMs / 2 });
  }
  return spans.map((s) => {
    // A gap covers the buckets from its last report before the loss to the one after it.
    const gaps = dropped.gaps.filter((g) => g.toMs >= s.fromMs && g.fromMs < s.toMs);
    const sum: DroppedTelemetry = { spans: 0, metricPoints: 0, logs: 0 };
    for (const g of gaps) {
      sum.spans += g.spans;
      sum.metricPoints += g.metricPoints;
      sum.logs += g.logs;
    }
    const instances = new Set(gaps.map((g) => g.instanceId)).size;
    return { ...s, label: `telemetry incomplete: ${droppedText(sum, Math.max(1, instances))}` };
  });
}

function total(d: DroppedTelemetry): number {
  return d.spans + d.metricPoints + d.logs;
}

function itemsText(d: DroppedTelemetry): string {
  return [plural(d.spans, 'span'), plural(d.metricPoints, 'metric point'), plural(d.logs, 'log record')].join(', ');
}

/** An instance's dropped counts for its card: since its start, and the part within the range. */
export function instanceDroppedText(i: Pick<InstanceView, 'dropped' | 'droppedInRange'>): { text: string; lost: boolean } {
  if (i.dropped === null) return { text: 'not reported (an agent other than Headroom’s, or an older one)', lost: false };
  if (total(i.dropped) === 0) return { text: 'nothing', lost: false };
  const inRange = i.droppedInRange;
  const where = inRange === null || total(inRange) === total(i.dropped) ? 'all in this range' : total(inRange) === 0 ? 'none in this range' : `in this range: ${itemsText(inRange)}`;
  return { text: `${itemsText(i.dropped)} since start (${where})`, lost: true };
}
