// Which OTel metrics Headroom reads, and what it calls them (model.ts GaugePoint names).
// Maps, not object literals: a metric named `constructor` must not find Object's.
// Liberal on input: Headroom's agent, plain OTel SDKs (semantic-convention names, the older
// `http.server.duration` in ms) and @opentelemetry/instrumentation-runtime-node (whose names
// were read from its build/src/semconv.js: nodejs.eventloop.delay.*, v8js.memory.heap.* per
// heap space, v8js.gc.duration by v8js.gc.type).
import type { RouteSumMetric } from '../../model';

/** Server request duration histograms, with the unit assumed when the metric names none. */
export const REQUEST_DURATION: ReadonlyMap<string, { defaultToSeconds: number }> = new Map([
  ['http.server.request.duration', { defaultToSeconds: 1 }], // semconv: seconds
  ['http.server.duration', { defaultToSeconds: 1e-3 }], // older semconv: milliseconds
]);

export const ROUTE_SUMS: ReadonlyMap<string, { metric: RouteSumMetric; seconds: boolean }> = new Map(Object.entries({
  'headroom.http.server.queue_wait': { metric: 'queue_wait', seconds: true },
  'headroom.http.server.request_body.duration': { metric: 'body_read', seconds: true },
  'headroom.http.server.response_write.duration': { metric: 'response_write', seconds: true },
  'http.server.request.body.size': { metric: 'request_bytes', seconds: false },
  'http.server.response.body.size': { metric: 'response_bytes', seconds: false },
} satisfies Record<string, { metric: RouteSumMetric; seconds: boolean }>));

/**
 * How points of one gauge from several attribute sets (at one time) make one value:
 * `sum` adds them (in-flight requests split by method), `max` takes the largest, `heap`
 * prefers a whole-heap point (no v8js.heap.space.name) and else sums the heap spaces.
 */
export type Combine = 'sum' | 'max' | 'heap';

export interface GaugeRule {
  name: string;
  combine: Combine;
  seconds?: boolean;
}

export const GAUGES: ReadonlyMap<string, GaugeRule> = new Map(Object.entries({
  'process.memory.usage': { name: 'memory.rss', combine: 'sum' },
  'v8js.memory.heap.used': { name: 'memory.heap_used', combine: 'heap' },
  'v8js.memory.heap.limit': { name: 'memory.heap_limit', combine: 'heap' },
  'headroom.process.memory.heap_total': { name: 'memory.heap_total', combine: 'sum' },
  // instrumentation-runtime-node has no whole-heap total; its per-space sizes add up to it.
  'v8js.memory.heap.space.size': { name: 'memory.heap_total', combine: 'heap' },
  'headroom.process.memory.external': { name: 'memory.external', combine: 'sum' },
  'headroom.process.memory.array_buffers': { name: 'memory.array_buffers', combine: 'sum' },
  'nodejs.eventloop.delay.p50': { name: 'eventloop.delay.p50', combine: 'max', seconds: true },
  'nodejs.eventloop.delay.p90': { name: 'eventloop.delay.p90', combine: 'max', seconds: true },
  'nodejs.eventloop.delay.p99': { name: 'eventloop.delay.p99', combine: 'max', seconds: true },
  'nodejs.eventloop.delay.max': { name: 'eventloop.delay.max', combine: 'max', seconds: true },
  'nodejs.eventloop.utilization': { name: 'eventloop.utilization', combine: 'max' },
  'http.server.active_requests': { name: 'http.in_flight', combine: 'sum' },
  'headroom.http.server.active_requests.max': { name: 'http.in_flight.max', combine: 'max' },
  'process.cpu.utilization': { name: 'cpu.utilization', combine: 'sum' },
  // Headroom's thread-pool probe (agent/src/signals/threadpool.ts): what a pool job waits.
  'headroom.nodejs.threadpool.queue_wait': { name: 'threadpool.queue_wait', combine: 'max', seconds: true },
} satisfies Record<string, GaugeRule>));

export const GC_DURATION = 'v8js.gc.duration';

/**
 * GC pause histograms by `v8js.gc.type`, stored as gauges `<prefix><kind>` (seconds summed per
 * interval): the pauses as measured, and Headroom's agent's part of each pause on CPU
 * (agent/src/signals/gc-cpu.ts), which a machine short of CPU does not inflate.
 */
export const GC_PAUSES: ReadonlyMap<string, string> = new Map([
  [GC_DURATION, 'gc.pause.'],
  ['headroom.gc.pause.on_cpu', 'gc.cpu.'],
]);

/**
 * The agent's count of telemetry it dropped (agent/src/signals/agent-health.ts): a cumulative
 * Sum per instance, one stream per `headroom.signal`. Stored as a level, gauge
 * `agent.dropped.<signal>`: the store reads increases between an instance's reports from the
 * levels (store/sqlite/queries/dropped-queries.ts), so a resent point changes nothing.
 */
export const AGENT_DROPPED = 'headroom.agent.dropped';
export const AGENT_DROPPED_SIGNAL_ATTR = 'headroom.signal';
export const AGENT_DROPPED_SIGNALS: ReadonlySet<string> = new Set(['spans', 'metrics', 'logs']);
export const AGENT_DROPPED_PREFIX = 'agent.dropped.';
export const HEAP_SPACE_ATTR = 'v8js.heap.space.name';

/** Factor from a metric's unit to seconds; `fallback` when the unit is empty or unknown. */
export function toSecondsFactor(unit: string | null | undefined, fallback: number): number {
  switch (unit) {
    case 's':
      return 1;
    case 'ms':
      return 1e-3;
    case 'us':
      return 1e-6;
    case 'ns':
      return 1e-9;
    default:
      return fallback;
  }
}
