// Advisor tests: a real collector (ports 0, temp SQLite), real apps under the built agent
// (test/agent/support/harness.ts runs them), load from plain http clients, and the advisor
// asked through the Storage the collector uses — with thresholds tuned for seconds of data.
import { ValueType } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, DataPointType, type GaugeMetricData, type HistogramMetricData } from '@opentelemetry/sdk-metrics';
import http from 'node:http';
import { join } from 'node:path';
import { createAdvisor, type AdvisorOptions } from '../../../collector/src/advisor';
import type { Finding } from '../../../collector/src/api-types';
import type { StallTally } from '../../../collector/src/store/storage';
import { eventually, REPO, runApp, startTestCollector, type RunningApp, type TestCollector } from '../../agent/support/harness';

export { eventually, runApp, type RunningApp };

export const ADVISOR_APP = join(REPO, 'test/fixtures/advisor/advisor-app.js');

/**
 * Windows and minimum counts shortened for tests that produce seconds of data. Value
 * thresholds (shares, utilisations, delays) stay at their defaults unless a test says why.
 */
export const TEST_OPTIONS: AdvisorOptions = {
  windowMs: 10 * 60_000,
  minRequests: 20,
  minSamples: 4,
};

/** Server settings that are right behind a load balancer: the healthy baseline. */
export const GOOD_SERVER_ENV: Record<string, string> = {
  KEEP_ALIVE_MS: '65000',
  HEADERS_TIMEOUT_MS: '66000',
};

export interface AdvisorTest {
  tc: TestCollector;
  otlpUrl: string;
  findings(service: string, options?: AdvisorOptions): Promise<Finding[]>;
  /** Polls until `pick` finds something in the findings of `service` (called in the same turn as they are made). */
  waitFor(service: string, what: string, pick: (f: Finding[]) => Finding | undefined, options?: AdvisorOptions, timeoutMs?: number): Promise<Finding>;
  /** The stalls the store holds for `service` from the last 10 minutes, by group; reads without a flush (after `findings`, or in a `pick`). */
  stallTally(service: string): StallTally[];
  app(service: string, env?: Record<string, string>): Promise<RunningApp>;
  close(): Promise<void>;
}

/** How many stalls the groups hold. */
export const stallCount = (groups: StallTally[]): number => groups.reduce((n, g) => n + g.count, 0);

