// The stop event: every way a process ends under the agent leaves one, naming why (signal,
// process.exit, empty loop, crash) — and the collector takes the stopped process out of the
// live figures at once (the instances list, the service's RSS summed over live processes).
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { EventsResponse, EventView, InstancesResponse, InstanceStop, ServicesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runApp, startTestCollector, type TestCollector } from './support/harness';

describe('process stop events', () => {
  let collector: TestCollector;
  before(async () => {
    collector = await startTestCollector();
  });
  after(async () => {
    await collector?.close();
  });

  const stopOf = (service: string): Promise<EventView> =>
    eventually(async () => {
      const r = await collector.api<EventsResponse>(`/api/events?service=${service}&type=stop&${RANGE()}`);
      return r.events.length > 0 ? (assert.equal(r.events.length, 1, 'one stop per process'), r.events[0]) : undefined;
    }, `${service}'s stop event`);

  const instanceStop = async (service: string): Promise<InstanceStop | null> => {
    const r = await collector.api<InstancesResponse>(`/api/services/${service}/instances?${RANGE()}`);
    assert.equal(r.instances.length, 1);
    return r.instances[0]?.stopped ?? null;
  };

  test('SIGTERM with no handler of the app: stopped by the signal; the process is out of the live RSS at once', async () => {
    const service = 'stop-sigterm';
    const app = await runApp(`${FIXTURES}/express-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: service });
    await fetch(`${app.base}/hello`).then((r) => r.text());
    // Live: its RSS counts toward the service's.
    const live = await eventually(async () => {
      const r = await collector.api<ServicesResponse>(`/api/services?${RANGE()}`);
      const s = r.services.find((x) => x.service === service);
      return s?.memoryRssBytes ? s : undefined;
    }, 'the live RSS');
    assert.ok((live.memoryRssBytes ?? 0) > 10e6);
    assert.equal(await instanceStop(service), null, 'no stop while it runs');

    assert.deepEqual(await app.stop('SIGTERM'), { code: null, signal: 'SIGTERM' }, 'the exit is unchanged');
    const event = await stopOf(service);
    assert.equal(event.attributes['headroom.stop.reason'], 'signal');
    assert.equal(event.attributes['headroom.stop.signal'], 'SIGTERM');
    assert.equal(event.attributes['headroom.stop.exit_code'], undefined, 'killed by the signal: no exit code');
    assert.equal(typeof event.attributes['headroom.stop.uptime_s'], 'number');
    assert.match(event.message ?? '', /^process stopped by SIGTERM after \d/);

    const stopped = await instanceStop(service);
    assert.equal(stopped?.reason, 'signal');
    assert.equal(stopped?.signal, 'SIGTERM');
    assert.equal(stopped?.at, event.timeMs);
    // Gone at once, not after two minutes of silence.
    const r = await collector.api<ServicesResponse>(`/api/services?${RANGE()}`);
    assert.equal(r.services.find((x) => x.service === service)?.memoryRssBytes, null);
  });

  test("SIGTERM handled by the app, which exits 0: stopped by SIGTERM, exit code 0", async () => {
    const service = 'stop-own-handler';
    const app = await runApp(`${FIXTURES}/double-start-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: service, OWN_SIGTERM: '1' }, { agent: false });
    assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null });
    const event = await stopOf(service);
    assert.equal(event.attributes['headroom.stop.reason'], 'signal');
    assert.equal(event.attributes['headroom.stop.signal'], 'SIGTERM');
    assert.equal(event.attributes['headroom.stop.exit_code'], 0);
    assert.match(event.message ?? '', /^process stopped by SIGTERM \(exit code 0\) after /);
  });

  test('process.exit(4): exited with code 4', async () => {
    const service = 'stop-exit-call';
    const app = await runApp(`${FIXTURES}/exit-call-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: service, EXIT_CODE: '4' });
    await fetch(`${app.base}/exit`).then((r) => r.text());
    assert.deepEqual(await app.exited, { code: 4, signal: null });
    const event = await stopOf(service);
    assert.equal(event.attributes['headroom.stop.reason'], 'exit');
    assert.equal(event.attributes['headroom.stop.exit_code'], 4);
    assert.equal(event.attributes['headroom.stop.signal'], undefined);
    assert.match(event.message ?? '', /^process exited with code 4 \(process\.exit\) after /);
    assert.equal((await instanceStop(service))?.exitCode, 4);
  });

  test('a script that runs out of work: ended, with the exit code it set', async () => {
    const service = 'stop-natural';
    const app = await runApp(`${FIXTURES}/exit-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: service, EXIT_CODE: '3' }, { waitForListen: false });
    assert.deepEqual(await app.exited, { code: 3, signal: null });
    const event = await stopOf(service);
    assert.equal(event.attributes['headroom.stop.reason'], 'natural');
    assert.equal(event.attributes['headroom.stop.exit_code'], 3);
    assert.match(event.message ?? '', /^process ended: nothing left to run \(exit code 3\) after /);
  });

  test('an uncaught exception: crashed, after the exception event', async () => {
    const service = 'stop-crash';
    const app = await runApp(`${FIXTURES}/crash-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: service });
    assert.deepEqual(await app.exited, { code: 1, signal: null }, "Node's own status");
    const event = await stopOf(service);
    assert.equal(event.attributes['headroom.stop.reason'], 'uncaught_exception');
    assert.match(event.message ?? '', /^process crashed: uncaught exception after /);
    const crash = await collector.api<EventsResponse>(`/api/events?service=${service}&type=uncaught_exception&${RANGE()}`);
    assert.equal(crash.events.length, 1);
    assert.ok((crash.events[0]?.timeMs ?? Infinity) <= event.timeMs);
  });

  test("a crash just after the collector refused an export: the crash and its stop still arrive", async () => {
    const service = 'stop-crash-after-refusal';
    // In front of the collector: refuses every export (400, final: nothing is retried) until
    // opened, then passes them on. The agent's last export before the crash has failed.
    let open = false;
    let refused = 0;
    const gate = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (!open) {
          refused++;
          res.writeHead(400).end();
          return;
        }
        const headers: Record<string, string> = { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' };
        if (req.headers['content-encoding']) headers['content-encoding'] = req.headers['content-encoding'];
        fetch(`${collector.collector.otlpUrl}${req.url ?? '/'}`, { method: 'POST', headers, body: Buffer.concat(chunks) })
          .then(async (r) => res.writeHead(r.status).end(Buffer.from(await r.arrayBuffer())))
          .catch(() => res.writeHead(502).end());
      });
    });
    await new Promise<void>((r) => gate.listen(0, '127.0.0.1', r));
    try {
      const app = await runApp(`${FIXTURES}/crash-app.js`, {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(gate.address() as AddressInfo).port}`,
        OTEL_SERVICE_NAME: service,
        CRASH_AFTER_MS: 'request',
        // Nothing exported between the opening and the crash: the refusal stays the last word.
        OTEL_METRIC_EXPORT_INTERVAL: '60000',
      });
      // The start event's export, a second after listen.
      await eventually(async () => (refused > 0 ? true : undefined), 'a refused export');
      open = true;
      await fetch(`${app.base}/crash`).then((r) => r.text());
      assert.deepEqual(await app.exited, { code: 1, signal: null });
      const event = await stopOf(service);
      assert.equal(event.attributes['headroom.stop.reason'], 'uncaught_exception');
      const crash = await collector.api<EventsResponse>(`/api/events?service=${service}&type=uncaught_exception&${RANGE()}`);
      assert.equal(crash.events.length, 1);
    } finally {
      gate.closeAllConnections();
      await new Promise((r) => gate.close(r));
    }
  });

  test('a process killed by SIGKILL sends no stop: it is only silent', async () => {
    const service = 'stop-killed';
    const app = await runApp(`${FIXTURES}/express-app.js`, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: service });
    await fetch(`${app.base}/hello`).then((r) => r.text());
    await eventually(async () => {
      const r = await collector.api<InstancesResponse>(`/api/services/${service}/instances?${RANGE()}`);
      return r.instances.length === 1 ? true : undefined;
    }, 'the instance');
    assert.deepEqual(await app.stop('SIGKILL'), { code: null, signal: 'SIGKILL' });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await instanceStop(service), null);
    const r = await collector.api<EventsResponse>(`/api/events?service=${service}&type=stop&${RANGE()}`);
    assert.equal(r.events.length, 0);
  });
});

