// Request metrics, for every request whatever its trace mode: `http.server.request.duration`
// (OTel semantic conventions; seconds, by method, scheme, route and status) and Headroom's
// queue wait, body read, response write and body sizes (by method and route).
//
// Aggregated here rather than through Histogram instruments, which hash their attributes on
// every record (five records a request); a request costs a map lookup by a string key and
// the bucket updates. Handed to the metric reader as a MetricProducer, exported with the
// SDK's own metrics, as exponential histograms with delta temporality.
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { AggregationTemporality, DataPointType, InstrumentType, type CollectionResult, type MetricData, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { emptyResource } from '@opentelemetry/resources';
import { exponentialHistogramAggregator, type HistogramAccumulation, type HistogramDescriptor } from '../export/exponential-histogram';
import { ATTR, HTTP_SCOPE } from '../signals/meter';
import type { RequestFacts } from './request-facts';

export interface RequestMetrics {
  record(facts: RequestFacts, scheme: string): void;
  queueWaitDropped(reason: string): void;
}

/** Latency buckets: at scale 6 (≈0.5 % relative error) 1 ms–60 s needs ~1016. */
const DURATION_MAX_SIZE = 1024;
const OTHER_MAX_SIZE = 160;
/** Series per interval; past it, new routes are recorded without their route (bounded memory). */
export const MAX_SERIES = 2000;

function descriptor(name: string, unit: string, description: string): HistogramDescriptor {
  return { name, unit, description, type: InstrumentType.HISTOGRAM, valueType: ValueType.DOUBLE, advice: {} };
}

const DURATION = descriptor('http.server.request.duration', 's', 'Duration of HTTP server requests');
const ROUTE_METRICS = [
  descriptor('headroom.http.server.queue_wait', 's', 'Time in front of the app, from X-Request-Start / X-Queue-Start'),
  descriptor('headroom.http.server.request_body.duration', 's', 'Time to read the request body'),
  descriptor('headroom.http.server.response_write.duration', 's', "From the handler's end() to the last byte handed to the socket"),
  descriptor('http.server.request.body.size', 'By', 'Size of HTTP server request bodies'),
  descriptor('http.server.response.body.size', 'By', 'Size of HTTP server response bodies'),
] as const;

interface DurationSeries {
  attributes: Attributes;
  duration: HistogramAccumulation;
}

interface RouteSeries {
  attributes: Attributes;
  /** In ROUTE_METRICS order, created on first use. */
  values: (HistogramAccumulation | undefined)[];
}

interface Interval {
  startTime: HrTime;
  durations: Map<string, DurationSeries>;
  routes: Map<string, RouteSeries>;
  /** Queue-start headers not recorded, by reason. */
  queueDropped: Map<string, number>;
}

const QUEUE_DROPPED = {
  name: 'headroom.http.server.queue_wait.dropped',
  unit: '',
  description: 'Queue-start headers not recorded (future, absurd or unreadable values)',
  type: InstrumentType.COUNTER,
  valueType: ValueType.INT,
  advice: {},
};

function newInterval(startTime: HrTime): Interval {
  return { startTime, durations: new Map(), routes: new Map(), queueDropped: new Map() };
}

export class RequestMetricsProducer implements RequestMetrics, MetricProducer {
  private readonly durationAggregator = exponentialHistogramAggregator(DURATION_MAX_SIZE);
  private readonly otherAggregator = exponentialHistogramAggregator(OTHER_MAX_SIZE);
  private interval: Interval = newInterval(hrTime());

  record(facts: RequestFacts, scheme: string): void {
    const { durations, routes, startTime } = this.interval;
    let route = facts.route;
    let routeKey = route === undefined ? facts.method : `${facts.method} ${route}`;
    if (route !== undefined && !routes.has(routeKey) && durations.size + routes.size >= MAX_SERIES) {
      route = undefined;
      routeKey = facts.method;
    }
    const durationKey = `${routeKey}\u0000${facts.status}\u0000${scheme}`;
    let series = durations.get(durationKey);
    if (!series) {
      const attributes: Attributes = { [ATTR.method]: facts.method, 'url.scheme': scheme, 'http.response.status_code': facts.status };
      if (route !== undefined) attributes[ATTR.route] = route;
      if (facts.status >= 500) attributes['error.type'] = String(facts.status);
      series = { attributes, duration: this.durationAggregator.createAccumulation(startTime) };
      durations.set(durationKey, series);
    }
    series.duration.record(facts.durationMs / 1e3);

    const values = [
      facts.queueWaitMs === null ? null : facts.queueWaitMs / 1e3,
      facts.bodyReadMs === null ? null : facts.bodyReadMs / 1e3,
      facts.responseWriteMs === null ? null : facts.responseWriteMs / 1e3,
      facts.inBytes,
      facts.outBytes,
    ];
    let perRoute = routes.get(routeKey);
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (value === null || value === undefined) continue;
      if (!perRoute) {
        const attributes: Attributes = { [ATTR.method]: facts.method };
        if (route !== undefined) attributes[ATTR.route] = route;
        perRoute = { attributes, values: [] };
        routes.set(routeKey, perRoute);
      }
      const acc = (perRoute.values[i] ??= this.otherAggregator.createAccumulation(startTime));
      acc.record(value);
    }
  }

  queueWaitDropped(reason: string): void {
    const dropped = this.interval.queueDropped;
    dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
  }

  collect(): Promise<CollectionResult> {
    const done = this.interval;
    const endTime = hrTime();
    this.interval = newInterval(endTime);
    const metrics: MetricData[] = [];
    if (done.durations.size > 0) {
      const entries = [...done.durations.values()].map((s): [Attributes, HistogramAccumulation] => [s.attributes, s.duration]);
      const data = this.durationAggregator.toMetricData(DURATION, AggregationTemporality.DELTA, entries, endTime);
      if (data) metrics.push(data);
    }
    ROUTE_METRICS.forEach((desc, i) => {
      const entries: [Attributes, HistogramAccumulation][] = [];
      for (const s of done.routes.values()) {
        const acc = s.values[i];
        if (acc) entries.push([s.attributes, acc]);
      }
      if (entries.length === 0) return;
      const data = this.otherAggregator.toMetricData(desc, AggregationTemporality.DELTA, entries, endTime);
      if (data) metrics.push(data);
    });
    if (done.queueDropped.size > 0) {
      metrics.push({
        descriptor: QUEUE_DROPPED,
        aggregationTemporality: AggregationTemporality.DELTA,
        dataPointType: DataPointType.SUM,
        isMonotonic: true,
        dataPoints: [...done.queueDropped].map(([reason, count]) => ({ attributes: { reason }, startTime: done.startTime, endTime, value: count })),
      });
    }
    return Promise.resolve({
      resourceMetrics: { resource: emptyResource(), scopeMetrics: metrics.length > 0 ? [{ scope: { name: HTTP_SCOPE }, metrics }] : [] },
      errors: [],
    });
  }
}
