// bench/ingest/stages — where the collector's CPU per span and per metric point goes, stage by
// stage, in one thread without HTTP: protobuf decode (the receiver's generated decoders),
// normalise (OTLP → IngestBatch), for spans the hand-over from a trace worker to the
// collector's thread (receiver/trace-workers: rows out, structured-clone serialise in the
// worker, deserialise and rows back to SpanRecords in the collector's thread; v8.serialize is
// the serialiser postMessage uses), and the store's write (enqueue + the single writer's
// transaction into a fresh SQLite file). Same bodies as bench/ingest (payloads.ts). CPU time
// (process.cpuUsage, GC included), request by request as the collector runs them, after 20
// warm-up requests; a busy shared machine distorts CPU time less than wall time. "collector
// thread" is what the thread that also writes SQLite spends (for spans: hand-over in + write;
// HTTP not included), the figure that bounds ingest when the workers have cores to run on.
//
// Reproduce (about 30 s):  node --import tsx bench/ingest/stages.ts [--requests 300]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { emptyBatch, type IngestBatch } from '../../collector/src/model';
import { CumulativeToDelta } from '../../collector/src/receiver/cumulative-to-delta';
import { decodeProtobuf } from '../../collector/src/receiver/decode/protobuf';
import { normaliseMetrics } from '../../collector/src/receiver/normalise/metrics';
import { normaliseTraces } from '../../collector/src/receiver/normalise/traces';
import { fromRow, toRow, type SpanRow } from '../../collector/src/receiver/trace-workers/messages';
import { openSqliteStorage } from '../../collector/src/store/sqlite';
import { fmt, machineLine, numberArg, table } from '../common/report';
import { FreshIntervals, metricBody, RandomTraceIds, traceBody } from './payloads';

const REQUESTS = numberArg('requests', 300);
const WARMUP_REQUESTS = 20;

function cpuNow(): number {
  const used = process.cpuUsage();
  return used.user + used.system;
}

interface StageTotals {
  items: number;
  decode: number;
  normalise: number;
  /** Worker side of the hand-over (rows, serialise); 0 where there is none. */
  handOut: number;
  /** Collector-thread side of the hand-over (deserialise, SpanRecords). */
  handIn: number;
  write: number;
}

interface Stages {
  decodedAt: number;
  normalisedAt: number;
  handedOutAt: number;
}

/**
 * Request by request, as the collector does it: decode → normalise → enqueue, then the write
 * (flush) before the next; CPU per stage summed after the warm-up requests.
 */
async function pipeline(
  dbPath: string,
  bodies: Buffer[],
  itemsPer: number,
  decodeAndNormalise: (body: Buffer, batch: IngestBatch) => Stages,
): Promise<StageTotals> {
  const storage = openSqliteStorage({ path: dbPath, retention: { rawMs: 3 * 86_400_000, rollupMs: 30 * 86_400_000 }, maintenanceIntervalMs: 0 });
  const totals: StageTotals = { items: 0, decode: 0, normalise: 0, handOut: 0, handIn: 0, write: 0 };
  for (const [i, body] of bodies.entries()) {
    const batch = emptyBatch();
    const t0 = cpuNow();
    const { decodedAt, normalisedAt, handedOutAt } = decodeAndNormalise(body, batch);
    const t2 = cpuNow();
    storage.enqueue(batch);
    await storage.flush();
    const t3 = cpuNow();
    if (i < WARMUP_REQUESTS) continue;
    totals.items += itemsPer;
    totals.decode += decodedAt - t0;
    totals.normalise += normalisedAt - decodedAt;
    totals.handOut += handedOutAt - normalisedAt;
    totals.handIn += t2 - handedOutAt;
    totals.write += t3 - t2;
  }
  await storage.close();
  return totals;
}

function row(name: string, t: StageTotals, inWorkers: boolean): string[] {
  const per = (v: number): string => fmt(v / t.items, 2);
  const total = t.decode + t.normalise + t.handOut + t.handIn + t.write;
  const collectorThread = inWorkers ? t.handIn + t.write : total;
  return [
    name, fmt(t.items), per(t.decode), per(t.normalise), inWorkers ? `${per(t.handOut)} + ${per(t.handIn)}` : '—', per(t.write),
    per(total), per(collectorThread), fmt(1e6 / (collectorThread / t.items)),
  ];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-bench-stages-'));
  const now = Date.now();
  const traceBodies = Array.from({ length: 4 }, (_, i) => traceBody(i, 128, now));
  const metricBodies = await Promise.all(Array.from({ length: 4 }, (_, i) => metricBody(i, 50)));

  // Fresh random trace ids per request, as in bench/ingest, so the trace index grows as it
  // does in service.
  const traceIds = new RandomTraceIds();
  const traceCopies = Array.from({ length: WARMUP_REQUESTS + REQUESTS }, (_, r) => {
    const t = traceBodies[r % 4] as (typeof traceBodies)[number];
    const copy = Buffer.from(t.body);
    traceIds.writeInto(t, copy);
    return copy;
  });
  const spans = await pipeline(path.join(dir, 'traces.db'), traceCopies, traceBodies[0]?.spans ?? 0, (body, batch) => {
    const decoded = decodeProtobuf('traces', body);
    const decodedAt = cpuNow();
    normaliseTraces(decoded, batch, BigInt(Date.now()) * 1_000_000n);
    const normalisedAt = cpuNow();
    const message = v8.serialize({ instances: batch.instances, spans: batch.spans.map(toRow) });
    const handedOutAt = cpuNow();
    const back = v8.deserialize(message) as { instances: IngestBatch['instances']; spans: SpanRow[] };
    batch.instances = back.instances;
    batch.spans = back.spans.map(fromRow);
    return { decodedAt, normalisedAt, handedOutAt };
  });

  const c2d = new CumulativeToDelta();
  // Each metric request its own export interval, as in bench/ingest: the store skips a delta
  // point it has counted, so the same body again would measure only the skipping.
  const intervals = new FreshIntervals();
  const metricCopies = Array.from({ length: WARMUP_REQUESTS + REQUESTS }, (_, r) => {
    const m = metricBodies[r % 4] as (typeof metricBodies)[number];
    const copy = Buffer.from(m.body);
    intervals.writeInto(m, copy);
    return copy;
  });
  const points = await pipeline(path.join(dir, 'metrics.db'), metricCopies, metricBodies[0]?.points ?? 0, (body, batch) => {
    const decoded = decodeProtobuf('metrics', body);
    const decodedAt = cpuNow();
    const tx = c2d.begin();
    normaliseMetrics(decoded, batch, tx, BigInt(Date.now()) * 1_000_000n);
    tx.commit();
    const normalisedAt = cpuNow();
    return { decodedAt, normalisedAt, handedOutAt: normalisedAt };
  });
  rmSync(dir, { recursive: true, force: true });
  const rows = [row('spans', spans, true), row('metric points', points, false)];

  console.log('bench/ingest/stages — collector CPU per item by stage (no HTTP), µs');
  console.log(machineLine());
  console.log('');
  console.log(
    table(['items', 'count', 'decode', 'normalise', 'hand-over out + in', 'store write', 'total', 'collector thread', 'items/s the collector thread could write'], rows),
  );
  console.log('spans: decode, normalise and hand-over out run in the trace workers; metric points all in the collector thread');
  console.log('');
  console.log(`reproduce: node --import tsx bench/ingest/stages.ts --requests ${REQUESTS}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