test('the stop message says how long the process ran in the largest fitting units', async () => {
  const { formatUptime, stopEvent } = await import('../../agent/src/signals/process-stop');
  assert.equal(formatUptime(850), '850 ms');
  assert.equal(formatUptime(12_400), '12 s');
  assert.equal(formatUptime(192_000), '3 min 12 s');
  assert.equal(formatUptime(7_500_000), '2 h 5 min');
  assert.equal(formatUptime(3 * 86_400_000 + 2 * 3_600_000), '3 d 2 h');
  assert.equal(stopEvent('natural', null, 0, 60_000).body, 'process ended: nothing left to run (exit code 0) after 1 min');
});

test('a stop within the window after a signal is the signal\'s; a process still running after it ignored the signal', async () => {
  const { watchProcessStop } = await import('../../agent/src/signals/process-stop');
  const stopped = (afterSignalMs: number, reason: 'exit' | 'natural', exitCode: number): { body: unknown; attributes: Record<string, unknown> } => {
    const emitted: { body: unknown; attributes: Record<string, unknown> }[] = [];
    let now = 5_000;
    const stop = watchProcessStop({ emit: (r: { body?: unknown; attributes?: Record<string, unknown> }) => emitted.push({ body: r.body, attributes: r.attributes ?? {} }) } as never, () => now, 90_000);
    stop.signalled('SIGTERM');
    now += afterSignalMs;
    if (reason === 'natural') stop.loopEmptied();
    stop.stopping('exit', exitCode);
    assert.equal(emitted.length, 1);
    return emitted[0]!;
  };
  // The app's handler closed its server and exited.
  const handled = stopped(2_000, 'exit', 0);
  assert.equal(handled.attributes['headroom.stop.reason'], 'signal');
  assert.equal(handled.attributes['headroom.stop.signal'], 'SIGTERM');
  // Its handler ignored SIGTERM; ten minutes later it called process.exit(5), or ran out of work.
  const ignored = stopped(600_000, 'exit', 5);
  assert.equal(ignored.attributes['headroom.stop.reason'], 'exit');
  assert.equal(ignored.attributes['headroom.stop.signal'], undefined);
  assert.match(String(ignored.body), /^process exited with code 5 \(process\.exit\) after 10 min 5 s/);
  const ranOut = stopped(600_000, 'natural', 0);
  assert.equal(ranOut.attributes['headroom.stop.reason'], 'natural');
  assert.equal(ranOut.attributes['headroom.stop.signal'], undefined);
});
