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

/** One route and method: its per-route histograms and its duration series by status. */
interface RouteSeries {
  attributes: Attributes;
  /** In ROUTE_METRICS order, created on first use. */
  values: (HistogramAccumulation | undefined)[];
  byStatus: Map<number, DurationSeries>;
}

interface Interval {
  startTime: HrTime;
  /** scheme → route ('' for none) → method: nested maps, so recording builds no key strings. */
  routes: Map<string, Map<string, Map<string, RouteSeries>>>;
  series: number;
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
  return { startTime, routes: new Map(), series: 0, queueDropped: new Map() };
}

export class RequestMetricsProducer implements RequestMetrics, MetricProducer {
  private readonly durationAggregator = exponentialHistogramAggregator(DURATION_MAX_SIZE);
  private readonly otherAggregator = exponentialHistogramAggregator(OTHER_MAX_SIZE);
  private interval: Interval = newInterval(hrTime());

  record(facts: RequestFacts, scheme: string): void {
    const route = this.routeSeries(facts.route, facts.method, scheme);
    let series = route.byStatus.get(facts.status);
    if (!series) {
      const attributes: Attributes = { ...route.attributes, 'url.scheme': scheme, 'http.response.status_code': facts.status };
      if (facts.status >= 500) attributes['error.type'] = String(facts.status);
      series = { attributes, duration: this.durationAggregator.createAccumulation(this.interval.startTime) };
      route.byStatus.set(facts.status, series);
      this.interval.series++;
    }
    series.duration.record(facts.durationMs / 1e3);
    if (facts.queueWaitMs !== null) this.accumulation(route, 0).record(facts.queueWaitMs / 1e3);
    if (facts.bodyReadMs !== null) this.accumulation(route, 1).record(facts.bodyReadMs / 1e3);
    if (facts.responseWriteMs !== null) this.accumulation(route, 2).record(facts.responseWriteMs / 1e3);
    if (facts.inBytes !== null) this.accumulation(route, 3).record(facts.inBytes);
    if (facts.outBytes !== null) this.accumulation(route, 4).record(facts.outBytes);
  }

  private routeSeries(route: string | undefined, method: string, scheme: string): RouteSeries {
    const interval = this.interval;
    let byRoute = interval.routes.get(scheme);
    if (!byRoute) interval.routes.set(scheme, (byRoute = new Map()));
    // Past MAX_SERIES, a new route is recorded without its route (bounded memory).
    let key = route ?? '';
    let byMethod = byRoute.get(key);
    if (!byMethod && key !== '' && interval.series >= MAX_SERIES) {
      route = undefined;
      key = '';
      byMethod = byRoute.get(key);
    }
    if (!byMethod) byRoute.set(key, (byMethod = new Map()));
    let series = byMethod.get(method);
    if (!series) {
      const attributes: Attributes = { [ATTR.method]: method };
      if (route !== undefined) attributes[ATTR.route] = route;
      series = { attributes, values: [], byStatus: new Map() };
      byMethod.set(method, series);
      interval.series++;
    }
    return series;
  }

  private accumulation(route: RouteSeries, index: number): HistogramAccumulation {
    return (route.values[index] ??= this.otherAggregator.createAccumulation(this.interval.startTime));
  }

  queueWaitDropped(reason: string): void {
    const dropped = this.interval.queueDropped;
    dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
  }

  collect(): Promise<CollectionResult> {
    const done = this.interval;
    const endTime = hrTime();
    this.interval = newInterval(endTime);
    const routes: RouteSeries[] = [];
    for (const byRoute of done.routes.values()) for (const byMethod of byRoute.values()) routes.push(...byMethod.values());
    const metrics: MetricData[] = [];
    const durations: [Attributes, HistogramAccumulation][] = [];
    for (const route of routes) for (const s of route.byStatus.values()) durations.push([s.attributes, s.duration]);
    if (durations.length > 0) {
      const data = this.durationAggregator.toMetricData(DURATION, AggregationTemporality.DELTA, durations, endTime);
      if (data) metrics.push(data);
    }
    ROUTE_METRICS.forEach((desc, i) => {
      const entries: [Attributes, HistogramAccumulation][] = [];
      for (const route of routes) {
        const acc = route.values[i];
        if (acc) entries.push([route.attributes, acc]);
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
