// Where a request's time goes, stacked: queue wait (in front of the app) / app / response
// write (a slow client), with the p50/p95/p99 response-time lines over it.

import type { ServiceSeriesResponse } from '@headroom/collector/api-types';
import { stackParts } from '../shape/stack';
import { COLORS, withAlpha, type ChartSpec, type Marker } from './chart-spec';

export function responseTimeChart(s: ServiceSeriesResponse, markers: Marker[] = []): ChartSpec {
  const parts = [s.queueWaitMs, s.appMs, s.responseWriteMs];
  const [queue, app, write] = stackParts(parts);
  return {
    key: 'response-time',
    title: 'Response time',
    unit: 'ms',
    x: s.t,
    series: [
      { label: 'queue wait (mean)', values: queue ?? [], legendValues: s.queueWaitMs, color: COLORS.queue, style: 'area' },
      { label: 'app (mean)', values: app ?? [], legendValues: s.appMs, color: COLORS.app, style: 'area' },
      { label: 'response write (mean)', values: write ?? [], legendValues: s.responseWriteMs, color: COLORS.write, style: 'area' },
      { label: 'p50', values: s.p50Ms, color: COLORS.p50, style: 'line', width: 1.5 },
      { label: 'p95', values: s.p95Ms, color: COLORS.p95, style: 'line', width: 1.5, dash: [6, 3] },
      { label: 'p99', values: s.p99Ms, color: COLORS.p99, style: 'line', width: 1.5, dash: [2, 3] },
    ],
    // Series 0 fills down to the axis itself; each band fills between a sum and the one below.
    bands: [
      { upper: 1, lower: 0, color: withAlpha(COLORS.app, 0.35) },
      { upper: 2, lower: 1, color: withAlpha(COLORS.write, 0.35) },
    ],
    markers,
  };
}
