// An event is stored once, however often its logs request arrives: OTLP exporters resend a
// request whose answer they did not get, and a stall or a crash stored twice would count twice
// (advisor, dashboard, alerts). Schema 7: an identity per event, unique per service and instance.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { Attributes } from '@opentelemetry/api';
import type { EventView } from '../../collector/src/api-types';
import { createOtlpReceiver } from '../../collector/src/receiver';
import type { Storage } from '../../collector/src/store/storage';
import { openTestStore, undoSchema7, undoSchema9, undoSchema12, undoSchema13, undoSchema14, undoSchema15, undoSchema16 } from './store-helpers';
import { captureOtlpBody, postOtlpBody, sendLogs, serviceResource, startTestCollector } from './support/collector-harness';

const MINUTE = 60_000;

interface LogSpec {
  timeMs: number;
  body?: string;
  attributes: Attributes;
}

/** One logs request as the SDK's protobuf exporter sends it (the same bytes can be posted again). */
function logsBody(instanceId: string, records: LogSpec[]): Promise<Buffer> {
  return captureOtlpBody((url) => sendLogs(url, serviceResource('shop', instanceId), records));
}

const stall = (timeMs: number, durationMs: number): LogSpec => ({
  timeMs,
  attributes: {
    'event.name': 'headroom.eventloop.stall',
    'headroom.stall.duration_ms': durationMs,
    'http.route': '/orders',
    'code.function': 'render',
    'code.filepath': '/app/render.js',
    'code.lineno': 12,
  },
});
const rejection = (timeMs: number, message: string): LogSpec => ({
  timeMs,
  body: message,
  attributes: { 'event.name': 'headroom.process.unhandled_rejection', 'exception.type': 'Error' },
});

function eventKeys(events: EventView[]): string[] {
  return events.map((e) => `${e.instanceId} ${e.type} ${e.timeMs} ${e.message ?? ''} ${e.durationMs ?? ''}`).sort();
}

test('the same logs request posted twice stores each event once; the stall and crash counts stay', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const now = Date.now();
  // Two rejections in the same millisecond with different messages are two events.
  const records = [stall(now - 5_000, 120), stall(now - 3_000, 80), rejection(now - 2_000, 'db down'), rejection(now - 2_000, 'cache down')];
  const body = await logsBody('shop-1', records);

  await postOtlpBody(collector.otlpUrl, 'logs', body);
  await collector.storage.flush();
  const range = { from: now - 10 * MINUTE, to: now + MINUTE };
  const once = collector.storage.events({ ...range, service: 'shop', limit: 100 }).events;
  assert.equal(once.length, 4);

  // The retry: the same bytes again, after the first copy was committed.
  await postOtlpBody(collector.otlpUrl, 'logs', body);
  await collector.storage.flush();
  const events = collector.storage.events({ ...range, service: 'shop', limit: 100 }).events;
  assert.deepEqual(eventKeys(events), eventKeys(once));
  assert.equal(collector.storage.stalls({ ...range, service: 'shop' }).groups.reduce((n, g) => n + g.count, 0), 2);

  // A resend merged with a new event, and the same records from another instance: the new
  // event and the other instance's copies are stored.
  await postOtlpBody(collector.otlpUrl, 'logs', await logsBody('shop-1', [...records, stall(now - 1_000, 300)]));
  await postOtlpBody(collector.otlpUrl, 'logs', await logsBody('shop-2', records));
  await collector.storage.flush();
  const after = collector.storage.events({ ...range, service: 'shop', limit: 100 }).events;
  assert.equal(after.filter((e) => e.instanceId === 'shop-1').length, 5);
  assert.equal(after.filter((e) => e.instanceId === 'shop-2').length, 4);
});

test('a resent process start is not a second start: no restart counted, the instance keeps one restart count', async (t) => {
  const collector = await startTestCollector();
  t.after(() => collector.dispose());
  const now = Date.now();
  const start = await logsBody('shop-1', [{ timeMs: now - 1_000, attributes: { 'event.name': 'headroom.process.start', 'headroom.setting.stall_threshold_ms': 50 } }]);
  await postOtlpBody(collector.otlpUrl, 'logs', start);
  await collector.storage.flush();
  await postOtlpBody(collector.otlpUrl, 'logs', start);
  await collector.storage.flush();

  const range = { from: now - 10 * MINUTE, to: now + MINUTE };
  const events = collector.storage.events({ ...range, service: 'shop', limit: 100 }).events;
  assert.deepEqual(
    events.map((e) => e.type),
    ['start'],
  );
  const instances = collector.storage.instances({ ...range, service: 'shop' }).instances;
  assert.deepEqual(
    instances.map((i) => [i.instanceId, i.restarts]),
    [['shop-1', 0]],
  );
});

function eventRows(path: string): { id: number; message: string | null; time_ns: bigint }[] {
  const db = new BetterSqlite3(path, { readonly: true });
  db.defaultSafeIntegers(true);
  try {
    return (db.prepare('SELECT id, message, time_ns FROM events ORDER BY id').all() as { id: bigint; message: string | null; time_ns: bigint }[]).map((r) => ({
      ...r,
      id: Number(r.id),
    }));
  } finally {
    db.close();
  }
}

test('opening a database that holds duplicate events keeps the first copy of each, and a resend after it is skipped', async (t) => {
  const now = Date.now();
  const { storage, dir, path } = openTestStore(t, { now });
  const records = [stall(now - 5_000, 120), rejection(now - 2_000, 'db down'), rejection(now - 2_000, 'cache down')];
  const body = await logsBody('shop-1', records);
  const post = async (s: Storage): Promise<void> => {
    const receiver = createOtlpReceiver({ storage: s, maxBodyBytes: 1024 * 1024, traceWorkers: 0 });
    const server = http.createServer((req, res) => receiver.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await postOtlpBody(`http://127.0.0.1:${port}`, 'logs', body);
      await s.flush();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await receiver.close();
    }
  };
  await post(storage);
  await storage.close();
  const original = eventRows(path);
  assert.equal(original.length, 3);

  // Back to schema 6: no identity, and every event stored twice more (as retried requests left
  // them), the copies with higher ids.
  const db = new BetterSqlite3(path);
  const columns = 'type, service, instance_id, time_ns, route, trace_id, span_id, duration_ms, message, location, attributes';
  undoSchema7(db);
  undoSchema9(db);
  undoSchema12(db);
  undoSchema13(db);
  undoSchema14(db);
  undoSchema15(db);
  undoSchema16(db);
  db.exec(`INSERT INTO events (${columns}) SELECT ${columns} FROM events ORDER BY id;
    INSERT INTO events (${columns}) SELECT ${columns} FROM events WHERE id <= 3 ORDER BY id;`);
  db.pragma('user_version = 6');
  db.close();
  assert.equal(eventRows(path).length, 9);

  const reopened = openTestStore(t, { dir, now });
  assert.deepEqual(eventRows(path), original);
  // The same request once more, after the upgrade: still skipped.
  await post(reopened.storage);
  assert.deepEqual(eventRows(path), original);
});
