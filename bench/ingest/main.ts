// bench/ingest — how many spans and metric points per second the collector takes over OTLP
// protobuf AND commits to SQLite, with the collector's CPU and RSS while it does.
//
// This process is the collector (startCollector, a fresh database in a temp dir); a separate
// load process (bench/ingest/load.ts, forked) sends bodies encoded up front by the real OTel
// serialisers: 512 spans per trace request (server + internal + 2 client spans per trace, HTTP
// and DB attributes), ~140 points per metric request (delta exponential histograms per route,
// gauges, GC), 4 instances, several requests in flight. Each phase runs for a fixed time; the
// clock then keeps running until the write queue is drained (storage.flush()), and "committed"
// counts rows in the database: spans in `spans`, and for metrics the request counts summed in
// `req_minute`, checked against what the load process had accepted. "collector CPU" is the
// whole process: its own thread (HTTP, SQLite) and the trace workers that decode and
// normalise spans (receiver/trace-workers); "collector thread busy" is that thread's
// event-loop utilisation, what bounds ingest once the workers have a core to run on.
//
// Reproduce (about 40 s):  npm run bench:ingest
//                          node --import tsx bench/ingest/main.ts [--seconds 15] [--concurrency 8]
//                            [--only traces|metrics] [--trace-workers N]
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { startCollector } from '../../collector/src/server';
import { fmt, machineLine, mb, numberArg, table } from '../common/report';
import type { LoadReady, RunCommand, RunResult, Signal } from './load';

const SECONDS = numberArg('seconds', 15);
const CONCURRENCY = numberArg('concurrency', 8);
/** `--trace-workers N`: the collector's trace decode threads (default: the collector's own default). */
const TRACE_WORKERS = numberArg('trace-workers', -1);
const WARMUP_SECONDS = 2;
/** `--only traces` or `--only metrics`: one phase (for profiling one signal). */
const ONLY = ((): Signal | null => {
  const i = process.argv.indexOf('--only');
  const v = i === -1 ? null : process.argv[i + 1];
  return v === 'traces' || v === 'metrics' ? v : null;
})();

