// The overview's per-service sparkline: throughput as an area, p95 as a line on its own scale.

import type { ServiceSummary } from '@headroom/collector/api-types';
import { fillingBucketRates } from '../shape/filling-bucket';
import { COLORS, type ChartSpec } from './chart-spec';

/** `now`: the bucket still filling then is read over the time gone by (shape/filling-bucket.ts). */
export function sparklineChart(s: ServiceSummary, now = Date.now()): ChartSpec {
  const t = s.sparkline.t;
  // The summary does not say its buckets' size: the step between two of them (one bucket: nothing to rescale).
  const bucketMs = t.length > 1 ? (t[1] as number) - (t[0] as number) : Infinity;
  return {
    key: 'sparkline',
    title: `${s.service} throughput`,
    unit: 'rpm',
    x: t,
    series: [{ label: 'requests/min', values: fillingBucketRates(t, s.sparkline.throughputRpm, bucketMs, now), color: COLORS.throughput, style: 'area', width: 1 }],
  };
}
