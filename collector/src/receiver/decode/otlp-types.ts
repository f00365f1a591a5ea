// The decoded OTLP request, as both decoders (protobuf and JSON) produce it. Field names are
// protobufjs's camelCase ones. What the two encodings carry differently is typed as a union
// and resolved by the normaliser's helpers (normalise/values.ts):
// - 64-bit integers: a protobufjs Long from protobuf, a bigint from JSON (or a plain number);
// - bytes: a Uint8Array from protobuf; from JSON a string — hex for trace/span ids (OTLP/JSON
//   says so), base64 for other bytes fields.
// - oneofs: the member's name under the oneof's name (`value`, `data`), as protobufjs's
//   virtual oneof getter gives it; absent fields are undefined or null.
import type { FieldViolation } from '../field-violation';

export interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
}
export type Int64 = LongLike | bigint | number;
export type Bytes = Uint8Array | string;

export interface AnyValue {
  value?: string | null;
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Int64 | null;
  doubleValue?: number | null;
  arrayValue?: { values?: AnyValue[] | null } | null;
  kvlistValue?: { values?: KeyValue[] | null } | null;
  bytesValue?: Bytes | null;
}

export interface KeyValue {
  key?: string | null;
  value?: AnyValue | null;
}

export interface Resource {
  attributes?: KeyValue[] | null;
  droppedAttributesCount?: number | null;
}

export interface InstrumentationScope {
  name?: string | null;
  version?: string | null;
  attributes?: KeyValue[] | null;
}

// ---- traces ----
export interface SpanEvent {
  timeUnixNano?: Int64 | null;
  name?: string | null;
  attributes?: KeyValue[] | null;
  droppedAttributesCount?: number | null;
}

export interface Span {
  traceId?: Bytes | null;
  spanId?: Bytes | null;
  parentSpanId?: Bytes | null;
  name?: string | null;
  kind?: number | null;
  startTimeUnixNano?: Int64 | null;
  endTimeUnixNano?: Int64 | null;
  attributes?: KeyValue[] | null;
  events?: SpanEvent[] | null;
  status?: { message?: string | null; code?: number | null } | null;
  droppedAttributesCount?: number | null;
  droppedEventsCount?: number | null;
}

export interface ResourceSpans {
  resource?: Resource | null;
  scopeSpans?: { scope?: InstrumentationScope | null; spans?: Span[] | null }[] | null;
}

export interface ExportTraceServiceRequest {
  resourceSpans?: ResourceSpans[] | null;
}

// ---- metrics ----
export interface NumberDataPoint {
  attributes?: KeyValue[] | null;
  startTimeUnixNano?: Int64 | null;
  timeUnixNano?: Int64 | null;
  value?: string | null;
  asDouble?: number | null;
  asInt?: Int64 | null;
  flags?: number | null;
}

export interface HistogramDataPoint {
  attributes?: KeyValue[] | null;
  startTimeUnixNano?: Int64 | null;
  timeUnixNano?: Int64 | null;
  count?: Int64 | null;
  sum?: number | null;
  bucketCounts?: Int64[] | null;
  explicitBounds?: number[] | null;
  flags?: number | null;
  min?: number | null;
  max?: number | null;
}

export interface ExponentialBuckets {
  offset?: number | null;
  bucketCounts?: Int64[] | null;
}

export interface ExponentialHistogramDataPoint {
  attributes?: KeyValue[] | null;
  startTimeUnixNano?: Int64 | null;
  timeUnixNano?: Int64 | null;
  count?: Int64 | null;
  sum?: number | null;
  scale?: number | null;
  zeroCount?: Int64 | null;
  positive?: ExponentialBuckets | null;
  negative?: ExponentialBuckets | null;
  flags?: number | null;
  min?: number | null;
  max?: number | null;
}

export interface Metric {
  name?: string | null;
  unit?: string | null;
  data?: string | null;
  gauge?: { dataPoints?: NumberDataPoint[] | null } | null;
  sum?: { dataPoints?: NumberDataPoint[] | null; aggregationTemporality?: number | null; isMonotonic?: boolean | null } | null;
  histogram?: { dataPoints?: HistogramDataPoint[] | null; aggregationTemporality?: number | null } | null;
  exponentialHistogram?: { dataPoints?: ExponentialHistogramDataPoint[] | null; aggregationTemporality?: number | null } | null;
  summary?: { dataPoints?: unknown[] | null } | null;
}

export interface ResourceMetrics {
  resource?: Resource | null;
  scopeMetrics?: { scope?: InstrumentationScope | null; metrics?: Metric[] | null }[] | null;
}

export interface ExportMetricsServiceRequest {
  resourceMetrics?: ResourceMetrics[] | null;
}

// ---- logs ----
export interface LogRecord {
  timeUnixNano?: Int64 | null;
  observedTimeUnixNano?: Int64 | null;
  severityNumber?: number | null;
  severityText?: string | null;
  body?: AnyValue | null;
  attributes?: KeyValue[] | null;
  traceId?: Bytes | null;
  spanId?: Bytes | null;
  eventName?: string | null;
  droppedAttributesCount?: number | null;
}

export interface ResourceLogs {
  resource?: Resource | null;
  scopeLogs?: { scope?: InstrumentationScope | null; logRecords?: LogRecord[] | null }[] | null;
}

export interface ExportLogsServiceRequest {
  resourceLogs?: ResourceLogs[] | null;
}

export type Signal = 'traces' | 'metrics' | 'logs';

export interface DecodedRequest {
  traces: ExportTraceServiceRequest;
  metrics: ExportMetricsServiceRequest;
  logs: ExportLogsServiceRequest;
}

/** The body could not be decoded: the receiver answers 400, naming the bad fields. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';

  constructor(
    message: string,
    readonly violations: FieldViolation[],
  ) {
    super(message);
  }
}
