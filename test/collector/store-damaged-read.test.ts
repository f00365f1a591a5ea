// A database damaged in one page of its spans table opens (its header and schema are fine) and
// fails only the reads that reach that page. Such a read used to answer 500 HR_API_INTERNAL;
// now it answers 503 HR_STORE_DAMAGED with a message that names the file and the commands that
// mend it, /healthz answers 503 with the same, /metrics says so, and the log says it once.
// Queries that do not reach the damaged page still answer 200.
import assert from 'node:assert/strict';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { ServicesResponse, TraceResponse } from '../../collector/src/api-types';
import type { HealthResponse } from '../../collector/src/health/healthz';
import { startCollector, type RunningCollector } from '../../collector/src/server';
import { tempDir } from './store-helpers';
import { getJson, sendMetrics, serviceResource } from './support/collector-harness';

const TRACES = 1500;

function traceIdOf(i: number): string {
  return (i + 1).toString(16).padStart(32, '0');
}

/** One OTLP/JSON request with TRACES one-span traces of `service`, each with some text, so the spans table spans many pages. */
function traceRequest(service: string): string {
  const startNs = BigInt(Date.now() - 60_000) * 1_000_000n;
  const spans = Array.from({ length: TRACES }, (_, i) => ({
    traceId: traceIdOf(i),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: 'GET /orders/:id',
    kind: 2,
    startTimeUnixNano: String(startNs + BigInt(i) * 1_000_000n),
    endTimeUnixNano: String(startNs + BigInt(i) * 1_000_000n + 30_000_000n),
    attributes: [
      { key: 'http.request.method', value: { stringValue: 'GET' } },
      { key: 'http.route', value: { stringValue: '/orders/:id' } },
      { key: 'db.statement', value: { stringValue: `select * from orders where id = ${i} ${'-- padding '.repeat(20)}` } },
    ],
  }));
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'service.instance.id', value: { stringValue: `${service}-1` } }] };
  return JSON.stringify({ resourceSpans: [{ resource, scopeSpans: [{ spans }] }] });
}

async function fill(dbPath: string): Promise<void> {
  const collector = await startCollector({ dbPath, host: '127.0.0.1', otlpPort: 0, httpPort: 0 });
  try {
    const res = await fetch(`${collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: traceRequest('shop') });
    assert.equal(res.status, 200, await res.text());
    const request = { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'http.response.status_code': 200 };
    await sendMetrics(collector.otlpUrl, serviceResource('shop', 'shop-1'), (m) => m.histogram('http.server.request.duration', 's', [0.03, 0.05], request));
    await collector.storage.flush();
  } finally {
    await collector.close();
  }
}

/** Overwrites a leaf page in the middle of the spans table with garbage (its indexes stay whole). */
function damageOneSpansPage(dbPath: string): void {
  const db = new BetterSqlite3(dbPath);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const leaves = db.prepare(`SELECT pageno FROM dbstat WHERE name = 'spans' AND pagetype = 'leaf' ORDER BY pageno`).pluck().all() as number[];
  db.close();
  assert.ok(leaves.length >= 10, `the spans table has ${leaves.length} leaf pages`);
  const page = leaves[Math.floor(leaves.length / 2)]!;
  const fd = openSync(dbPath, 'r+');
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}

/** The trace ids whose rows can still be read, and those whose rows were on the damaged page. */
function classifyTraces(dbPath: string): { readable: string[]; damaged: string[] } {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  const read = db.prepare('SELECT attributes FROM spans WHERE trace_id = ?');
  const readable: string[] = [];
  const damaged: string[] = [];
  for (let i = 0; i < TRACES; i++) {
    const id = traceIdOf(i);
    try {
      read.all(Buffer.from(id, 'hex'));
      readable.push(id);
    } catch {
      damaged.push(id);
    }
  }
  db.close();
  return { readable, damaged };
}

test('a read that reaches a damaged page answers 503 HR_STORE_DAMAGED naming the file and what to do; other reads still answer', async (t) => {
  const dbPath = join(tempDir(t), 'headroom.db');
  await fill(dbPath);
  damageOneSpansPage(dbPath);
  const { readable, damaged } = classifyTraces(dbPath);
  assert.ok(damaged.length > 0 && readable.length > damaged.length, `${damaged.length} damaged, ${readable.length} readable`);

  const logged: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    logged.push(args.map(String).join(' '));
  };
  let collector: RunningCollector | null = null;
  t.after(async () => {
    console.error = consoleError;
    await collector?.close();
  });
  collector = await startCollector({ dbPath, host: '127.0.0.1', otlpPort: 0, httpPort: 0 });
  const api = collector.httpUrl;

  // Before any read reached the damage, the collector is healthy.
  assert.equal((await getJson<HealthResponse>(`${api}/healthz`)).status, 200);

  const good = await getJson<TraceResponse>(`${api}/api/traces/${readable[0]}`);
  assert.equal(good.status, 200);
  assert.equal(good.body.spans.length, 1);

  const bad = await getJson<{ error: { code: string; message: string } }>(`${api}/api/traces/${damaged[0]}`);
  assert.equal(bad.status, 503);
  assert.equal(bad.body.error.code, 'HR_STORE_DAMAGED');
  const message = bad.body.error.message;
  assert.ok(message.includes(dbPath), message);
  assert.match(message, /database disk image is malformed \(SQLITE_CORRUPT[A-Z_]*\), reading trace /);
  assert.match(message, /stop the collector, then restore the file from a backup, or move it away/);
  assert.ok(message.includes(`sqlite3 ${dbPath} .dump | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/' | sqlite3 ${dbPath}.recovered`), message);
  assert.match(message, /PRAGMA user_version = \d+/);

  // What does not reach the damaged page still answers.
  assert.equal((await getJson<TraceResponse>(`${api}/api/traces/${readable.at(-1)}`)).status, 200);
  const services = await getJson<ServicesResponse>(`${api}/api/services?range=1h`);
  assert.equal(services.status, 200);
  assert.deepEqual(services.body.services.map((s) => s.service), ['shop']);
  assert.equal((await getJson(`${api}/api/services/shop/instances?range=1h`)).status, 200);

  // /healthz and /metrics say so, with the same message.
  const health = await getJson<HealthResponse>(`${api}/healthz`);
  assert.equal(health.status, 503);
  assert.equal(health.body.status, 'failing');
  assert.equal(health.body.error?.code, 'HR_STORE_DAMAGED');
  assert.equal(health.body.error?.message, message);
  const metrics = await (await fetch(`${api}/metrics`)).text();
  assert.match(metrics, /^headroom_store_damaged 1$/m);

  // Another damaged read: the same answer, and the log still says it once.
  assert.equal((await getJson(`${api}/api/traces/${damaged.at(-1)}`)).status, 503);
  const lines = logged.filter((l) => l.includes('HR_STORE_DAMAGED'));
  assert.equal(lines.length, 1, logged.join('\n'));
  assert.ok(lines[0]!.includes(dbPath), lines[0]);
  assert.ok(!logged.some((l) => l.includes('HR_API_INTERNAL')), logged.join('\n'));
});
