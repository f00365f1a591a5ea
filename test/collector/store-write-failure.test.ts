// A database damaged in its middle pages opens (its header and schema are fine) and then
// fails every write to the damaged table. QA pass 4 saw that dropped silently: agents got
// 200, /healthz said "ok". Now the store holds the failed batches and retries them, the
// receiver answers 503 with Retry-After, /healthz answers 503 with the reason, and the log
// says once which file and what to do.
import assert from 'node:assert/strict';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openSqliteStorage, type SqliteStorage } from '../../collector/src/store/sqlite';
import { batchWith, DAY_MS, makeTrace, prng, tempDir } from './store-helpers';
import { startCli } from './support/cli-process';

const retention = { rawMs: 3 * DAY_MS, rollupMs: 30 * DAY_MS };

interface SavedPage {
  offset: number;
  bytes: Buffer;
}

/** A database with 100 stored traces, closed (so all its pages are in the file, none in a WAL). */
async function databaseWithTraces(path: string): Promise<void> {
  const storage = openSqliteStorage({ path, retention, maintenanceIntervalMs: 0 });
  const rand = prng(5);
  for (let i = 0; i < 100; i++) {
    storage.enqueue(batchWith({ spans: makeTrace(rand, { service: 'api', instanceId: 'a-1', route: '/x', startMs: Date.now() - 10_000 - i, durationMs: 40 }) }));
  }
  await storage.flush();
  await storage.close();
}

/**
 * Overwrites the spans table's pages that every insert reads (its b-tree root and those of
 * its indexes: pages in the middle of the file) with garbage; returns what was there.
 */
function damageSpansPages(path: string): SavedPage[] {
  const db = new BetterSqlite3(path);
  // Every page into the file itself: a page still in the WAL would be read from there.
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const roots = db.prepare(`SELECT rootpage FROM sqlite_schema WHERE tbl_name = 'spans' AND rootpage > 0`).pluck().all() as number[];
  db.close();
  assert.ok(roots.length >= 2 && roots.every((p) => p > 1), `the spans table and its indexes: ${roots.join(', ')}`);
  const fd = openSync(path, 'r+');
  try {
    return roots.map((page) => {
      const offset = (page - 1) * pageSize;
      const bytes = Buffer.alloc(pageSize);
      readSync(fd, bytes, 0, pageSize, offset);
      writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, offset);
      return { offset, bytes };
    });
  } finally {
    closeSync(fd);
  }
}

function restorePages(path: string, pages: SavedPage[]): void {
  const fd = openSync(path, 'r+');
  try {
    for (const page of pages) writeSync(fd, page.bytes, 0, page.bytes.length, page.offset);
  } finally {
    closeSync(fd);
  }
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A one-span OTLP/JSON trace request, as any SDK may send it. */
function jsonTrace(service: string, traceByte: string): string {
  const startNs = BigInt(Date.now() - 2_000) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'service.instance.id', value: { stringValue: `${service}-1` } }] },
        scopeSpans: [
          {
            spans: [
              {
                traceId: traceByte.repeat(32),
                spanId: traceByte.repeat(16),
                name: 'GET /x',
                kind: 2,
                startTimeUnixNano: String(startNs),
                endTimeUnixNano: String(startNs + 30_000_000n),
                attributes: [{ key: 'http.route', value: { stringValue: '/x' } }],
              },
            ],
          },
        ],
      },
    ],
  });
}

