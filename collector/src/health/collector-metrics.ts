// GET /metrics: the collector's own health in Prometheus text. Names follow Prometheus
// conventions (base units, _total for counters, headroom_ prefix); process_* are the
// standard names client libraries use, so existing dashboards pick them up.
import type { Request, Response } from 'express';
import type { LiveStats } from '../live/live-hub';
import type { ReceiverStats } from '../receiver';
import type { StoreStats } from '../store/storage';
import type { ConnectionCounts } from '../web/connection-limits';
import type { HttpRequestCounter } from './http-request-counter';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, type MetricFamily } from './prometheus-text';
import { receiverFamilies } from './receiver-families';

export interface MetricSources {
  receiver(): ReceiverStats;
  store(): StoreStats;
  live(): LiveStats;
  /** Writes of the alert store that failed (AlertStore.writeFailures). */
  alertStoreWriteFailures(): number;
  http: HttpRequestCounter;
  /** Open connections and those closed at once past --max-connections or --max-connections-per-address, per port (web/connection-limits.ts). */
  connections(): Record<'otlp' | 'http', ConnectionCounts>;
  startedAt: number;
}

function storeFamilies(stats: StoreStats): MetricFamily[] {
  return [
    { name: 'headroom_store_queue_depth', help: 'Items (spans, points, events) waiting for the single writer.', type: 'gauge', samples: [{ value: stats.queueDepth }] },
    { name: 'headroom_store_queue_capacity', help: 'Write-queue capacity in items; past it OTLP requests get 503.', type: 'gauge', samples: [{ value: stats.queueCapacity }] },
    { name: 'headroom_store_batches_committed_total', help: 'Write transactions committed.', type: 'counter', samples: [{ value: stats.batchesCommitted }] },
    { name: 'headroom_store_items_dropped_total', help: 'Spans, points and events dropped because the queue was full or a write failed.', type: 'counter', samples: [{ value: stats.itemsDropped }] },
    {
      name: 'headroom_store_write_failing',
      help: '1 while writes to the database fail (damaged file, full disk): OTLP requests get 503 and /healthz answers 503.',
      type: 'gauge',
      samples: [{ value: stats.writeFailing ? 1 : 0 }],
    },
    {
      name: 'headroom_store_damaged',
      help: '1 once a query found the database file damaged (HR_STORE_DAMAGED; until a restart): /healthz answers 503.',
      type: 'gauge',
      samples: [{ value: stats.damaged === true ? 1 : 0 }],
    },
    { name: 'headroom_store_batch_duration_seconds', help: 'Time to commit one write batch.', type: 'histogram', samples: [{ histogram: stats.batchLatency }] },
    { name: 'headroom_store_database_bytes', help: 'Size of the SQLite database (with its WAL).', type: 'gauge', samples: [{ value: stats.databaseBytes }] },
    {
      name: 'headroom_store_routes_folded_total',
      help: 'Route names stored as "METHOD (other routes)": new routes past a service\'s budget of new routes per day.',
      type: 'counter',
      samples: [{ value: stats.routesFolded }],
    },
  ];
}

function liveFamilies(stats: LiveStats): MetricFamily[] {
  return [
    { name: 'headroom_live_clients', help: 'Open /ws live-stream connections.', type: 'gauge', samples: [{ value: stats.clients }] },
    { name: 'headroom_live_frames_sent_total', help: 'Live frames handed to client sockets.', type: 'counter', samples: [{ value: stats.framesSent }] },
    { name: 'headroom_live_frames_dropped_total', help: 'Live frames dropped for clients too slow to take them.', type: 'counter', samples: [{ value: stats.framesDropped }] },
    { name: 'headroom_live_resyncs_total', help: 'Resync frames sent to clients after dropped frames.', type: 'counter', samples: [{ value: stats.resyncs }] },
    { name: 'headroom_live_clients_terminated_total', help: 'Clients cut for not answering pings.', type: 'counter', samples: [{ value: stats.clientsTerminated }] },
  ];
}

function alertFamilies(writeFailures: number): MetricFamily[] {
  return [
    {
      name: 'headroom_alert_store_writes_failed_total',
      help: 'Writes of alert states, history and deliveries that failed (damaged file, full disk); what they recorded is lost, evaluation and sending go on.',
      type: 'counter',
      samples: [{ value: writeFailures }],
    },
  ];
}

function httpFamilies(http: HttpRequestCounter): MetricFamily[] {
  const samples = [...http.counts()].map(([key, value]) => {
    const [handler = '', code = ''] = key.split(' ');
    return { labels: { handler, code }, value };
  });
  return [{ name: 'headroom_http_requests_total', help: 'Requests on the dashboard/API port by handler and status.', type: 'counter', samples }];
}

function connectionFamilies(counts: Record<'otlp' | 'http', ConnectionCounts>): MetricFamily[] {
  const ports = ['otlp', 'http'] as const;
  return [
    { name: 'headroom_connections_open', help: 'Connections open now, per port.', type: 'gauge', samples: ports.map((port) => ({ labels: { port }, value: counts[port].open })) },
    {
      name: 'headroom_connections_dropped_total',
      help: 'Connections closed at once because the port had --max-connections open.',
      type: 'counter',
      samples: ports.map((port) => ({ labels: { port }, value: counts[port].dropped })),
    },
    {
      name: 'headroom_connections_dropped_per_address_total',
      help: 'Connections closed at once because their client address had --max-connections-per-address open on the port.',
      type: 'counter',
      samples: ports.map((port) => ({ labels: { port }, value: counts[port].droppedPerAddress })),
    },
  ];
}

function processFamilies(startedAt: number): MetricFamily[] {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return [
    { name: 'process_cpu_seconds_total', help: 'User and system CPU time spent.', type: 'counter', samples: [{ value: (cpu.user + cpu.system) / 1e6 }] },
    { name: 'process_resident_memory_bytes', help: 'Resident memory size.', type: 'gauge', samples: [{ value: memory.rss }] },
    { name: 'process_heap_bytes', help: 'V8 heap used.', type: 'gauge', samples: [{ value: memory.heapUsed }] },
    { name: 'process_start_time_seconds', help: 'Start time since the Unix epoch.', type: 'gauge', samples: [{ value: Math.floor(startedAt / 1000) }] },
  ];
}

export function collectMetrics(sources: MetricSources): string {
  return renderPrometheus([
    ...receiverFamilies(sources.receiver()),
    ...storeFamilies(sources.store()),
    ...liveFamilies(sources.live()),
    ...alertFamilies(sources.alertStoreWriteFailures()),
    ...httpFamilies(sources.http),
    ...connectionFamilies(sources.connections()),
    ...processFamilies(sources.startedAt),
  ]);
}

export function metricsHandler(sources: MetricSources) {
  return function metrics(_req: Request, res: Response): void {
    res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
    res.setHeader('Cache-Control', 'no-store');
    res.send(collectMetrics(sources));
  };
}
