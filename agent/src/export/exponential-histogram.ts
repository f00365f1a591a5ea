// The SDK's exponential-histogram aggregator, for metrics Headroom aggregates itself (see
// http-server/request-metrics.ts: recording through a Histogram instrument hashes the
// attributes on every call, which was a measurable share of a request's cost). sdk-metrics
// does not export the class by name; it is pinned (2.12.0), and test/agent/request-metrics
// checks what it produces, so a change in its shape on upgrade fails a test, not production.
import type { Attributes, HrTime } from '@opentelemetry/api';
import type { AggregationTemporality, InstrumentType, MetricData } from '@opentelemetry/sdk-metrics';
import type { ValueType } from '@opentelemetry/api';

export interface HistogramAccumulation {
  record(value: number): void;
}

export interface HistogramDescriptor {
  name: string;
  description: string;
  unit: string;
  type: InstrumentType;
  valueType: ValueType;
  advice: Record<string, never>;
}

interface SdkAggregator {
  createAccumulation(startTime: HrTime): HistogramAccumulation;
  toMetricData(
    descriptor: HistogramDescriptor,
    temporality: AggregationTemporality,
    accumulations: [Attributes, HistogramAccumulation][],
    endTime: HrTime,
  ): MetricData | undefined;
}

type AggregatorClass = new (maxSize: number, recordMinMax: boolean) => SdkAggregator;

// eslint-disable-next-line @typescript-eslint/no-require-imports -- an internal module of the pinned SDK (see above)
const { ExponentialHistogramAggregator } = require('@opentelemetry/sdk-metrics/build/src/aggregator/ExponentialHistogram') as { ExponentialHistogramAggregator: AggregatorClass };

export function exponentialHistogramAggregator(maxSize: number): SdkAggregator {
  return new ExponentialHistogramAggregator(maxSize, true);
}