async function postTrace(otlpUrl: string, traceByte: string): Promise<{ status: number; retryAfter: string | null; body: { message?: string } }> {
  const res = await fetch(`${otlpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: jsonTrace('damaged', traceByte) });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: text ? (JSON.parse(text) as { message?: string }) : {} };
}

test('a write the damaged file refuses is held, not dropped, and stored once the file works again', async (t) => {
  const path = join(tempDir(t), 'headroom.db');
  await databaseWithTraces(path);
  const pages = damageSpansPages(path);

  const storage: SqliteStorage = openSqliteStorage({ path, retention, maintenanceIntervalMs: 0, writeRetryMs: 50 });
  t.after(() => storage.close());
  const spans = makeTrace(prng(9), { service: 'api', instanceId: 'a-1', route: '/x', startMs: Date.now() - 1_000, durationMs: 25 });
  assert.equal(storage.enqueue(batchWith({ spans })), true, 'nothing is known to fail yet');
  await until('the failing state', () => storage.writeFailure?.() != null);

  const failure = storage.writeFailure();
  assert.ok(failure);
  assert.equal(failure.code, 'HR_STORE_FAILING');
  assert.match(failure.sqliteCode, /^SQLITE_CORRUPT/);
  assert.ok(failure.message.includes(path), failure.message);
  assert.match(failure.message, /restore the file from a backup, or move it away/);
  assert.equal(storage.enqueue(batchWith({ spans: makeTrace(prng(10), { service: 'api', instanceId: 'a-1', route: '/x', startMs: Date.now(), durationMs: 5 }) })), false, 'refused while failing, so the sender keeps it');
  assert.equal(storage.stats().itemsDropped, 0, 'nothing dropped');

  // The file works again (here: its pages put back); the next retry writes the held batch.
  restorePages(path, pages);
  await until('the store to work again', () => storage.writeFailure() === null);
  assert.equal(storage.trace(spans[0]!.traceId)?.spans.length, spans.length, 'the held batch was stored');
  assert.equal(storage.stats().itemsDropped, 0);
});

test('batches still held when the store closes get one last try, then count as dropped', async (t) => {
  const path = join(tempDir(t), 'headroom.db');
  await databaseWithTraces(path);
  damageSpansPages(path);
  const storage = openSqliteStorage({ path, retention, maintenanceIntervalMs: 0, writeRetryMs: 60_000 });
  const spans = makeTrace(prng(11), { service: 'api', instanceId: 'a-1', route: '/x', startMs: Date.now() - 1_000, durationMs: 25 });
  assert.equal(storage.enqueue(batchWith({ spans })), true);
  await until('the failing state', () => storage.writeFailure() !== null);
  await storage.close();
  assert.equal(storage.stats().itemsDropped, spans.length, 'counted, not lost silently');
});

test('a collector on a damaged file says so: /healthz 503, OTLP 503 with Retry-After, one log line naming the file', async (t) => {
  const path = join(tempDir(t), 'headroom.db');
  await databaseWithTraces(path);
  damageSpansPages(path);

  const collector = await startCli(['--db', path]);
  t.after(() => collector.stop());
  const healthy = await fetch(`${collector.httpUrl}/healthz`);
  assert.equal(healthy.status, 200, 'the file opened, and nothing failed yet');
  await healthy.body?.cancel();
  assert.match(await (await fetch(`${collector.httpUrl}/metrics`)).text(), /^headroom_store_write_failing 0$/m);

  // Taken (nothing is known to fail yet), then its write fails.
  assert.equal((await postTrace(collector.otlpUrl, '1')).status, 200);
  let health: { status: number; body: { status: string; error?: { code: string; message: string; sqliteCode: string } } } = { status: 0, body: { status: '' } };
  const deadline = Date.now() + 5_000;
  while (health.status !== 503 && Date.now() < deadline) {
    const res = await fetch(`${collector.httpUrl}/healthz`);
    health = { status: res.status, body: (await res.json()) as typeof health.body };
  }
  assert.equal(health.status, 503);
  assert.equal(health.body.status, 'failing');
  assert.equal(health.body.error?.code, 'HR_STORE_FAILING');
  assert.ok(health.body.error?.message.includes(path), health.body.error?.message);

  for (const byte of ['2', '3']) {
    const refused = await postTrace(collector.otlpUrl, byte);
    assert.equal(refused.status, 503, 'retryable: the agent keeps the data');
    assert.equal(refused.retryAfter, '5');
    assert.match(refused.body.message ?? '', /HR_OTLP_STORE_FAILING/);
  }

  const metrics = await (await fetch(`${collector.httpUrl}/metrics`)).text();
  assert.match(metrics, /^headroom_store_write_failing 1$/m);

  const lines = collector.stderr().split('\n').filter((line) => line.includes('HR_STORE_FAILING'));
  assert.equal(lines.length, 1, `once, not per batch:\n${collector.stderr()}`);
  assert.ok(lines[0]!.includes(path), lines[0]);
  assert.match(lines[0]!, /malformed.*restore the file from a backup, or move it away/);
  assert.doesNotMatch(collector.stderr(), /HR_STORE_WRITE/, 'nothing was dropped');
});
