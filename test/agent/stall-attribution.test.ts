// What a stall event says: the whole time the loop was blocked (not the part inside a span),
// and whose code blocked it — the app's, or the agent's own export.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventsResponse, EventView, TraceResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runApp, sampledTraceparent, startTestCollector, type RunningApp, type TestCollector } from './support/harness';
import { keptAlive } from './support/kept-alive';

const SERVICE = 'agent-e2e-stall-attribution';

describe('stall events', () => {
  let collector: TestCollector;
  let app: RunningApp;

  before(async () => {
    collector = await startTestCollector();
    app = await runApp(`${FIXTURES}/stall-app.js`, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl,
      OTEL_SERVICE_NAME: SERVICE,
      HEADROOM_STALL_THRESHOLD_MS: '40',
    });
    for (let i = 0; i < 10; i++) await fetch(`${app.base}/`).then((r) => r.text());
  });

  after(async () => {
    await app?.stop();
    await collector?.close();
  });

  const stalls = async (): Promise<EventView[]> => (await collector.api<EventsResponse>(`/api/events?service=${SERVICE}&type=stall&${RANGE()}`)).events;

  test('a stall that outlasts the span it was caught in states its whole duration; only its span is clipped', async () => {
    const { traceId, header } = sampledTraceparent();
    await fetch(`${app.base}/span-ends-midway`, { headers: { traceparent: header } }).then((r) => r.text());
    const stall = await eventually(async () => (await stalls()).find((e) => e.traceId === traceId), 'the stall event');
    // 500 ms of busy loop in one callback; the inner span in which it was caught ended after 250.
    const duration = stall.durationMs ?? NaN;
    assert.ok(duration >= 400, `stall ${String(duration)} ms`);
    assert.equal(Number(stall.message?.match(/blocked (\d+) ms/)?.[1]), Math.round(duration));
    const cpuMs = Number(stall.attributes['headroom.stall.cpu_ms']);
    assert.ok(cpuMs >= 0 && cpuMs <= duration, `CPU ${String(cpuMs)} ms of a ${String(duration)} ms stall`);

    const trace = await eventually(async () => {
      const t = await collector.api<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
      return t?.spans.some((s) => s.name === 'event loop blocked') ? t : undefined;
    }, 'the trace with its stall span');
    const span = trace.spans.find((s) => s.name === 'event loop blocked')!;
    const parent = trace.spans.find((s) => s.spanId === span.parentSpanId)!;
    assert.ok(parent, 'the stall span hangs under a span of the request');
    const endNs = (s: { startNs: string; durationMs: number }): bigint => BigInt(s.startNs) + BigInt(Math.round(s.durationMs * 1e6));
    assert.ok(BigInt(span.startNs) >= BigInt(parent.startNs) && endNs(span) <= endNs(parent) + 1_000_000n, 'the stall span lies inside its parent');
    if (parent.name === 'inner') assert.ok(span.durationMs < duration, `span ${String(span.durationMs)} ms, stall ${String(duration)} ms`);
  });

  test('handlers that block back to back in one loop iteration are a stall each, in its own request', async () => {
    // Three requests at once on kept-alive connections: the first blocks 250 ms while the
    // others arrive; their handlers then run one after the other, in one loop iteration with no
    // tick between them. The loop was blocked 500 ms at a stretch, by two callbacks of 250 ms,
    // each its own request's.
    const sockets = await Promise.all([0, 1, 2].map(() => keptAlive(app.port)));
    const calls = sockets.map(() => sampledTraceparent());
    await Promise.all(sockets.map((socket, i) => socket.request(`GET /busy-250 HTTP/1.1\r\nHost: x\r\ntraceparent: ${calls[i]!.header}\r\n\r\n`)));
    for (const socket of sockets) socket.close();
    const found = await eventually(async () => {
      const all = await stalls();
      const each = calls.map(({ traceId }) => all.find((e) => e.traceId === traceId));
      return each.every((e) => e !== undefined) ? each : undefined;
    }, 'a stall in each request', 15_000).catch(async (error: unknown) => {
      const all = (await stalls()).filter((e) => calls.some((c) => c.traceId === e.traceId));
      throw new Error(`${String(error)}; stalls of these requests: ${JSON.stringify(all.map((e) => [e.traceId, e.durationMs]))}`);
    });
    for (const stall of found) {
      const duration = stall!.durationMs ?? NaN;
      assert.ok(duration >= 200 && duration <= 350, `stall ${String(duration)} ms of a 250 ms handler`);
    }
  });

  test("a stall's CPU is its loop thread's own: a thread that slept while the pool hashed hardly ran", async () => {
    const { traceId, header } = sampledTraceparent();
    const answer = await fetch(`${app.base}/sleep-while-pool-hashes`, { headers: { traceparent: header } }).then((r) => r.text());
    const stall = await eventually(async () => (await stalls()).find((e) => e.traceId === traceId), 'the stall event');
    const duration = stall.durationMs ?? NaN;
    assert.ok(duration >= 300, `stall ${String(duration)} ms`);
    assert.equal(stall.attributes['headroom.stall.cpu_scope'], 'thread', "Linux: the loop thread's own clock");
    // The process's CPU over the stall was the pool's four hashes on two cores, far over a
    // third of the stall; the blocked thread itself sat in Atomics.wait.
    const cpuMs = Number(stall.attributes['headroom.stall.cpu_ms']);
    assert.ok(cpuMs >= 0 && cpuMs < duration / 3, `CPU ${String(cpuMs)} ms of a ${String(duration)} ms stall (${answer})`);
  });

  test("a stall in the agent's own export is the agent's, never the request's that queued the data", async () => {
    const { traceId, header } = sampledTraceparent();
    await fetch(`${app.base}/log-burst`, { headers: { traceparent: header } }).then((r) => r.text());
    const stall = await eventually(
      async () => (await stalls()).find((e) => String(e.attributes['code.stacktrace'] ?? '').includes('@opentelemetry/otlp-transformer')),
      'a stall serialising the export',
      30_000,
    );
    assert.equal(stall.attributes['headroom.stall.agent'], true);
    assert.equal(stall.route, null);
    assert.equal(stall.traceId, null, 'no request trace holds the export');
    assert.notEqual(stall.traceId, traceId);
    assert.match(String(stall.attributes['code.filepath']), /@opentelemetry\/otlp-transformer/);
    assert.match(stall.message ?? '', /^event loop blocked \d+ ms in Headroom's agent/);
  });
});

