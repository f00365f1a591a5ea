// The /ws live stream with real clients: subscriptions, frames after each ingest, and the
// backpressure rule — a client that stops reading gets frames dropped and a resync later,
// while another client keeps receiving everything.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import type { LiveServerMessage } from '../../collector/src/api-types';
import { sendLogs, sendMetrics, sendTraces, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';

interface LiveClient {
  ws: WebSocket;
  frames: LiveServerMessage[];
  /** Resolves with the first frame (seen now or later) that matches. */
  waitFor(match: (frame: LiveServerMessage) => boolean): Promise<LiveServerMessage>;
}

function connect(url: string, service: string | null): Promise<LiveClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const frames: LiveServerMessage[] = [];
    const waiters: { match: (f: LiveServerMessage) => boolean; resolve: (f: LiveServerMessage) => void }[] = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as LiveServerMessage;
      frames.push(frame);
      for (const waiter of [...waiters]) {
        if (waiter.match(frame)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
      if (frame.type === 'hello') {
        ws.send(JSON.stringify({ type: 'subscribe', service }));
        resolve(client);
      }
    });
    ws.once('error', reject);
    const client: LiveClient = {
      ws,
      frames,
      waitFor(match) {
        const seen = frames.find(match);
        if (seen) return Promise.resolve(seen);
        return new Promise((res) => waiters.push({ match, resolve: res }));
      },
    };
  });
}

function closeClient(client: LiveClient): Promise<void> {
  return new Promise((resolve) => {
    if (client.ws.readyState === WebSocket.CLOSED) {
      resolve();
      return;
    }
    client.ws.once('close', () => resolve());
    client.ws.terminate();
  });
}

function stallLog(timeMs: number, n: number, padding = '') {
  return {
    timeMs,
    body: `stall ${n}${padding}`,
    attributes: {
      'event.name': 'headroom.eventloop.stall',
      'headroom.stall.duration_ms': 100 + n,
      'http.route': '/work',
      'code.function': 'busyLoop',
    },
  };
}

async function metricText(collector: TestCollector): Promise<string> {
  return (await fetch(`${collector.httpUrl}/metrics`)).text();
}

