// Where a request's time goes, stacked: body read (a slow upload) / app / response write (a
// slow reader), each part's share of the mean over every request, so the stack is the mean
// response time; with queue wait (in front of the app) and the p50/p95/p99 lines over it.
// Body read is its own part, not hidden in the app's: a 3.2 s trickled upload is the client's
// time, not the handler's.
//
// Queue wait is a line of its own, on its own scale (right axis), not a layer under the app time: its mean is over only the
// requests that carried a queue-start header (docs/api.md), which may be a few of them, so
// stacking it on every request's time would draw a response time no request had.

import type { ServiceSeriesResponse } from '@headroom/collector/api-types';
import { trustedPercentiles } from '../shape/percentile-sample';
import { stackParts } from '../shape/stack';
import { telemetryGaps } from '../shape/telemetry-gaps';
import { COLORS, withAlpha, type ChartSpec, type Marker } from './chart-spec';

export function responseTimeChart(s: ServiceSeriesResponse, markers: Marker[] = []): ChartSpec {
  // Older collectors send no per-request body read (their appMs still contains it).
  const bodyRead = s.bodyReadPerRequestMs ?? s.t.map(() => null);
  const [read, app, write] = stackParts([bodyRead, s.appMs, s.responseWriteMs]);
  return {
    key: 'response-time',
    title: 'Response time',
    unit: 'ms',
    x: s.t,
    series: [
      { label: 'body read (mean)', values: read ?? [], legendValues: bodyRead, color: COLORS.read, style: 'area' },
      { label: 'app (mean)', values: app ?? [], legendValues: s.appMs, color: COLORS.app, style: 'area' },
      { label: 'response write (mean)', values: write ?? [], legendValues: s.responseWriteMs, color: COLORS.write, style: 'area' },
      // Its own scale (right axis) once there is any: one minute of 16.6 s waits behind a
      // saturated proxy must not flatten the app's time and percentiles to 0 (QA3).
      { label: 'queue wait (requests with the header)', values: s.queueWaitMs, color: COLORS.queue, style: 'line', width: 1.5, ownAxis: s.queueWaitMs.some((v) => v !== null) },
      // A bucket's percentile only where it has the requests to mean something (p95 from 20, p99 from 100).
      { label: 'p50', values: trustedPercentiles(s.p50Ms, s.requests, 'p50'), color: COLORS.p50, style: 'line', width: 1.5 },
      { label: 'p95', values: trustedPercentiles(s.p95Ms, s.requests, 'p95'), color: COLORS.p95, style: 'line', width: 1.5, dash: [6, 3] },
      { label: 'p99', values: trustedPercentiles(s.p99Ms, s.requests, 'p99'), color: COLORS.p99, style: 'line', width: 1.5, dash: [2, 3] },
    ],
    // Series 0 fills down to the axis itself; the band fills between the sum and the one below.
    bands: [
      { upper: 1, lower: 0, color: withAlpha(COLORS.app, 0.35) },
      { upper: 2, lower: 1, color: withAlpha(COLORS.write, 0.35) },
    ],
    markers,
    gaps: telemetryGaps(s.dropped, s.bucketMs),
  };
}
