// /healthz with a dashboard token set: a probe without the token gets what an orchestrator needs
// (the status, 503 on a damaged store, the failure's code) and not where the database lives;
// with the token (header or query parameter) it gets the detail: the path, the failure's
// message, and the ingest caps' counts. Real collector, real HTTP, a real damaged SQLite file.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { HealthResponse } from '../../collector/src/health/healthz';
import { startCollector } from '../../collector/src/server';
import { tempDir } from './store-helpers';
import { getJson, sendTraces, serviceResource } from './support/collector-harness';
import { captureConsoleErrors } from './support/console-errors';
import { classifyTraces, damageOneSpansPage, fillDatabase } from './support/damaged-database';

const TOKEN = 'dash-0123456789';
const AUTH = { headers: { Authorization: `Bearer ${TOKEN}` } };

async function health(url: string, init?: RequestInit): Promise<{ status: number; body: HealthResponse; text: string }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as HealthResponse, text };
}

test('without the dashboard token /healthz says only the status; with it, the database path and the ingest counts', async (t) => {
  const dbPath = join(tempDir(t), 'headroom.db');
  const collector = await startCollector({ dbPath, otlpPort: 0, httpPort: 0, dashboardToken: TOKEN, maxServices: 7 });
  t.after(() => collector.close());
  await sendTraces(collector.otlpUrl, serviceResource('probe', 'probe-1'), [{ name: 'GET /', startMs: Date.now() - 1000, durationMs: 5 }]);
  await collector.storage.flush();

  for (const init of [undefined, { headers: { Authorization: 'Bearer wrong' } }]) {
    const open = await health(`${collector.httpUrl}/healthz`, init);
    assert.equal(open.status, 200);
    assert.deepEqual(Object.keys(open.body).sort(), ['status', 'uptime']);
    assert.equal(open.body.status, 'ok');
    assert.ok(!open.text.includes(dbPath), open.text);
  }
  for (const [url, init] of [[`${collector.httpUrl}/healthz`, AUTH], [`${collector.httpUrl}/healthz?token=${TOKEN}`, undefined]] as const) {
    const full = await health(url, init);
    assert.equal(full.status, 200);
    assert.equal(full.body.db?.path, dbPath);
    assert.ok((full.body.db?.bytes ?? 0) > 0);
    assert.deepEqual(full.body.ingest, { services: 1, maxServices: 7, maxInstancesPerService: 1000, itemsOverLimit: { services: 0, instances: 0 } });
  }
});

test('a damaged store: 503 and the failure\'s code for anyone, its message (which names the file) only with the token', async (t) => {
  const dbPath = join(tempDir(t), 'headroom.db');
  await fillDatabase(dbPath);
  damageOneSpansPage(dbPath);
  const { damaged } = classifyTraces(dbPath);
  const captured = captureConsoleErrors();
  t.after(() => captured.restore());
  const collector = await startCollector({ dbPath, otlpPort: 0, httpPort: 0, dashboardToken: TOKEN });
  t.after(() => collector.close());
  assert.equal((await getJson(`${collector.httpUrl}/api/traces/${damaged[0]}`, AUTH)).status, 503);

  const open = await health(`${collector.httpUrl}/healthz`);
  assert.equal(open.status, 503);
  assert.equal(open.body.status, 'failing');
  assert.equal(open.body.error?.code, 'HR_STORE_DAMAGED');
  assert.equal(open.body.error?.message, undefined);
  assert.equal(open.body.db, undefined);
  assert.ok(!open.text.includes(dbPath), open.text);

  const full = await health(`${collector.httpUrl}/healthz`, AUTH);
  assert.equal(full.status, 503);
  assert.equal(full.body.error?.code, 'HR_STORE_DAMAGED');
  assert.ok(full.body.error?.message?.includes(dbPath), full.text);
});
