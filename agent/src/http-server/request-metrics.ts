// Request metrics, for every request whatever its trace mode: `http.server.request.duration`
// (OTel semantic conventions; seconds, by method, scheme, route and status) and Headroom's
// queue wait, body read, response write and body sizes (by method and route).
//
// Aggregated here rather than through Histogram instruments, which hash their attributes on
// every record (up to six records a request); a request costs three map lookups, one
// exponential-histogram update (the duration: percentiles need its buckets) and a few
// additions. The other five are histograms of one bucket — count, sum, min, max — which is
// what the collector reads of them. Handed to the metric reader as a MetricProducer,
// exported with the SDK's own metrics, with delta temporality.
import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import { AggregationTemporality, DataPointType, InstrumentType, type CollectionResult, type MetricData, type MetricProducer, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { emptyResource, type Resource } from '@opentelemetry/resources';
import { exponentialHistogramAggregator, type HistogramAccumulation, type HistogramDescriptor } from '../export/exponential-histogram';
import { ATTR, HTTP_SCOPE } from '../signals/meter';
import type { RequestFacts } from './request-facts';

export interface RequestMetrics {
  record(facts: RequestFacts, scheme: string): void;
  queueWaitDropped(reason: string): void;
}

/** Latency buckets: at scale 6 (≈0.5 % relative error) 1 ms–60 s needs ~1016. */
const DURATION_MAX_SIZE = 1024;
/** The status key of requests whose client left before any status was sent (recorded without one). */
const NO_STATUS = 0;
/** Series keys of requests the server closed unanswered (unanswered.ts), by error.type. */
const UNANSWERED_KEY = { timeout: -1, connection_closed: -2, response_cut_off: -3 } as const;
/** Series keys of responses cut off after their status: below this, by status (-1200 for a cut-off 200). */
const CUT_OFF_KEY = -1000;
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
/** A histogram of one bucket. */
interface Summary {
  count: number;
  sum: number;
  min: number;
  max: number;
}

interface RouteSeries {
  attributes: Attributes;
  /** In ROUTE_METRICS order, created on first use. */
  values: (Summary | undefined)[];
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

function addTo(route: RouteSeries, index: number, value: number): void {
  const v = route.values[index];
  if (!v) {
    route.values[index] = { count: 1, sum: value, min: value, max: value };
    return;
  }
  v.count++;
  v.sum += value;
  if (value < v.min) v.min = value;
  if (value > v.max) v.max = value;
}

function newInterval(startTime: HrTime): Interval {
  return { startTime, routes: new Map(), series: 0, queueDropped: new Map() };
}

export class RequestMetricsProducer implements RequestMetrics, MetricProducer {
  private readonly durationAggregator = exponentialHistogramAggregator(DURATION_MAX_SIZE);
  private interval: Interval = newInterval(hrTime());

  record(facts: RequestFacts, scheme: string): void {
    const route = this.routeSeries(facts.route, facts.method, scheme);
    const { status, unanswered } = facts;
    const key = status === null ? (unanswered !== null ? UNANSWERED_KEY[unanswered.type] : NO_STATUS) : unanswered !== null ? CUT_OFF_KEY - status : status;
    let series = route.byStatus.get(key);
    if (!series) {
      const attributes: Attributes = { ...route.attributes, 'url.scheme': scheme };
      if (status !== null) attributes['http.response.status_code'] = status;
      if (status !== null && status >= 500) attributes['error.type'] = String(status);
      else if (unanswered !== null) attributes['error.type'] = unanswered.type;
      series = { attributes, duration: this.durationAggregator.createAccumulation(this.interval.startTime) };
      route.byStatus.set(key, series);
      this.interval.series++;
    }
    series.duration.record(facts.durationMs / 1e3);
    if (facts.queueWaitMs !== null) addTo(route, 0, facts.queueWaitMs / 1e3);
    if (facts.bodyReadMs !== null) addTo(route, 1, facts.bodyReadMs / 1e3);
    if (facts.responseWriteMs !== null) addTo(route, 2, facts.responseWriteMs / 1e3);
    if (facts.inBytes !== null) addTo(route, 3, facts.inBytes);
    if (facts.outBytes !== null) addTo(route, 4, facts.outBytes);
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

  queueWaitDropped(reason: string): void {
    const dropped = this.interval.queueDropped;
    dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
  }

  collect(): Promise<CollectionResult> {
    return Promise.resolve({ resourceMetrics: this.collectNow(emptyResource()), errors: [] });
  }

  /** The interval's metrics, now (collect() for the reader; also at exit, where nothing async runs). */
  collectNow(resource: Resource): ResourceMetrics {
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
    ROUTE_METRICS.forEach((descriptor, i) => {
      const dataPoints = [];
      for (const route of routes) {
        const v = route.values[i];
        if (!v) continue;
        dataPoints.push({
          attributes: route.attributes,
          startTime: done.startTime,
          endTime,
          value: { buckets: { boundaries: [], counts: [v.count] }, count: v.count, sum: v.sum, min: v.min, max: v.max },
        });
      }
      if (dataPoints.length > 0) metrics.push({ descriptor, aggregationTemporality: AggregationTemporality.DELTA, dataPointType: DataPointType.HISTOGRAM, dataPoints });
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
    return { resource, scopeMetrics: metrics.length > 0 ? [{ scope: { name: HTTP_SCOPE }, metrics }] : [] };
  }
}
