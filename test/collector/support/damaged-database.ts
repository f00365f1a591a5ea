// A real database damaged on purpose, for the tests of what a query that reaches the damage
// answers (store-damaged-read, the dashboard's damaged-database view): filled through a real
// collector, then one leaf page in the middle of its spans table (or of another table: the
// alert store's) overwritten with garbage.
import assert from 'node:assert/strict';
import { closeSync, openSync, writeSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { startCollector } from '../../../collector/src/server';
import { sendMetrics, serviceResource } from './collector-harness';

export const TRACES = 1500;

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

/** A database of service `shop`: TRACES one-span traces and its request metrics, the collector closed. */
export async function fillDatabase(dbPath: string): Promise<void> {
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
export function damageOneSpansPage(dbPath: string): void {
  damageTablePage(dbPath, 'spans', 10);
}

/**
 * Overwrites a leaf page in the middle of `table` with garbage (its indexes stay whole); a
 * small table's one page is its root, so every read of it fails. `minLeaves`: the pages the
 * table must have, so the damage is where the test means it to be.
 */
export function damageTablePage(dbPath: string, table: string, minLeaves = 1): void {
  const db = new BetterSqlite3(dbPath);
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const leaves = db.prepare(`SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno`).pluck().all(table) as number[];
  db.close();
  assert.ok(leaves.length >= minLeaves, `the ${table} table has ${leaves.length} leaf pages`);
  const page = leaves[Math.floor(leaves.length / 2)]!;
  const fd = openSync(dbPath, 'r+');
  try {
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (page - 1) * pageSize);
  } finally {
    closeSync(fd);
  }
}

/** The trace ids whose rows can still be read, and those whose rows were on the damaged page. */
export function classifyTraces(dbPath: string): { readable: string[]; damaged: string[] } {
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
