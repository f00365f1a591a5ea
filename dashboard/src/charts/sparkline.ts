// The overview's per-service sparkline: throughput as an area, p95 as a line on its own scale.

import type { ServiceSummary } from '@headroom/collector/api-types';
import { COLORS, type ChartSpec } from './chart-spec';

export function sparklineChart(s: ServiceSummary): ChartSpec {
  return {
    key: 'sparkline',
    title: `${s.service} throughput`,
    unit: 'rpm',
    x: s.sparkline.t,
    series: [{ label: 'requests/min', values: s.sparkline.throughputRpm, color: COLORS.throughput, style: 'area', width: 1 }],
  };
}
