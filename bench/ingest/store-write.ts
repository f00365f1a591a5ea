// bench/ingest/store-write — the store's span write alone (no HTTP, no decode): what one span
// costs the collector's thread to commit, with random trace ids as SDKs draw them, as the
// spans table and its trace index grow. Requests of 512 spans (bench/ingest's bodies,
// decoded and normalised once) get fresh random trace ids and are enqueued --queued at a
// time before the writer drains them, as a busy collector's queue holds several requests
// (the writer then commits up to its per-transaction limit at once). CPU time
// (process.cpuUsage) and wall time per span, per slice of the run, so the growth shows.
//
// Reproduce (about 20 s):  node --import tsx bench/ingest/store-write.ts [--spans 800000] [--queued 8]
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emptyBatch, type IngestBatch, type SpanRecord } from '../../collector/src/model';
import { decodeProtobuf } from '../../collector/src/receiver/decode/protobuf';
import { normaliseTraces } from '../../collector/src/receiver/normalise/traces';
import { openSqliteStorage } from '../../collector/src/store/sqlite';
import { fmt, machineLine, numberArg, table } from '../common/report';
import { traceBody } from './payloads';

const SPANS = numberArg('spans', 800_000);
const QUEUED = numberArg('queued', 8);
const SLICES = 4;

function cpuNow(): number {
  const used = process.cpuUsage();
  return used.user + used.system;
}

/** The template's spans with every trace's id replaced by a fresh random one. */
function withFreshIds(template: SpanRecord[], random: Buffer): IngestBatch['spans'] {
  randomFillSync(random);
  const ids = new Map<string, string>();
  let next = 0;
  return template.map((s) => {
    let id = ids.get(s.traceId);
    if (id === undefined) {
      id = random.toString('hex', next * 16, next * 16 + 16);
      next++;
      ids.set(s.traceId, id);
    }
    return { ...s, traceId: id };
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-bench-store-write-'));
  const now = Date.now();
  const templates = Array.from({ length: 4 }, (_, i) => {
    const batch = emptyBatch();
    normaliseTraces(decodeProtobuf('traces', traceBody(i, 128, now).body), batch, BigInt(now) * 1_000_000n);
    return batch;
  });
  const perRequest = templates[0]?.spans.length ?? 0;
  const requests = Math.ceil(SPANS / perRequest);
  const storage = openSqliteStorage({
    path: path.join(dir, 'headroom.db'),
    retention: { rawMs: 3 * 86_400_000, rollupMs: 30 * 86_400_000 },
    maintenanceIntervalMs: 0,
  });
  const random = Buffer.alloc(16 * 256);
  const rows: string[][] = [];
  let slice = { spans: 0, cpu: 0, wall: 0 };
  let total = { spans: 0, cpu: 0, wall: 0 };
  for (let r = 0; r < requests; r += QUEUED) {
    const group = Array.from({ length: Math.min(QUEUED, requests - r) }, (_, i) => {
      const t = templates[(r + i) % 4] as IngestBatch;
      return { ...t, spans: withFreshIds(t.spans, random) };
    });
    const c0 = cpuNow();
    const w0 = performance.now();
    for (const b of group) storage.enqueue(b);
    await storage.flush();
    const spans = group.length * perRequest;
    slice.spans += spans;
    slice.cpu += cpuNow() - c0;
    slice.wall += (performance.now() - w0) * 1000;
    if (slice.spans >= requests * perRequest / SLICES || r + QUEUED >= requests) {
      rows.push([
        `${fmt(total.spans)}–${fmt(total.spans + slice.spans)}`,
        fmt(slice.cpu / slice.spans, 2),
        fmt(slice.wall / slice.spans, 2),
        fmt(1e6 / (slice.wall / slice.spans)),
      ]);
      total = { spans: total.spans + slice.spans, cpu: total.cpu + slice.cpu, wall: total.wall + slice.wall };
      slice = { spans: 0, cpu: 0, wall: 0 };
    }
  }
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
  rows.push(['all', fmt(total.cpu / total.spans, 2), fmt(total.wall / total.spans, 2), fmt(1e6 / (total.wall / total.spans))]);

  console.log('bench/ingest/store-write — the store committing spans with random trace ids (no HTTP, no decode)');
  console.log(machineLine());
  console.log(`${fmt(perRequest)} spans per request, ${QUEUED} requests queued before each drain`);
  console.log('');
  console.log(table(['spans stored', 'CPU µs/span', 'wall µs/span', 'spans/s (wall)'], rows));
  console.log('');
  console.log(`reproduce: node --import tsx bench/ingest/store-write.ts --spans ${SPANS} --queued ${QUEUED}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
