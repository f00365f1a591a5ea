// The collector's data after decoding and normalising OTLP, before storing it.
// Data flows one way: receiver (decode → normalise) → store → query / live.
// These types are the contract between the receiver and the store.
import type { EventType } from './api-types';

export type { EventType };

/** OTLP AnyValue, flattened to plain JSON values (bytes become base64 strings). */
export type AttrValue = string | number | boolean | null | AttrValue[] | { [key: string]: AttrValue };
export type Attributes = Record<string, AttrValue>;

/**
 * Epoch nanoseconds. They are beyond 2^53, so they stay BigInt from decode to SQLite
 * (better-sqlite3 binds BigInt as INTEGER); never a JS number on the way in.
 */
export type EpochNanos = bigint;

/** One process of a service, as its OTLP resource describes it. */
export interface InstanceSeen {
  service: string;
  /** `service.instance.id`; when a sender sets none, derived from host and pid. */
  instanceId: string;
  host: string | null;
  pid: number | null;
  timeNs: EpochNanos;
  /** Resource attributes as sent (runtime, cluster worker, `headroom.*` settings, …). */
  resource: Attributes;
  /** Resource attributes dropped past the count limit, plus those the sender dropped; absent when none. */
  droppedAttributes?: number;
  /**
   * The OTLP items (spans, data points, log records) of this resource the request carried and
   * the normaliser did not reject: what partial_success counts when the receiver refuses the
   * instance past its caps (receiver/ingest-limits.ts). Absent in batches not from the receiver.
   */
  items?: number;
}

/**
 * A span as the store keeps it. Its attributes and events are JSON text already: the store
 * never looks inside them (route and the stall flag are lifted out), and strings and numbers
 * are cheap to hand from the decode workers to the writer's thread (receiver/trace-workers),
 * where cloning nested attribute objects would cost more than the workers save.
 */
export interface SpanRecord {
  /** Lower-case hex, 32 characters. */
  traceId: string;
  /** Lower-case hex, 16 characters. */
  spanId: string;
  parentSpanId: string | null;
  service: string;
  instanceId: string;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startNs: EpochNanos;
  endNs: EpochNanos;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  statusCode: number;
  statusMessage: string;
  /**
   * Its transaction, "METHOD route" (receiver/normalise/transaction-name.ts): spans with an
   * `http.route`, and server spans no route matched ("GET"); null on others.
   */
  route: string | null;
  /** `headroom.stall` is true: the agent's span for a blocked event loop. */
  stall: boolean;
  /**
   * `headroom.queue_wait.duration_ms`, when the span carried it (a server span behind a proxy
   * that stamps the queue start): read once here so the live stream need not parse attributes.
   */
  queueWaitMs?: number;
  /** The attributes (model Attributes) as a JSON object. */
  attributesJson: string;
  /**
   * Span events as a JSON array of `{ t: epoch ms, n: name, a: attributes, d?: attributes
   * dropped }`; null when none.
   */
  eventsJson: string | null;
  /**
   * Attributes dropped past the count limit (receiver/normalise/attribute-limits.ts), plus
   * those the sender dropped (OTLP `dropped_attributes_count`); absent when none.
   */
  droppedAttributes?: number;
  /** Events dropped past the limit, plus those the sender dropped (`dropped_events_count`); absent when none. */
  droppedEvents?: number;
}

/**
 * A latency distribution in seconds, as the sender's histogram had it. The store turns it
 * into its mergeable sketch; keeping the raw shape here leaves that choice to the store.
 */
export type Distribution =
  | {
      kind: 'exponential';
      scale: number;
      zeroCount: number;
      /** Bucket i covers (base^(offset+i), base^(offset+i+1)], base = 2^(2^-scale). */
      positive: { offset: number; counts: number[] };
    }
  | {
      kind: 'explicit';
      /** Upper bounds in seconds; counts has bounds.length + 1 entries (the last is +Inf). */
      bounds: number[];
      counts: number[];
    };

/** Server request timing for one route over one export interval (delta). */
export interface RequestPoint {
  service: string;
  instanceId: string;
  /** The transaction, "METHOD route" ("GET /orders/:id"), or the method alone when the framework named no route. */
  route: string;
  method: string;
  statusCode: number | null;
  /** Server errors: status ≥ 500, or `error.type` set. */
  error: boolean;
  /** End of the interval the point covers. */
  timeNs: EpochNanos;
  count: number;
  sumSeconds: number;
  minSeconds: number | null;
  maxSeconds: number | null;
  distribution: Distribution;
  /**
   * Identity of the delta OTLP point this came from (point-identity.ts): the store counts a
   * point once, however often its request is resent. Absent where a resend cannot double
   * anything: points turned from cumulative streams (a resent one gives no delta) and gauges.
   */
  pointId?: bigint;
}

/** The parts of a request's time and size that are summed per route, per interval. */
export type RouteSumMetric =
  | 'queue_wait' // seconds in front of the app (X-Request-Start)
  | 'body_read' // seconds reading the request body
  | 'response_write' // seconds from the handler's end to the last byte handed to the socket
  | 'request_bytes'
  | 'response_bytes';

export interface RouteSumPoint {
  service: string;
  instanceId: string;
  route: string;
  metric: RouteSumMetric;
  timeNs: EpochNanos;
  count: number;
  sum: number;
  max: number | null;
  /** As RequestPoint.pointId. */
  pointId?: bigint;
}

/**
 * Per-process measurements. Names are Headroom's own short names, mapped from the OTel
 * metric names by the normaliser (see receiver/normalise/metrics.ts):
 * memory.rss, memory.heap_used, memory.heap_total, memory.heap_limit, memory.external,
 * memory.array_buffers, eventloop.delay.p50 / .p90 / .p99 / .max (seconds),
 * eventloop.utilization (0..1), http.in_flight (mean), http.in_flight.max,
 * gc.pause.<kind> (seconds summed over the interval, count = pauses), cpu.utilization,
 * agent.dropped.<signal> (spans, metrics, logs: the agent's cumulative count of what it dropped,
 * a level like the others).
 */
export interface GaugePoint {
  service: string;
  instanceId: string;
  metric: string;
  timeNs: EpochNanos;
  /** For a plain gauge: count 1 and min = max = sum = value. */
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number;
  /** As RequestPoint.pointId: set on GC pauses (from delta histograms), not on levels. */
  pointId?: bigint;
}

/**
 * Headroom events, sent by the agent as OTel log records with `event.name` =
 * `headroom.<type>` (e.g. `headroom.eventloop.stall`).
 */
export interface EventRecord {
  service: string;
  instanceId: string;
  type: EventType;
  timeNs: EpochNanos;
  traceId: string | null;
  spanId: string | null;
  /** The transaction of the request the event happened in, named as RequestPoint.route; null outside a request. */
  route: string | null;
  durationMs: number | null;
  message: string | null;
  attributes: Attributes;
  /** The log record's attributes dropped past the count limit, plus those the sender dropped; absent when none. */
  droppedAttributes?: number;
}

/** What one OTLP request turned into; the unit the store writes in one transaction. */
export interface IngestBatch {
  instances: InstanceSeen[];
  spans: SpanRecord[];
  requests: RequestPoint[];
  routeSums: RouteSumPoint[];
  gauges: GaugePoint[];
  events: EventRecord[];
}

export function emptyBatch(): IngestBatch {
  return { instances: [], spans: [], requests: [], routeSums: [], gauges: [], events: [] };
}
