// In front of the app and at the client: queue wait stamped by a proxy (X-Request-Start)
// that dwarfs the app's own time, responses written to clients that read slowly, and
// request bodies that trickle in.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { byKind, GOOD_SERVER_ENV, load, sendGauges, startAdvisorTest, uploadInChunks, type AdvisorTest } from './support/advisor-harness';

let t: AdvisorTest;
before(async () => {
  t = await startAdvisorTest();
});
after(async () => {
  await t.close();
});

test('requests that waited 300 ms in front of a 1 ms app: queue-wait finding', async () => {
  const app = await t.app('queued-svc', GOOD_SERVER_ENV);
  // nginx's format: t=<seconds with milliseconds>, stamped 300 ms before the app sees it.
  await load(app.base, '/hello', { durationMs: 2000, concurrency: 2, headers: () => ({ 'X-Request-Start': `t=${((Date.now() - 300) / 1000).toFixed(3)}` }) });
  // Once the app has reported enough utilisation points to say how busy it was.
  const f = await t.waitFor('queued-svc', 'queue-wait finding', (list) => list.find((x) => x.kind === 'queue.wait-share' && typeof x.evidence.figures.busiestUtilizationPerProcess === 'number'));
  const figures = f.evidence.figures;
  assert.ok(Number(figures.meanQueueWaitMs) >= 290, `queue wait ${figures.meanQueueWaitMs}`);
  assert.ok(Number(figures.queueWaitShare) >= 0.4, `share ${figures.queueWaitShare}`);
  assert.equal(f.severity, 'critical');
  assert.match(f.evidence.chartLink, /^\/services\/queued-svc\?from=\d+&to=\d+$/);
  // The app was idle: the requests waited in front of processes with room, not for a free one
  // (QA: the finding said "every process is busy" beside workers at utilisation 0.27).
  assert.match(f.title, /^Queue wait is \d+ % of response time: requests queue in front of processes that had room$/);
  assert.ok(Number(f.evidence.figures.busiestUtilizationPerProcess) < 0.8, `busiest ${f.evidence.figures.busiestUtilizationPerProcess}`);
  assert.match(f.evidence.summary, /No process was busy: event-loop utilisation stayed at or below [\d.]+ in every serving process and minute \(busy from 0\.8\)\.$/);
  assert.match(f.cause, /did not wait for a free process/);
  assert.doesNotMatch(f.cause, /every process is busy/);
  assert.match(f.change, /limit of connections to the app/);

  // A process of the service busy (utilisation 0.95) in a minute of the window: capacity.
  const now = Date.now();
  await sendGauges(t.otlpUrl, { 'service.name': 'queued-svc', 'service.instance.id': 'queued-busy-1', 'host.name': 'queue-host' }, [
    { name: 'nodejs.eventloop.utilization', unit: '1', points: Array.from({ length: 10 }, (_, i) => ({ t: now - 30_000 + i * 3000, v: 0.95 })) },
  ]);
  const busy = await t.waitFor('queued-svc', 'queue-wait finding with a busy process', (list) => list.find((x) => x.kind === 'queue.wait-share' && x.evidence.figures.busiestUtilizationPerProcess === 0.95));
  assert.match(busy.title, /^Queue wait is \d+ % of response time: capacity is short in front of the app$/);
  assert.match(busy.cause, /every process is busy/);
});

/** GET a large response and read it slowly: paused for `pauseMs` before taking it all. */
function slowRead(base: string, path: string, pauseMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${base}${path}`, { agent: false }, (res) => {
        res.pause();
        let bytes = 0;
        setTimeout(() => {
          res.on('data', (d: Buffer) => (bytes += d.length));
          res.on('end', () => resolve(bytes));
          res.resume();
        }, pauseMs);
      })
      .on('error', reject);
  });
}

test('clients that read responses slowly: response-write finding', async () => {
  const app = await t.app('slow-reader-svc', GOOD_SERVER_ENV);
  // 16 MiB is more than loopback socket buffers hold, so the write waits for the reader.
  for (let round = 0; round < 5; round++) {
    const sizes = await Promise.all(Array.from({ length: 4 }, () => slowRead(app.base, '/big/16384', 500)));
    assert.ok(sizes.every((n) => n === 16 * 1024 * 1024));
  }
  const f = await t.waitFor('slow-reader-svc', 'response-write finding', byKind('slow-clients.response-write'));
  assert.ok(Number(f.evidence.figures.meanResponseWriteMs) >= 200, `write ${f.evidence.figures.meanResponseWriteMs}`);
  assert.ok(Number(f.evidence.figures.responseWriteShare) >= 0.2);
  assert.equal(f.evidence.figures.requests, 20);
  assert.match(f.change, /buffering reverse proxy/);
  // 16 MiB per response is large in itself: compress and stream.
  const large = await t.waitFor('slow-reader-svc', 'large-responses finding', byKind('slow-clients.large-responses', 'GET /big/:kb'));
  assert.equal(large.evidence.figures.meanResponseBytes, 16 * 1024 * 1024);
  assert.equal(large.evidence.figures.responses, 20);
  assert.equal(large.title, 'Route GET /big/:kb sends 16 MiB per response: compress and stream it');
  assert.match(large.evidence.chartLink, /^\/services\/slow-reader-svc\/transactions\?from=\d+&to=\d+&route=GET\+%2Fbig%2F%3Akb$/);
});

test('clients that send bodies slowly: body-read finding', async () => {
  const app = await t.app('slow-upload-svc', GOOD_SERVER_ENV);
  for (let round = 0; round < 4; round++) await Promise.all(Array.from({ length: 5 }, () => uploadInChunks(app.base, 6, 50)));
  const f = await t.waitFor('slow-upload-svc', 'body-read finding', byKind('slow-clients.body-read'));
  assert.ok(Number(f.evidence.figures.meanBodyReadMs) >= 200, `read ${f.evidence.figures.meanBodyReadMs}`);
  assert.equal(f.evidence.figures.requests, 20);
  assert.match(f.change, /proxy_request_buffering/);
});