export async function startAdvisorTest(): Promise<AdvisorTest> {
  const tc = await startTestCollector();
  const apps: RunningApp[] = [];
  const findingsNow = (service: string, options: AdvisorOptions): Finding[] => {
    const now = Date.now();
    return createAdvisor(tc.collector.storage, options).findings({ from: now - 30 * 60_000, to: now + 5_000, service }).findings;
  };
  const findings = async (service: string, options: AdvisorOptions = TEST_OPTIONS): Promise<Finding[]> => {
    await tc.collector.storage.flush();
    return findingsNow(service, options);
  };
  return {
    tc,
    otlpUrl: tc.collector.otlpUrl,
    findings,
    async waitFor(service, what, pick, options = TEST_OPTIONS, timeoutMs = 30_000) {
      let last: Finding[] = [];
      try {
        // The findings and `pick` in one turn after the flush: a pick that reads the store too
        // (the CPU a process had) sees the data the findings were made from, not a later export.
        return await eventually(async () => {
          await tc.collector.storage.flush();
          return pick((last = findingsNow(service, options)));
        }, what, timeoutMs);
      } catch (error) {
        // Say what the advisor did find, so a failure on a crowded machine can be read.
        const seen = last.map((f) => `${f.kind} ${JSON.stringify(f.evidence.figures)}`).join('; ');
        throw new Error(`${(error as Error).message}; findings then: ${seen || 'none'}`, { cause: error });
      }
    },
    stallTally(service) {
      const now = Date.now();
      return tc.collector.storage.stallTally({ service, from: now - 600_000, to: now + 1000 });
    },
    async app(service, env = {}) {
      const app = await runApp(ADVISOR_APP, { OTEL_SERVICE_NAME: service, OTEL_EXPORTER_OTLP_ENDPOINT: tc.collector.otlpUrl, ...env });
      apps.push(app);
      return app;
    },
    async close() {
      await Promise.all(apps.map((a) => a.stop('SIGKILL')));
      await tc.close();
    },
  };
}

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One GET; resolves with the status and body. */
export function get(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}${path}`, { agent: keepAlive, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

/**
 * `concurrency` clients requesting `path` for `durationMs`, back to back or `pauseMs` apart
 * (light load: a client that never pauses drives any server towards saturation); returns the
 * request count.
 */
export async function load(
  base: string,
  path: string,
  opts: { durationMs: number; concurrency: number; pauseMs?: number; headers?: () => Record<string, string> },
): Promise<number> {
  const end = Date.now() + opts.durationMs;
  let n = 0;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (Date.now() < end) {
        await get(base, path, opts.headers?.() ?? {});
        n++;
        if (opts.pauseMs) await sleep(opts.pauseMs);
      }
    }),
  );
  return n;
}

export function byKind(kind: string, subject?: string): (f: Finding[]) => Finding | undefined {
  return (list) => list.find((f) => f.kind === kind && (subject === undefined || f.id.endsWith(`:${subject}`)));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface GaugeSeries {
  /** OTel metric name, e.g. v8js.memory.heap.used, nodejs.eventloop.utilization. */
  name: string;
  unit: string;
  points: { t: number; v: number }[];
}

/**
 * Sends gauge points with their own timestamps through the real OTLP/HTTP protobuf exporter:
 * for conditions that need more time or more machines than a test has (a trend over an hour,
 * several hosts). The resource says which process of which host sent them.
 */
export async function sendGauges(otlpUrl: string, resource: Record<string, string | number>, series: GaugeSeries[]): Promise<void> {
  const exporter = new OTLPMetricExporter({ url: `${otlpUrl}/v1/metrics` });
  const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6];
  const metrics: GaugeMetricData[] = series.map((s) => ({
    descriptor: { name: s.name, description: '', unit: s.unit, valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.GAUGE,
    dataPoints: s.points.map((p) => ({ startTime: hr(p.t), endTime: hr(p.t), attributes: {}, value: p.v })),
  }));
  const result = await new Promise<ExportResult>((resolve) =>
    exporter.export({ resource: resourceFromAttributes(resource), scopeMetrics: [{ scope: { name: 'headroom' }, metrics }] }, resolve),
  );
  await exporter.shutdown();
  if (result.code !== ExportResultCode.SUCCESS) throw new Error(`export failed: ${String(result.error)}`);
}

/**
 * GC pauses as the agent reports them (`v8js.gc.duration`, a histogram by `v8js.gc.type`), one
 * pause of `kind` (major, minor, …) at each time, through the real OTLP/HTTP protobuf exporter.
 */
export async function sendGcPauses(otlpUrl: string, resource: Record<string, string | number>, pauses: { t: number; kind: string }[]): Promise<void> {
  const exporter = new OTLPMetricExporter({ url: `${otlpUrl}/v1/metrics` });
  const hr = (ms: number): [number, number] => [Math.floor(ms / 1000), (ms % 1000) * 1e6];
  const metric: HistogramMetricData = {
    descriptor: { name: 'v8js.gc.duration', description: '', unit: 's', valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.DELTA,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: pauses.map((p) => ({
      startTime: hr(p.t - 1000),
      endTime: hr(p.t),
      attributes: { 'v8js.gc.type': p.kind },
      value: { buckets: { boundaries: [], counts: [1] }, count: 1, sum: 0.002, min: 0.002, max: 0.002 },
    })),
  };
  const result = await new Promise<ExportResult>((resolve) =>
    exporter.export({ resource: resourceFromAttributes(resource), scopeMetrics: [{ scope: { name: 'headroom' }, metrics: [metric] }] }, resolve),
  );
  await exporter.shutdown();
  if (result.code !== ExportResultCode.SUCCESS) throw new Error(`export failed: ${String(result.error)}`);
}

/** One of the agent's events (`headroom.process.stop`, `headroom.process.worker_exit`, …) through the real OTLP log exporter, at `timeMs`. */
export async function sendEvent(otlpUrl: string, resource: Record<string, string | number>, eventName: string, body: string, attributes: Record<string, number | string | boolean>, timeMs: number): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(resource),
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlpUrl}/v1/logs` }) })],
  });
  provider.getLogger('headroom').emit({ eventName, body, attributes: { 'event.name': eventName, ...attributes }, timestamp: timeMs });
  await provider.forceFlush();
  await provider.shutdown();
}

/** A process start event with its settings, as the agent emits it, through the real OTLP log exporter (at `timeMs`, else now). */
export async function sendStart(otlpUrl: string, resource: Record<string, string | number>, settings: Record<string, number | string | boolean>, timeMs?: number): Promise<void> {
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(resource),
    processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlpUrl}/v1/logs` }) })],
  });
  const attributes: Record<string, number | string | boolean> = { 'event.name': 'headroom.process.start' };
  for (const [k, v] of Object.entries(settings)) attributes[`headroom.setting.${k}`] = v;
  provider.getLogger('headroom').emit({ eventName: 'headroom.process.start', body: 'process listening', attributes, ...(timeMs === undefined ? {} : { timestamp: timeMs }) });
  await provider.forceFlush();
  await provider.shutdown();
}

/** POST a body of `chunks` KiB to `${base}/upload`, one KiB every `gapMs` (0: all at once): a slow client's upload. */
export function uploadInChunks(base: string, chunks: number, gapMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/upload`, { method: 'POST', agent: false, headers: { 'content-type': 'application/octet-stream' } }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    void (async () => {
      for (let i = 0; i < chunks; i++) {
        req.write(Buffer.alloc(1024, 98));
        if (gapMs > 0) await sleep(gapMs);
      }
      req.end();
    })();
  });
}
