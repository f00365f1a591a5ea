// The single-measure service charts: throughput, error rate, Apdex. One function per kind.
// Each shades the spans where an agent dropped telemetry: a dip there is missing data.

import type { ServiceSeriesResponse } from '@headroom/collector/api-types';
import { fillingBucketRates } from '../shape/filling-bucket';
import { telemetryGaps } from '../shape/telemetry-gaps';
import { COLORS, type ChartSpec, type Marker } from './chart-spec';

/** `now`: the bucket still filling then is read over the time gone by (shape/filling-bucket.ts). */
export function throughputChart(s: ServiceSeriesResponse, markers: Marker[] = [], now = Date.now()): ChartSpec {
  return {
    key: 'throughput',
    title: 'Throughput',
    unit: 'rpm',
    x: s.t,
    series: [{ label: 'requests/min', values: fillingBucketRates(s.t, s.throughputRpm, s.bucketMs, now), color: COLORS.throughput, style: 'area' }],
    markers,
    gaps: telemetryGaps(s.dropped, s.bucketMs),
    total: s.throughputRpm.reduce<number>((sum, v) => sum + (v ?? 0), 0),
  };
}

export function errorRateChart(s: ServiceSeriesResponse, markers: Marker[] = []): ChartSpec {
  return {
    key: 'error-rate',
    title: 'Error rate',
    unit: 'percent',
    x: s.t,
    series: [{ label: 'errors', values: s.errorRate, color: COLORS.errors, style: 'area' }],
    markers,
    gaps: telemetryGaps(s.dropped, s.bucketMs),
  };
}

export function apdexChart(s: ServiceSeriesResponse, apdexTMs: number | null, markers: Marker[] = []): ChartSpec {
  return {
    key: 'apdex',
    title: apdexTMs !== null ? `Apdex (T = ${apdexTMs} ms)` : 'Apdex',
    unit: 'apdex',
    x: s.t,
    series: [{ label: 'Apdex', values: s.apdex, color: COLORS.apdex, style: 'line', width: 2 }],
    yRange: [0, 1],
    markers,
    gaps: telemetryGaps(s.dropped, s.bucketMs),
  };
}