function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} missing from /metrics`);
  return Number(line.split(' ')[1]);
}

/** Yields to the event loop until `check` holds, a bounded number of times. */
async function eventually(check: () => boolean | Promise<boolean>, what: string, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`never happened: ${what}`);
}

describe('live stream', () => {
  let collector: TestCollector;
  let wsUrl: string;

  before(async () => {
    // 1 MiB allowance per client (the default); one commit below pushes at most ~200 KB, so
    // only a client that stopped reading can pass it.
    collector = await startTestCollector({ live: { coalesceMs: 50, maxBufferedBytes: 1024 * 1024, pingIntervalMs: 60_000 } });
    wsUrl = `${collector.httpUrl.replace('http:', 'ws:')}/ws`;
  });

  after(async () => {
    await collector.dispose();
  });

  it('pushes aggregates, events and notable traces of the subscribed service only', async () => {
    const all = await connect(wsUrl, null);
    const shop = await connect(wsUrl, 'shop');
    const other = await connect(wsUrl, 'other');
    assert.equal(all.frames[0]?.type, 'hello');

    const resource = serviceResource('shop', 'shop-1');
    const now = Date.now();
    await sendMetrics(collector.otlpUrl, resource, (m) => {
      m.histogram('http.server.request.duration', 's', [0.1, 0.2, 0.3], {
        'http.request.method': 'GET',
        'http.route': '/cart',
        'http.response.status_code': 200,
      });
    });
    const aggregate = await shop.waitFor((f) => f.type === 'aggregate' && f.aggregate.service === 'shop');
    assert.ok(aggregate.type === 'aggregate');
    assert.equal(aggregate.aggregate.requests, 3);
    assert.equal(aggregate.aggregate.t % 60_000, 0);
    await all.waitFor((f) => f.type === 'aggregate' && f.aggregate.service === 'shop');

    await sendLogs(collector.otlpUrl, resource, [stallLog(now - 1000, 7)]);
    const event = await shop.waitFor((f) => f.type === 'event');
    assert.ok(event.type === 'event');
    assert.equal(event.event.type, 'stall');
    assert.equal(event.event.durationMs, 107);

    const [traceId] = await sendTraces(collector.otlpUrl, resource, [
      {
        name: 'GET /cart', startMs: now - 5000, durationMs: 3000, error: true, attributes: { 'http.route': '/cart', 'http.response.status_code': 500 },
        events: [{ name: 'exception', atMs: now - 2500, attributes: { 'exception.type': 'Error', 'exception.message': 'boom' } }],
      },
    ]);
    const trace = await shop.waitFor((f) => f.type === 'trace');
    assert.ok(trace.type === 'trace');
    assert.equal(trace.trace.traceId, traceId);
    assert.equal(trace.trace.error, true);
    // As the traces list says it when loaded (QA4: a live row read "boom", the loaded one "Error: boom").
    assert.equal(trace.trace.errorMessage, 'Error: boom');
    const listed = collector.storage.traces({ service: 'shop', from: now - 60_000, to: now + 60_000, limit: 10 }).traces.find((x) => x.traceId === traceId);
    assert.equal(listed?.errorMessage, trace.trace.errorMessage);

    // Quick in the app, slow as the client saw it: notable by its queue wait, which it carries.
    const [queuedId] = await sendTraces(collector.otlpUrl, resource, [
      { name: 'GET /cart', startMs: now - 4000, durationMs: 40, attributes: { 'http.route': '/cart', 'http.response.status_code': 200, 'headroom.queue_wait.duration_ms': 5000 } },
    ]);
    const queued = await shop.waitFor((f) => f.type === 'trace' && f.trace.traceId === queuedId);
    assert.ok(queued.type === 'trace');
    assert.equal(queued.trace.queueWaitMs, 5000);
    assert.equal(queued.trace.error, false);

    // The 'other' client has had nothing so far: its first frame after hello is for 'other'.
    await sendLogs(collector.otlpUrl, serviceResource('other', 'other-1'), [stallLog(now - 500, 1)]);
    const otherFrame = await other.waitFor((f) => f.type !== 'hello' && f.type !== 'process');
    assert.ok(otherFrame.type === 'event' && otherFrame.event.service === 'other', JSON.stringify(otherFrame));
    assert.ok(other.frames.every((f) => f.type === 'hello' || (f.type === 'event' && f.event.service === 'other') || (f.type === 'aggregate' && f.aggregate.service === 'other') || (f.type === 'process' && f.process.service === 'other')));

    await Promise.all([all, shop, other].map(closeClient));
  });

  it('says when a process is first seen, or seen on a new build, from any SDK\'s resource: not again for the same build', async () => {
    const client = await connect(wsUrl, 'builds');
    const processFrames = () => client.frames.flatMap((f) => (f.type === 'process' ? [f.process] : []));
    const gauge = (instanceId: string, attributes: Record<string, string>) =>
      sendMetrics(collector.otlpUrl, serviceResource('builds', instanceId, attributes), (m) => m.gauge('process.memory.usage', 'By', 1e8));
    const before = Date.now();
    // No start event, no requests: runtime metrics alone, as another OTel SDK's first export.
    await gauge('b-1', { 'service.version': '1.0.0' });
    const first = await client.waitFor((f) => f.type === 'process');
    assert.ok(first.type === 'process');
    assert.deepEqual({ ...first.process, seenAt: 0 }, { service: 'builds', instanceId: 'b-1', version: '1.0.0', revision: null, seenAt: 0 });
    assert.ok(first.process.seenAt >= before - 1000 && first.process.seenAt <= Date.now(), `seenAt ${first.process.seenAt}`);
    // The same build again: nothing; a revision added, then a process's resource without a version (kept): one frame each for the change only.
    await gauge('b-1', { 'service.version': '1.0.0' });
    await gauge('b-1', { 'service.version': '1.0.0', 'vcs.ref.head.revision': 'abc' });
    await gauge('b-1', {});
    await gauge('b-2', { 'service.version': '2.0.0' });
    await client.waitFor((f) => f.type === 'process' && f.process.instanceId === 'b-2');
    assert.deepEqual(processFrames().map((p) => [p.instanceId, p.version, p.revision]), [['b-1', '1.0.0', null], ['b-1', '1.0.0', 'abc'], ['b-2', '2.0.0', null]]);
    await closeClient(client);
  });

  it('drops frames to a client that stopped reading, then resyncs it, while another keeps receiving', async () => {
    const steady = await connect(wsUrl, 'flood');
    const stuck = await connect(wsUrl, 'flood');
    stuck.ws.pause(); // stops reading its socket: the collector's send buffer for it fills up

    const resource = serviceResource('flood', 'flood-1');
    const padding = ` ${'x'.repeat(4_000)}`;
    const base = Date.now() - 60_000;
    let sent = 0;
    const droppedBefore = metricValue(await metricText(collector), 'headroom_live_frames_dropped_total');
    for (let batch = 0; batch < 150; batch++) {
      await sendLogs(
        collector.otlpUrl,
        resource,
        Array.from({ length: 50 }, () => stallLog(base + sent, sent++, padding)),
      );
      await collector.storage.flush();
      if (metricValue(await metricText(collector), 'headroom_live_frames_dropped_total') > droppedBefore) break;
    }
    const dropped = metricValue(await metricText(collector), 'headroom_live_frames_dropped_total') - droppedBefore;
    assert.ok(dropped > 0, `no frames dropped after ${sent} events`);

    // The steady client got every event, in order, despite its stuck neighbour.
    await eventually(() => steady.frames.filter((f) => f.type === 'event').length === sent, 'steady client received every event');
    const ids = steady.frames.flatMap((f) => (f.type === 'event' ? [f.event.durationMs] : []));
    assert.deepEqual(ids, Array.from({ length: sent }, (_, n) => 100 + n));
    assert.ok(!steady.frames.some((f) => f.type === 'resync'));

    // Once the stuck client reads again it drains and is told to resynchronise.
    stuck.ws.resume();
    const resync = await stuck.waitFor((f) => f.type === 'resync');
    assert.ok(resync.type === 'resync');
    const stuckEvents = stuck.frames.filter((f) => f.type === 'event').length;
    assert.ok(stuckEvents < sent, `stuck client got ${stuckEvents} of ${sent} events`);
    assert.ok(metricValue(await metricText(collector), 'headroom_live_resyncs_total') >= 1);

    // And after the resync it receives live frames again.
    await sendLogs(collector.otlpUrl, resource, [stallLog(base + sent, 1_000_000)]);
    await stuck.waitFor((f) => f.type === 'event' && f.event.durationMs === 1_000_100);

    await Promise.all([steady, stuck].map(closeClient));
  });

  it('closes a client that sends something other than a subscription', async () => {
    const client = await connect(wsUrl, null);
    const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
    client.ws.send('{"type":"unsubscribe-everything"}');
    assert.equal(await closed, 1008);
  });
});

describe('live stream keepalive and connection cap', () => {
  let collector: TestCollector;

  before(async () => {
    collector = await startTestCollector({ live: { pingIntervalMs: 50, maxClients: 2 } });
  });

  after(async () => {
    await collector.dispose();
  });

  it('refuses connections past maxClients, and cuts a client that stops answering pings', async () => {
    const wsUrl = `${collector.httpUrl.replace('http:', 'ws:')}/ws`;
    const client = await connect(wsUrl, null);
    const answering = await connect(wsUrl, null);
    const refused = await new Promise<number | undefined>((resolve) => {
      const third = new WebSocket(wsUrl);
      third.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode);
      });
      third.once('open', () => resolve(101));
      third.once('error', () => undefined);
    });
    assert.equal(refused, 503, 'a third connection passes maxClients');
    client.ws.pause();
    await eventually(async () => metricValue(await metricText(collector), 'headroom_live_clients_terminated_total') >= 1, 'stuck client cut');
    await eventually(async () => metricValue(await metricText(collector), 'headroom_live_clients') === 1, 'one client left');
    assert.equal(answering.ws.readyState, WebSocket.OPEN);
    client.ws.resume();
    await Promise.all([client, answering].map(closeClient));
  });
});

describe('live stream coalescing', () => {
  let collector: TestCollector;

  before(async () => {
    // A long coalescing window: the first commit's aggregates go out at once, the next ones wait.
    collector = await startTestCollector({ live: { coalesceMs: 60_000 } });
  });

  after(async () => {
    await collector.dispose();
  });

  it('pushes a service aggregate at most once per window, while events still go out at once', async () => {
    const client = await connect(`${collector.httpUrl.replace('http:', 'ws:')}/ws`, 'calm');
    const resource = serviceResource('calm', 'calm-1');
    const record = (values: number[]) => (m: Parameters<Parameters<typeof sendMetrics>[2]>[0]) =>
      m.histogram('http.server.request.duration', 's', values, { 'http.request.method': 'GET', 'http.route': '/c', 'http.response.status_code': 200 });

    await sendMetrics(collector.otlpUrl, resource, record([0.01, 0.02, 0.03]));
    const first = await client.waitFor((f) => f.type === 'aggregate');
    assert.ok(first.type === 'aggregate');
    assert.equal(first.aggregate.requests, 3);

    await sendMetrics(collector.otlpUrl, resource, record([0.01, 0.02]));
    await collector.storage.flush();
    await sendLogs(collector.otlpUrl, resource, [stallLog(Date.now() - 1000, 3)]);
    await client.waitFor((f) => f.type === 'event');
    // Frames to one client keep their order: had the second commit been pushed at once, its
    // aggregate would sit before the event.
    assert.equal(client.frames.filter((f) => f.type === 'aggregate').length, 1, JSON.stringify(client.frames));
    await closeClient(client);
  });
});