interface PhaseFigures {
  signal: Signal;
  load: RunResult;
  /** From the run command to the end of storage.flush(). */
  totalMs: number;
  drainMs: number;
  committedItems: number;
  verified: string;
  cpuMicros: number;
  /** Event-loop utilisation of the collector's thread (the one that also writes SQLite). */
  threadBusy: number;
  rssMax: number;
  heapMax: number;
  rssEnd: number;
  queueMax: number;
  /** Store transactions in the phase. */
  commits: number;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-bench-ingest-'));
  const dbPath = path.join(dir, 'headroom.db');
  const collector = await startCollector({ dbPath, otlpPort: 0, httpPort: 0, ...(TRACE_WORKERS >= 0 && { traceWorkers: TRACE_WORKERS }) });
  const reader = new Database(dbPath, { readonly: true });
  const spanRows = (): number => (reader.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n;
  const requestCount = (): number =>
    (reader.prepare("SELECT coalesce(sum(count), 0) AS n FROM req_minute WHERE service = 'bench-api'").get() as { n: number }).n;

  const child = fork(path.join(__dirname, 'load.ts'), [collector.otlpUrl], { execArgv: ['--import', 'tsx'] });
  const messages: ((m: LoadReady | RunResult) => void)[] = [];
  child.on('message', (m: LoadReady | RunResult) => messages.shift()?.(m));
  const nextMessage = (): Promise<LoadReady | RunResult> => new Promise((resolve) => messages.push(resolve));
  const ready = (await nextMessage()) as LoadReady;

  async function phase(signal: Signal, seconds: number): Promise<PhaseFigures> {
    const spans0 = spanRows();
    const commits0 = collector.storage.stats().batchesCommitted;
    const count0 = requestCount();
    let rssMax = process.memoryUsage.rss();
    let heapMax = 0;
    let queueMax = 0;
    const sampler = setInterval(() => {
      const memory = process.memoryUsage();
      rssMax = Math.max(rssMax, memory.rss);
      heapMax = Math.max(heapMax, memory.heapUsed);
      queueMax = Math.max(queueMax, collector.storage.stats().queueDepth);
    }, 100);
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    const command: RunCommand = { type: 'run', signal, seconds, concurrency: CONCURRENCY };
    child.send(command);
    const load = (await nextMessage()) as RunResult;
    const tLoad = performance.now();
    await collector.storage.flush();
    const t1 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const threadBusy = performance.eventLoopUtilization(elu0).utilization;
    clearInterval(sampler);
    rssMax = Math.max(rssMax, process.memoryUsage.rss());
    const spans = spanRows() - spans0;
    const commits = collector.storage.stats().batchesCommitted - commits0;
    const requests = requestCount() - count0;
    const committedItems = signal === 'traces' ? spans : load.acceptedItems;
    const verified =
      signal === 'traces'
        ? `${fmt(spans)} span rows = ${fmt(load.acceptedItems)} spans accepted: ${spans === load.acceptedItems ? 'yes' : 'NO'}`
        : `req_minute counts +${fmt(requests)} = ${fmt(load.acceptedRequestCount)} requests in accepted points: ${Math.abs(requests - load.acceptedRequestCount) < 0.5 ? 'yes' : 'NO'}`;
    return {
      signal, load, totalMs: t1 - t0, drainMs: t1 - tLoad, committedItems, verified,
      cpuMicros: cpu.user + cpu.system, threadBusy, rssMax, heapMax, rssEnd: process.memoryUsage.rss(), queueMax, commits,
    };
  }

  const rssStart = process.memoryUsage.rss();
  const signals: Signal[] = ONLY ? [ONLY] : ['traces', 'metrics'];
  for (const s of signals) await phase(s, WARMUP_SECONDS);
  const results: PhaseFigures[] = [];
  for (const s of signals) results.push(await phase(s, SECONDS));
  const storeStats = collector.storage.stats();

  child.send({ type: 'exit' });
  reader.close();
  await collector.close();
  rmSync(dir, { recursive: true, force: true });

  const label = (s: Signal): string => (s === 'traces' ? 'spans' : 'metric points');
  console.log(`bench/ingest — OTLP/HTTP protobuf → Headroom collector → SQLite (committed)`);
  console.log(machineLine());
  console.log(
    `load: separate process, ${CONCURRENCY} requests in flight, ${SECONDS} s per signal after ${WARMUP_SECONDS} s warm-up; ` +
      `trace body ${fmt(ready.traceBodies[0]?.spans ?? 0)} spans / ${fmt((ready.traceBodies[0]?.bytes ?? 0) / 1024)} KiB, ` +
      `metric body ${fmt(ready.metricBodies[0]?.points ?? 0)} points / ${fmt((ready.metricBodies[0]?.bytes ?? 0) / 1024)} KiB, 4 instances`,
  );
  console.log('');
  console.log(
    table(
      ['signal', 'requests ok', 'refused 503', 'accepted/s', 'committed/s', 'drain after', 'collector CPU', 'CPU µs/item', 'collector thread busy', 'RSS max', 'heap max', 'load CPU'],
      results.map((r) => [
        label(r.signal),
        fmt(r.load.accepted),
        fmt(r.load.refused),
        fmt(r.load.acceptedItems / (r.load.elapsedMs / 1000)),
        fmt(r.committedItems / (r.totalMs / 1000)),
        `${fmt(r.drainMs)} ms`,
        `${fmt(r.cpuMicros / 1000 / r.totalMs, 2)} cores`,
        fmt(r.cpuMicros / Math.max(1, r.committedItems), 1),
        `${fmt(r.threadBusy * 100)} %`,
        mb(r.rssMax),
        mb(r.heapMax),
        `${fmt(r.load.cpuMicros / 1000 / r.load.elapsedMs, 2)} cores`,
      ]),
    ),
  );
  console.log('');
  for (const r of results) console.log(`committed check (${label(r.signal)}): ${r.verified}; peak write queue ${fmt(r.queueMax)} items; ${fmt(r.commits)} commits (${fmt(r.committedItems / Math.max(1, r.commits))} items each); other statuses ${JSON.stringify(r.load.statuses)}`);
  console.log(`collector RSS: ${mb(rssStart)} at start, ${mb(results[results.length - 1]?.rssEnd ?? 0)} at the end; store dropped ${fmt(storeStats.itemsDropped)} items; database ${mb(storeStats.databaseBytes)}`);
  const spans = results.find((r) => r.signal === 'traces');
  if (spans) {
    const spansPerSecond = spans.committedItems / (spans.totalMs / 1000);
    console.log(
      `goal ≥ 50,000 spans/s committed: ${spansPerSecond >= 50_000 ? 'met' : `MISSED (${fmt((spansPerSecond / 50_000) * 100)} % of it)`}; ` +
        `the collector thread was busy ${fmt(spans.threadBusy * 100)} % of the time, so it alone would take about ` +
        `${fmt(spansPerSecond / Math.max(0.01, spans.threadBusy))} spans/s with the trace workers keeping up`,
    );
  }
  console.log(
    `reproduce: node --import tsx bench/ingest/main.ts --seconds ${SECONDS} --concurrency ${CONCURRENCY}` +
      `${ONLY ? ` --only ${ONLY}` : ''}${TRACE_WORKERS >= 0 ? ` --trace-workers ${TRACE_WORKERS}` : ''}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
