// The export side: OTLP/HTTP protobuf exporters to the collector, behind Headroom's bounded
// queues, and the metric reader with delta temporality and exponential histograms.
// NodeSDK is handed all of these explicitly — given none, it silently adds its own OTLP metric
// and log exporters from the environment.
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, AggregationType, InstrumentType, PeriodicExportingMetricReader, type ViewOptions } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AgentSettings } from '../config/settings';
import { sanitizeDbStatement } from './db-statement';
import { ExportQueue } from './export-queue';
import { otlpHeaders, type Post } from './exit-delivery';
import { ExportHealth } from './health';
import { QueueLogRecordProcessor } from './log-processor';
import { RequestMetricsProducer } from '../http-server/request-metrics';
import { RetainingMetricExporter } from './metric-exporter';

export interface ExportPipeline {
  health: ExportHealth;
  spans: ExportQueue<ReadableSpan>;
  logProcessor: QueueLogRecordProcessor;
  metricReader: PeriodicExportingMetricReader;
  /** Request metrics, aggregated by Headroom and collected with the SDK's. */
  requestMetrics: RequestMetricsProducer;
  views: ViewOptions[];
}

interface WithResource {
  resource: { asyncAttributesPending?: boolean; waitForAsyncAttributes?: () => Promise<void> };
}

async function settleResource(items: WithResource[]): Promise<void> {
  const resource = items[0]?.resource;
  if (resource?.asyncAttributesPending && resource.waitForAsyncAttributes) await resource.waitForAsyncAttributes();
}

export function createExportPipeline(settings: AgentSettings): ExportPipeline {
  const health = new ExportHealth(new URL(settings.tracesUrl).origin);
  const common = { timeoutMillis: settings.exportTimeoutMs, concurrencyLimit: 2 };
  const spans = new ExportQueue<ReadableSpan>('spans', new OTLPTraceExporter({ ...common, url: settings.tracesUrl }), health, {
    maxQueue: settings.maxQueue,
    maxBatch: 512,
    delayMs: 1000,
    beforeExport: settleResource,
    // SQL literals (secrets among them) leave the process only with HEADROOM_DB_STATEMENT=raw.
    prepare: settings.dbStatement === 'raw' ? undefined : sanitizeDbStatement,
  });
  const logs = new ExportQueue<ReadableLogRecord>('logs', new OTLPLogExporter({ ...common, url: settings.logsUrl }), health, {
    maxQueue: Math.max(16, Math.floor(settings.maxQueue / 4)),
    maxBatch: 256,
    delayMs: 1000,
    beforeExport: settleResource,
  });
  const metricExporter = new OTLPMetricExporter({
    ...common,
    url: settings.metricsUrl,
    // Delta: each point covers one interval, so the collector merges intervals and
    // processes without differencing (and a restart cannot corrupt a cumulative series).
    temporalityPreference: AggregationTemporality.DELTA,
  });
  const requestMetrics = new RequestMetricsProducer();
  const metricReader = new PeriodicExportingMetricReader({
    metricProducers: [requestMetrics],
    // Failed intervals are held for a resend, up to 8 × HEADROOM_MAX_QUEUE data points.
    exporter: new RetainingMetricExporter(metricExporter, health, settings.maxQueue * 8),
    exportIntervalMillis: settings.metricIntervalMs,
    exportTimeoutMillis: Math.min(settings.exportTimeoutMs, settings.metricIntervalMs),
  });
  const views: ViewOptions[] = [
    {
      // Headroom's own instrument histograms (GC pauses; the request metrics are aggregated
      // by http-server/request-metrics.ts):
      // exponential too, at the default size; the collector needs count, sum and max.
      meterName: 'headroom',
      instrumentType: InstrumentType.HISTOGRAM,
      aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } },
    },
  ];
  return { health, spans, logProcessor: new QueueLogRecordProcessor(logs), metricReader, requestMetrics, views };
}

/**
 * What is still to send, serialised for a delivery at the process's end (exit-delivery.ts):
 * the queued spans (with the export in flight: the collector stores a span once, however often
 * it is sent), the queued log records, and the request metrics of the current interval. The
 * SDK's other metrics are collected asynchronously only, and are left out.
 */
export function pendingPosts(pipeline: ExportPipeline, settings: AgentSettings, resource: Resource, env: Record<string, string | undefined>): Post[] {
  const posts: Post[] = [];
  const add = (signal: 'traces' | 'metrics' | 'logs', url: string, body: Uint8Array | undefined): void => {
    if (body && body.length > 0) posts.push({ url, headers: otlpHeaders(env, signal), body });
  };
  // Sent in this order within the exit's time bound: the events (why the process ended), the
  // request metrics every chart and alert reads, then the spans (the largest body, the slowest
  // for the collector to store), so a bound cut short loses the least.
  const records = pipeline.logProcessor.queue.drain();
  if (records.length > 0) add('logs', settings.logsUrl, ProtobufLogsSerializer.serializeRequest(records));
  const requests = pipeline.requestMetrics.collectNow(resource);
  if (requests.scopeMetrics.length > 0) add('metrics', settings.metricsUrl, ProtobufMetricsSerializer.serializeRequest(requests));
  const spans = pipeline.spans.drain(true);
  if (spans.length > 0) add('traces', settings.tracesUrl, ProtobufTraceSerializer.serializeRequest(spans));
  return posts;
}
