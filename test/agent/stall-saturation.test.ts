// Requests that run back to back in one loop iteration, as under saturation: the stall threshold
// is per request. Short handlers read in one go make a long gap between the stall detector's
// ticks, yet none of them blocked the loop for the threshold: that is no stall (the event-loop
// delay says the loop was late). One that did block that long among them is a stall, its own.
// (QA s14: twelve 20 ms requests of GET /work/:ms queued on a saturated process read as one
// 242 ms stall of that route, when the watchdog, starved too, caught none of the gaps.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EventsResponse, EventView } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runApp, sampledTraceparent, startTestCollector, type RunningApp, type TestCollector } from './support/harness';
import { keptAlive } from './support/kept-alive';

const SERVICE = 'agent-e2e-stall-saturation';
const THRESHOLD_MS = 300;

describe('requests back to back in one loop iteration', () => {
  let collector: TestCollector;
  let app: RunningApp;

  before(async () => {
    collector = await startTestCollector();
    app = await runApp(`${FIXTURES}/saturation-app.js`, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl,
      OTEL_SERVICE_NAME: SERVICE,
      HEADROOM_STALL_THRESHOLD_MS: String(THRESHOLD_MS),
    });
    for (let i = 0; i < 5; i++) await fetch(`${app.base}/`).then((r) => r.text());
  });

  after(async () => {
    await app?.stop();
    await collector?.close();
  });

  /** The app's own account of the last run: the longest its loop went without turning, and the most a handler overran its work. */
  const lag = async (): Promise<{ gapMs: number; overrunMs: number }> => JSON.parse(await fetch(`${app.base}/lag`).then((r) => r.text())) as { gapMs: number; overrunMs: number };

  /**
   * Sends the requests (ms of work each) at once on kept-alive connections, so the app reads
   * them in one go and runs their handlers back to back; retried while the machine starved the
   * app (a handler that overran its work by a fifth of the threshold was descheduled: its wall
   * time, which a stall measures, is no longer known). Returns each request's trace id and the
   * scenario's time range (epoch ms).
   */
  const backToBack = async (works: number[], minGapMs: number): Promise<{ traceIds: string[]; from: number; to: number }> => {
    let seen = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const sockets = await Promise.all(works.map(() => keptAlive(app.port)));
      await lag();
      const calls = works.map(() => sampledTraceparent());
      const from = Date.now();
      await Promise.all(sockets.map((socket, i) => socket.request(`GET /work/${works[i]!} HTTP/1.1\r\nHost: x\r\ntraceparent: ${calls[i]!.header}\r\n\r\n`)));
      const to = Date.now();
      for (const socket of sockets) socket.close();
      const { gapMs, overrunMs } = await lag();
      seen += ` [gap ${gapMs} ms, overrun ${overrunMs} ms]`;
      if (gapMs >= minGapMs && overrunMs < THRESHOLD_MS / 5) return { traceIds: calls.map((c) => c.traceId), from, to };
      // Let the stalls of a failed attempt be measured before the next one starts.
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`the requests did not run back to back undisturbed (the machine starved the app):${seen}`);
  };

  /** The app's stalls (not the agent's, not the garbage collector's) that began in the range. */
  const stallsIn = async (from: number, to: number): Promise<EventView[]> => {
    const r = await collector.api<EventsResponse>(`/api/events?service=${SERVICE}&type=stall&${RANGE()}`);
    return r.events.filter((e) => e.timeMs >= from - 50 && e.timeMs <= to && e.attributes['headroom.stall.agent'] !== true && e.attributes['headroom.stall.gc'] !== true);
  };

  /** Waits until the app's stall events up to now have reached the collector (a request after them: its metrics are exported after). */
  const exported = async (): Promise<void> => {
    // The detector measures a stall at its next tick and emits it then; the log export runs
    // every second or so. A marker stall after the scenario, and its arrival, bound the wait.
    await fetch(`${app.base}/work/${THRESHOLD_MS + 100}`).then((r) => r.text());
    const marker = Date.now();
    await eventually(async () => {
      const r = await collector.api<EventsResponse>(`/api/events?service=${SERVICE}&type=stall&${RANGE()}`);
      return r.events.some((e) => e.timeMs >= marker - THRESHOLD_MS - 200) ? true : undefined;
    }, 'the marker stall after the scenario');
  };

  test('short handlers read in one go are no stall, however long they kept the loop from turning', async () => {
    // 200 ms, then twenty of 20 ms: about 600 ms without a tick, no handler near 300 (400 ms
    // when the first was read alone, before the others arrived: still well over the threshold).
    const { from, to } = await backToBack([200, ...Array<number>(20).fill(20)], THRESHOLD_MS + 50);
    await exported();
    const stalls = await stallsIn(from, to);
    assert.deepEqual(stalls.map((e) => `${e.message ?? ''} (trace ${String(e.traceId)})`), []);
  });

  test('among them, the one handler that blocked past the threshold is a stall, its own, for its own time', async () => {
    const works = [200, ...Array<number>(6).fill(20), 400, ...Array<number>(6).fill(20)];
    // The first may be read alone, before the others arrived: the rest is 640 ms at a stretch.
    const { traceIds, from, to } = await backToBack(works, 600);
    await exported();
    const stalls = await stallsIn(from, to);
    const long = traceIds[works.indexOf(400)];
    assert.deepEqual(stalls.map((e) => e.traceId), [long], JSON.stringify(stalls.map((e) => [e.message, e.traceId])));
    const duration = stalls[0]!.durationMs ?? NaN;
    assert.ok(duration >= 390 && duration < 500, `stall of ${duration} ms for a 400 ms handler`);
  });
});