describe('stall events without attribution (HEADROOM_STALL_ATTRIBUTION=false)', () => {
  let collector: TestCollector;
  let app: RunningApp;
  const service = `${SERVICE}-timed-only`;

  before(async () => {
    collector = await startTestCollector();
    app = await runApp(`${FIXTURES}/stall-app.js`, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl,
      OTEL_SERVICE_NAME: service,
      HEADROOM_STALL_THRESHOLD_MS: '40',
      HEADROOM_STALL_ATTRIBUTION: 'false',
    });
    // Stalls are timed from the loop's first tick on (before it is start-up): a request in the
    // app's first 20 ms would block unmeasured.
    await new Promise((r) => setTimeout(r, 200));
  });

  after(async () => {
    await app?.stop();
    await collector?.close();
  });

  test('a stall is still timed, with its CPU, but names no request, span or code; the start event says attribution is off', async () => {
    const { header } = sampledTraceparent();
    await fetch(`${app.base}/busy-250`, { headers: { traceparent: header } }).then((r) => r.text());
    const stall = await eventually(async () => {
      const r = await collector.api<EventsResponse>(`/api/events?service=${service}&type=stall&${RANGE()}`);
      return r.events.find((e) => (e.durationMs ?? 0) >= 200);
    }, 'the stall event');
    assert.ok((stall.durationMs ?? NaN) <= 350, `stall ${String(stall.durationMs)} ms of a 250 ms handler`);
    assert.equal(typeof stall.attributes['headroom.stall.cpu_ms'], 'number');
    assert.equal(stall.route, null);
    assert.equal(stall.traceId, null);
    assert.equal(stall.attributes['code.function'], undefined);
    assert.match(stall.message ?? '', /^event loop blocked \d+ ms$/);
    const start = await eventually(async () => {
      const r = await collector.api<EventsResponse>(`/api/events?service=${service}&type=start&${RANGE()}`);
      return r.events[0];
    }, 'the start event');
    assert.equal(start.attributes['headroom.setting.agent.stall_attribution'], false);
  });
});
