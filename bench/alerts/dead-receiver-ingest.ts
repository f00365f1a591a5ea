// Does a webhook receiver that never answers slow ingest? The same OTLP/JSON trace load goes to
// a collector without alert rules (A) and to one whose firing rule and a burst of test
// notifications go to a receiver that accepts connections and never answers (B), alternating
// A/B so drift on a shared machine hits both. Prints the median of each.
//
//   node --import tsx bench/alerts/dead-receiver-ingest.ts [rounds=3] [requests=500]
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCollector, type RunningCollector } from '../../collector/src/server';

const ROUNDS = Number(process.argv[2] ?? 3);
const REQUESTS = Number(process.argv[3] ?? 500);
const SPANS = 20;
const PARALLEL = 10;

function body(i: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: SPANS }, (_, j) => ({
    traceId: (i + 1).toString(16).padStart(32, '0'),
    spanId: (j + 1).toString(16).padStart(16, '0'),
    name: 'GET /bench',
    kind: 2,
    startTimeUnixNano: String(now - 5_000_000n),
    endTimeUnixNano: String(now),
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }] }, scopeSpans: [{ spans }] }] });
}

async function load(collector: RunningCollector): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < REQUESTS; i += PARALLEL) {
    await Promise.all(
      Array.from({ length: PARALLEL }, (_, k) =>
        fetch(`${collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(i + k) }).then((r) => r.arrayBuffer()),
      ),
    );
  }
  await collector.storage.flush();
  return performance.now() - started;
}

async function json(url: string, payload: unknown): Promise<void> {
  await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) }).then((r) => r.arrayBuffer());
}

async function round(withDead: boolean): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-bench-alerts-'));
  const hanging: http.ServerResponse[] = [];
  const dead = http.createServer((_req, res) => hanging.push(res));
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/hook`;
  const collector = await startCollector({
    dbPath: join(dir, 'h.db'),
    otlpPort: 0,
    httpPort: 0,
    alerts: { intervalMs: 1_000, delivery: { timeoutMs: 10_000 } },
  });
  try {
    if (withDead) {
      await json(`${collector.httpUrl}/api/alerts/destinations`, { id: 'dead', type: 'webhook', url: deadUrl });
      await json(`${collector.httpUrl}/api/alerts/rules`, { id: 'quiet', name: 'quiet', series: 'throughput', service: 'idle', windowMs: '1m', comparison: '<', threshold: 1e6, destinations: ['dead'] });
      for (let i = 0; i < 50; i++) await json(`${collector.httpUrl}/api/alerts/destinations/dead/test`, {});
    }
    await load(collector); // warm-up
    return await load(collector);
  } finally {
    for (const res of hanging) res.destroy();
    dead.closeAllConnections();
    dead.close();
    await collector.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    a.push(await round(false));
    b.push(await round(true));
  }
  const rate = (ms: number): number => Math.round((REQUESTS * SPANS) / (ms / 1000));
  console.log(`machine: ${cpus()[0]?.model ?? '?'} × ${cpus().length}, Node ${process.version}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log(`${REQUESTS} OTLP/JSON requests × ${SPANS} spans, ${PARALLEL} in flight, ${ROUNDS} alternating rounds (median)`);
  console.log(`| collector | ms | spans/s | rounds (ms) |`);
  console.log(`|---|---|---|---|`);
  console.log(`| no alert rules | ${median(a).toFixed(0)} | ${rate(median(a))} | ${a.map((x) => x.toFixed(0)).join(', ')} |`);
  console.log(`| firing rule + 50 test notifications to a never-answering receiver | ${median(b).toFixed(0)} | ${rate(median(b))} | ${b.map((x) => x.toFixed(0)).join(', ')} |`);
  console.log(`command: node --import tsx bench/alerts/dead-receiver-ingest.ts ${ROUNDS} ${REQUESTS}`);
}

void main();
