// A database damaged in one page of its spans table opens (its header and schema are fine) and
// fails only the reads that reach that page. Such a read used to answer 500 HR_API_INTERNAL;
// now it answers 503 HR_STORE_DAMAGED with a message that names the file and the commands that
// mend it, /healthz answers 503 with the same, /metrics says so, and the log says it once.
// Queries that do not reach the damaged page still answer 200.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ServicesResponse, TraceResponse } from '../../collector/src/api-types';
import type { HealthResponse } from '../../collector/src/health/healthz';
import { startCollector, type RunningCollector } from '../../collector/src/server';
import { tempDir } from './store-helpers';
import { getJson } from './support/collector-harness';
import { classifyTraces, damageOneSpansPage, fillDatabase } from './support/damaged-database';
import { captureConsoleErrors } from './support/console-errors';

test('a read that reaches a damaged page answers 503 HR_STORE_DAMAGED naming the file and what to do; other reads still answer', async (t) => {
  const dbPath = join(tempDir(t), 'headroom.db');
  await fillDatabase(dbPath);
  damageOneSpansPage(dbPath);
  const { readable, damaged } = classifyTraces(dbPath);
  assert.ok(damaged.length > 0 && readable.length > damaged.length, `${damaged.length} damaged, ${readable.length} readable`);

  const captured = captureConsoleErrors();
  const logged = captured.lines;
  let collector: RunningCollector | null = null;
  t.after(async () => {
    captured.restore();
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
