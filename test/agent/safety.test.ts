// "Never harms the app": off switch, bad settings, double start, exit behaviour on signals,
// natural exit, process.exit() and crashes unchanged, uncaught exceptions recorded.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { EventsResponse, InstancesResponse, TracesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, REGISTER, requestsByRoute, runApp, startTestCollector, type TestCollector } from './support/harness';

/** A plain HTTP server that only counts what reaches it. */
async function countingServer(): Promise<{ url: string; count: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    n++;
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, count: () => n, close: () => new Promise((r) => server.close(() => r())) };
}

describe('agent safety', () => {
  let collector: TestCollector;
  before(async () => {
    collector = await startTestCollector();
  });
  after(async () => {
    await collector?.close();
  });

  test('HEADROOM_ENABLED=false turns it off entirely', async () => {
    const sink = await countingServer();
    const app = await runApp(`${FIXTURES}/express-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, HEADROOM_ENABLED: 'false', OTEL_METRIC_EXPORT_INTERVAL: '200' });
    for (let i = 0; i < 5; i++) assert.equal(await fetch(`${app.base}/hello`).then((r) => r.text()), 'hello');
    await new Promise((r) => setTimeout(r, 800));
    await app.stop();
    await sink.close();
    assert.equal(sink.count(), 0);
    assert.equal(app.stderr(), '');
  });

  test('HEADROOM_ENABLED=false loads no OpenTelemetry package', () => {
    // Switched off, the agent costs the app no memory: it reads its settings and stops.
    const listLoaded = `process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('node_modules'))))`;
    const run = spawnSync(process.execPath, ['--require', REGISTER, '-e', listLoaded], {
      env: { PATH: process.env.PATH ?? '', HEADROOM_ENABLED: 'false' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), []);
  });

  test('bad settings are one warning on stderr, and the app runs', async () => {
    const app = await runApp(`${FIXTURES}/express-app.js`, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl,
      HEADROOM_APDEX_T: 'fast',
      HEADROOM_TRACES_PER_SECOND: '-3',
      OTEL_SERVICE_NAME: 'agent-bad-config',
    });
    assert.equal(await fetch(`${app.base}/hello`).then((r) => r.text()), 'hello');
    await app.stop();
    const lines = app.stderr().split('\n').filter((l) => l.includes('HR_AGENT_CONFIG'));
    assert.equal(lines.length, 1, app.stderr());
    assert.match(lines[0]!, /HEADROOM_APDEX_T/);
    assert.match(lines[0]!, /HEADROOM_TRACES_PER_SECOND/);
  });

  test('an app with no name anywhere is told how to name it, once, and reports as unknown_service:node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'headroom-nameless-'));
    try {
      writeFileSync(join(dir, 'package.json'), '{"private": true}');
      writeFileSync(join(dir, 'app.js'), "process.stdout.write('ran\\n');");
      const env: Record<string, string | undefined> = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl };
      delete env.OTEL_SERVICE_NAME;
      delete env.OTEL_RESOURCE_ATTRIBUTES;
      const run = spawnSync(process.execPath, ['--require', REGISTER, join(dir, 'app.js')], { cwd: dir, env, encoding: 'utf8', timeout: 30_000 });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /ran/);
      const lines = run.stderr.split('\n').filter((l) => l.includes('no service name'));
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, /HR_AGENT_CONFIG.*unknown_service:node.*OTEL_SERVICE_NAME/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('starting twice is harmless: one instance', async () => {
    const app = await runApp(`${FIXTURES}/double-start-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: 'agent-double' }, { agent: false });
    for (let i = 0; i < 5; i++) await fetch(`${app.base}/`).then((r) => r.text());
    const starts = await eventually(async () => {
      const r = await collector.api<EventsResponse>(`/api/events?service=agent-double&type=start&${RANGE()}`);
      return r.events.length > 0 ? r.events : undefined;
    }, 'start event');
    await app.stop();
    assert.equal(starts.length, 1);
    const instances = await collector.api<InstancesResponse>(`/api/services/agent-double/instances?${RANGE()}`);
    assert.equal(instances.instances.length, 1);
    assert.equal(app.stderr(), '');
  });

  test('SIGTERM without an app handler still kills the process by the signal', async () => {
    const app = await runApp(`${FIXTURES}/express-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl });
    const exit = await app.stop('SIGTERM');
    assert.deepEqual(exit, { code: null, signal: 'SIGTERM' });
  });

  test("SIGTERM with the app's own handler is the app's to decide", async () => {
    const app = await runApp(`${FIXTURES}/double-start-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OWN_SIGTERM: '1' }, { agent: false });
    const exit = await app.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.match(app.stdout(), /app handled SIGTERM/);
  });

  test('a script that ends by itself exits with its own status', async () => {
    const app = await runApp(`${FIXTURES}/exit-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, EXIT_CODE: '3' }, { waitForListen: false });
    const exit = await app.exited;
    assert.deepEqual(exit, { code: 3, signal: null });
    assert.match(app.stdout(), /done/);
  });

  test('a script that ends by itself while the collector is unreachable exits after the shutdown timeout, not the export timeout, with its own status', async () => {
    // A port nothing listens on: every export attempt is refused, and OTel's exporter retries
    // until OTEL_EXPORTER_OTLP_TIMEOUT (30 s here) unless the agent lets the process go.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const started = Date.now();
    const app = await runApp(
      `${FIXTURES}/exit-app.js`,
      { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, EXIT_CODE: '3', HEADROOM_SHUTDOWN_TIMEOUT_MS: '500', OTEL_EXPORTER_OTLP_TIMEOUT: '30000' },
      { waitForListen: false },
    );
    const exit = await app.exited;
    const tookMs = Date.now() - started;
    assert.deepEqual(exit, { code: 3, signal: null });
    assert.match(app.stdout(), /done/);
    // Start-up plus 0.5 s of flush; held by the exporter's retries it took the whole 30 s.
    assert.ok(tookMs < 15_000, `exited after ${tookMs} ms`);
  });

  test('an app that calls process.exit() keeps its status and still delivers what the agent held, with its OTLP headers', async () => {
    const service = 'agent-exit-call';
    const guarded = await startTestCollector({ ingestToken: 'exit-token' });
    try {
      const app = await runApp(`${FIXTURES}/exit-call-app.js`, {
        OTEL_EXPORTER_OTLP_ENDPOINT: guarded.collector.otlpUrl,
        OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Bearer%20exit-token',
        OTEL_SERVICE_NAME: service,
        EXIT_CODE: '4',
        // No periodic metric export before the exit: the requests' metrics arrive only if delivered at exit.
        OTEL_METRIC_EXPORT_INTERVAL: '60000',
        // The delivery at exit starts a node process and waits for the collector's answers:
        // 2 s (the default) is not always enough on a crowded test machine.
        HEADROOM_SHUTDOWN_TIMEOUT_MS: '15000',
      });
      for (let i = 0; i < 5; i++) await fetch(`${app.base}/hello`).then((r) => r.text());
      await fetch(`${app.base}/exit`).then((r) => r.text());
      assert.deepEqual(await app.exited, { code: 4, signal: null });
      assert.deepEqual(await requestsByRoute(guarded, service, 5), { GET: 5 });
      // The default budget samples these five; their spans were still in the export queue (batched for 1 s).
      const traces = await eventually(async () => {
        const r = await guarded.api<TracesResponse>(`/api/traces?service=${service}&limit=20&${RANGE()}`);
        return r.traces.length >= 5 ? r.traces : undefined;
      }, 'five traces');
      assert.equal(traces.length, 5);
    } finally {
      await guarded.close();
    }
  });

  test('an uncaught exception still crashes the app with status 1, and is recorded', async () => {
    const app = await runApp(`${FIXTURES}/crash-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: 'agent-crash' });
    const exit = await app.exited;
    assert.deepEqual(exit, { code: 1, signal: null });
    assert.match(app.stderr(), /crash on purpose/);
    const event = await eventually(async () => {
      const r = await collector.api<EventsResponse>(`/api/events?service=agent-crash&type=uncaught_exception&${RANGE()}`);
      return r.events[0];
    }, 'fatal uncaught_exception event');
    assert.match(event.message ?? '', /crash on purpose/);
    assert.equal(event.attributes['headroom.fatal'], true);
  });

  test('an unhandled rejection keeps its default (crash) behaviour and is recorded', async () => {
    const app = await runApp(`${FIXTURES}/crash-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: 'agent-rejection', CRASH_KIND: 'rejection' });
    const exit = await app.exited;
    assert.deepEqual(exit, { code: 1, signal: null });
    const event = await eventually(async () => {
      const r = await collector.api<EventsResponse>(`/api/events?service=agent-rejection&type=unhandled_rejection&${RANGE()}`);
      return r.events[0];
    }, 'unhandled_rejection event');
    assert.match(event.message ?? '', /rejected on purpose/);
  });

  test('an uncaught exception the app handles is recorded, and the app keeps running', async () => {
    const app = await runApp(`${FIXTURES}/double-start-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: 'agent-uncaught', OWN_UNCAUGHT: '1' }, { agent: false });
    const event = await eventually(async () => {
      const r = await collector.api<EventsResponse>(`/api/events?service=agent-uncaught&type=uncaught_exception&${RANGE()}`);
      return r.events[0];
    }, 'uncaught_exception event');
    assert.match(event.message ?? '', /handled crash/);
    assert.equal(await fetch(`${app.base}/`).then((r) => r.text()), 'ok');
    await app.stop();
    assert.match(app.stdout(), /app handled handled crash/);
  });

  test("an unhandled rejection the app's own listener handles is recorded, and the app keeps running", async () => {
    const app = await runApp(`${FIXTURES}/double-start-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: 'agent-handled-rejection', OWN_REJECTION: '1' }, { agent: false });
    const event = await eventually(async () => {
      const r = await collector.api<EventsResponse>(`/api/events?service=agent-handled-rejection&type=unhandled_rejection&${RANGE()}`);
      return r.events[0];
    }, 'unhandled_rejection event');
    assert.match(event.message ?? '', /handled rejection/);
    assert.equal(event.attributes['headroom.fatal'], false);
    assert.equal(await fetch(`${app.base}/`).then((r) => r.text()), 'ok');
    await app.stop();
    assert.match(app.stdout(), /app handled handled rejection/);
  });
});
