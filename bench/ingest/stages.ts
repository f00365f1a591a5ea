// bench/ingest/stages — where the collector's CPU per span and per metric point goes, stage by
// stage, in one process without HTTP: protobuf decode (the receiver's generated decoders),
// normalise (OTLP → IngestBatch), and the store's write (enqueue + the single writer's
// transaction into a fresh SQLite file). Same bodies as bench/ingest (payloads.ts). CPU time
// (process.cpuUsage), so a busy shared machine distorts it less than wall time.
//
// Reproduce (about 30 s):  node --import tsx bench/ingest/stages.ts [--requests 300]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptyBatch, type IngestBatch } from '../../collector/src/model';
import { CumulativeToDelta } from '../../collector/src/receiver/cumulative-to-delta';
import { decodeProtobuf } from '../../collector/src/receiver/decode/protobuf';
import type { ExportMetricsServiceRequest, ExportTraceServiceRequest } from '../../collector/src/receiver/decode/otlp-types';
import { normaliseMetrics } from '../../collector/src/receiver/normalise/metrics';
import { normaliseTraces } from '../../collector/src/receiver/normalise/traces';
import { openSqliteStorage } from '../../collector/src/store/sqlite';
import { fmt, machineLine, numberArg, table } from '../common/report';
import { metricBody, traceBody } from './payloads';

const REQUESTS = numberArg('requests', 300);

function cpuMicros(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

async function writeMicros(dbPath: string, batches: IngestBatch[]): Promise<number> {
  const storage = openSqliteStorage({ path: dbPath, retention: { rawMs: 3 * 86_400_000, rollupMs: 30 * 86_400_000 }, maintenanceIntervalMs: 0 });
  const before = process.cpuUsage();
  for (const batch of batches) {
    while (!storage.enqueue(batch)) await storage.flush();
  }
  await storage.flush();
  const used = process.cpuUsage(before);
  await storage.close();
  return used.user + used.system;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-bench-stages-'));
  const now = Date.now();
  const traceBodies = Array.from({ length: 4 }, (_, i) => traceBody(i, 128, now));
  const metricBodies = await Promise.all(Array.from({ length: 4 }, (_, i) => metricBody(i, 50)));
  const rows: string[][] = [];

  // Traces: fresh trace ids per request, as in bench/ingest, so the trace index grows realistically.
  const traceCopies = Array.from({ length: REQUESTS }, (_, r) => {
    const t = traceBodies[r % 4] as (typeof traceBodies)[number];
    const copy = Buffer.from(t.body);
    for (const offsets of t.traceIdOffsets) {
      const id = BigInt(now) * 65536n + BigInt(r * 1000 + offsets[0]!);
      for (const at of offsets) copy.writeBigUInt64BE(id, at);
    }
    return copy;
  });
  const spans = REQUESTS * (traceBodies[0]?.spans ?? 0);
  let decodedTraces: ExportTraceServiceRequest[] = [];
  const decodeT = cpuMicros(() => {
    decodedTraces = traceCopies.map((b) => decodeProtobuf('traces', b));
  });
  const traceBatches: IngestBatch[] = [];
  const normT = cpuMicros(() => {
    for (const d of decodedTraces) {
      const batch = emptyBatch();
      normaliseTraces(d, batch, BigInt(Date.now()) * 1_000_000n);
      traceBatches.push(batch);
    }
  });
  const writeT = await writeMicros(path.join(dir, 'traces.db'), traceBatches);
  const totalT = decodeT + normT + writeT;
  rows.push(['spans', fmt(spans), fmt(decodeT / spans, 2), fmt(normT / spans, 2), fmt(writeT / spans, 2), fmt(totalT / spans, 2), fmt(1e6 / (totalT / spans))]);

  const metricRequests = REQUESTS * 4;
  const points = metricRequests * (metricBodies[0]?.points ?? 0);
  let decodedMetrics: ExportMetricsServiceRequest[] = [];
  const decodeM = cpuMicros(() => {
    decodedMetrics = Array.from({ length: metricRequests }, (_, r) => decodeProtobuf('metrics', (metricBodies[r % 4] as (typeof metricBodies)[number]).body));
  });
  const c2d = new CumulativeToDelta();
  const metricBatches: IngestBatch[] = [];
  const normM = cpuMicros(() => {
    for (const d of decodedMetrics) {
      const batch = emptyBatch();
      const tx = c2d.begin();
      normaliseMetrics(d, batch, tx, BigInt(Date.now()) * 1_000_000n);
      tx.commit();
      metricBatches.push(batch);
    }
  });
  const writeM = await writeMicros(path.join(dir, 'metrics.db'), metricBatches);
  const totalM = decodeM + normM + writeM;
  rows.push(['metric points', fmt(points), fmt(decodeM / points, 2), fmt(normM / points, 2), fmt(writeM / points, 2), fmt(totalM / points, 2), fmt(1e6 / (totalM / points))]);
  rmSync(dir, { recursive: true, force: true });

  console.log('bench/ingest/stages — collector CPU per item by stage (no HTTP), µs');
  console.log(machineLine());
  console.log('');
  console.log(table(['items', 'count', 'decode', 'normalise', 'store write', 'total', 'items per CPU-second'], rows));
  console.log('');
  console.log(`reproduce: node --import tsx bench/ingest/stages.ts --requests ${REQUESTS}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
