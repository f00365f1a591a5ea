// The ingest benchmark's load process (forked by bench/ingest/main.ts; not run by hand).
// Builds the OTLP bodies once, then on each `run` message keeps `concurrency` requests in
// flight against the collector's OTLP port for `seconds`, the way a fleet of exporters would:
// a refused request (429/503) waits its Retry-After (capped) before that slot sends again.
import http from 'node:http';
import { FreshIntervals, metricBody, RandomTraceIds, traceBody, type MetricBody, type TraceBody } from './payloads';

export type Signal = 'traces' | 'metrics';

export interface RunCommand {
  type: 'run';
  signal: Signal;
  seconds: number;
  concurrency: number;
}

export interface LoadReady {
  type: 'ready';
  traceBodies: { bytes: number; spans: number }[];
  metricBodies: { bytes: number; points: number; requestCount: number }[];
}

export interface RunResult {
  type: 'result';
  signal: Signal;
  elapsedMs: number;
  /** Requests answered 200, and the items (spans or points) they carried. */
  accepted: number;
  acceptedItems: number;
  /** Sum of http.server.request.duration counts in accepted metric requests. */
  acceptedRequestCount: number;
  refused: number;
  failed: number;
  statuses: Record<string, number>;
  bytes: number;
  /** The load process's own CPU over the run, µs. */
  cpuMicros: number;
}

const INSTANCES = 4;
const TRACES_PER_BODY = 128; // × 4 spans = 512 spans per request, the OTel BatchSpanProcessor's default batch
const REQUESTS_PER_ROUTE = 50;

function post(agent: http.Agent, url: URL, body: Buffer): Promise<{ status: number; retryAfter: number }> {
  return new Promise((resolve) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers['retry-after'] ?? 1) }));
      },
    );
    req.on('error', () => resolve({ status: 0, retryAfter: 1 }));
    req.end(body);
  });
}

async function run(base: string, cmd: RunCommand, traces: TraceBody[], metrics: MetricBody[], intervals: FreshIntervals): Promise<RunResult> {
  const url = new URL(cmd.signal === 'traces' ? '/v1/traces' : '/v1/metrics', base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: cmd.concurrency });
  const result: RunResult = {
    type: 'result', signal: cmd.signal, elapsedMs: 0, accepted: 0, acceptedItems: 0, acceptedRequestCount: 0,
    refused: 0, failed: 0, statuses: {}, bytes: 0, cpuMicros: 0,
  };
  const traceIds = new RandomTraceIds();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + cmd.seconds * 1000;
  let turn = 0;

  async function slot(index: number): Promise<void> {
    // Each slot owns its copies, so patching ids never touches a body still being written.
    const copies = traces.map((t) => Buffer.from(t.body));
    const metricCopies = metrics.map((m) => Buffer.from(m.body));
    while (performance.now() < deadline) {
      const which = turn++ % INSTANCES;
      let body: Buffer;
      let items: number;
      let requestCount = 0;
      if (cmd.signal === 'traces') {
        const template = traces[which] as TraceBody;
        body = copies[which] as Buffer;
        traceIds.writeInto(template, body);
        items = template.spans;
      } else {
        const m = metrics[which] as MetricBody;
        body = metricCopies[which] as Buffer;
        intervals.writeInto(m, body);
        items = m.points;
        requestCount = m.requestCount;
      }
      const { status, retryAfter } = await post(agent, url, body);
      result.statuses[String(status)] = (result.statuses[String(status)] ?? 0) + 1;
      if (status === 200) {
        result.accepted++;
        result.acceptedItems += items;
        result.acceptedRequestCount += requestCount;
        result.bytes += body.length;
      } else if (status === 429 || status === 503) {
        result.refused++;
        await new Promise((r) => setTimeout(r, Math.min(250, retryAfter * 1000)));
      } else {
        result.failed++;
        if (status === 0) await new Promise((r) => setTimeout(r, 100));
      }
    }
    void index;
  }

  await Promise.all(Array.from({ length: cmd.concurrency }, (_, i) => slot(i)));
  result.elapsedMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  result.cpuMicros = cpu.user + cpu.system;
  agent.destroy();
  return result;
}

async function main(): Promise<void> {
  const base = process.argv[2];
  if (!base || !process.send) throw new Error('load.ts is forked by bench/ingest/main.ts with the OTLP URL');
  const now = Date.now();
  const traces = Array.from({ length: INSTANCES }, (_, i) => traceBody(i, TRACES_PER_BODY, now));
  const metrics = await Promise.all(Array.from({ length: INSTANCES }, (_, i) => metricBody(i, REQUESTS_PER_ROUTE)));
  const ready: LoadReady = {
    type: 'ready',
    traceBodies: traces.map((t) => ({ bytes: t.body.length, spans: t.spans })),
    metricBodies: metrics.map((m) => ({ bytes: m.body.length, points: m.points, requestCount: m.requestCount })),
  };
  // One for the whole process: the warm-up's intervals are not posted again by the run after it.
  const intervals = new FreshIntervals();
  process.send(ready);
  process.on('message', (message: RunCommand | { type: 'exit' }) => {
    if (message.type === 'exit') {
      process.disconnect();
      return;
    }
    void run(base, message, traces, metrics, intervals).then((r) => process.send?.(r));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
