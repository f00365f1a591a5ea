// "Never trust server defaults": an app left with Node's keep-alive timeout (5 s, below an
// ALB's 60 s), with its header and request timeouts turned off, doing heavy thread-pool work
// on the default 4 threads, and without a heap limit on a container-sized host.
import assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import { after, before, test } from 'node:test';
import { byKind, eventually, get, GOOD_SERVER_ENV, load, startAdvisorTest, TEST_OPTIONS, type AdvisorTest } from './support/advisor-harness';

/** Bounded header timeout, Node's keep-alive default (5 s). */
const GOOD_SERVER_ENV_WITHOUT_KEEP_ALIVE = { HEADERS_TIMEOUT_MS: GOOD_SERVER_ENV.HEADERS_TIMEOUT_MS ?? '66000' };

let t: AdvisorTest;
before(async () => {
  t = await startAdvisorTest();
});
after(async () => {
  await t.close();
});

/** Waits until the service's start event (with its settings) is stored. */
async function startEvent(service: string, setting: string, value: number | boolean): Promise<void> {
  await eventually(async () => {
    await t.tc.collector.storage.flush();
    const now = Date.now();
    const i = t.tc.collector.storage.instances({ service, from: now - 60_000, to: now + 1000 }).instances[0];
    return i?.settings[setting] === value ? true : undefined;
  }, `start event of ${service}`);
}

test('Node defaults and disabled timeouts behind a load balancer', async () => {
  const app = await t.app('defaults-svc', { HEADERS_TIMEOUT_MS: '0', REQUEST_TIMEOUT_MS: '0' });
  // A proxy in front stamps X-Request-Start (nginx: "t=${msec}"): the evidence of a balancer.
  for (let i = 0; i < 3; i++) await get(app.base, '/hello', { 'X-Request-Start': `t=${(Date.now() / 1000).toFixed(3)}` });
  const keepAlive = await t.waitFor('defaults-svc', 'keep-alive warning', (list) =>
    list.find((f) => f.kind === 'settings.keep-alive-timeout' && f.severity === 'warning' && f.evidence.figures.requestsWithQueueHeader === 3));
  assert.match(keepAlive.evidence.summary, /3 requests of 3 in the last 10 minutes carried a queue-start header, so a proxy or load balancer is in front/);
  assert.equal(keepAlive.evidence.figures.keepAliveTimeoutMs, 5000);
  assert.equal(keepAlive.evidence.figures.loadBalancerIdleTimeoutMs, 60_000);
  assert.equal(keepAlive.title, "keepAliveTimeout 5 s is not above the load balancer's 60 s idle timeout: expect intermittent 502s");
  assert.match(keepAlive.change, /server\.keepAliveTimeout = 65000; server\.headersTimeout = 66000/);
  const findings = await t.findings('defaults-svc');
  const headers = findings.find((f) => f.id === 'settings.server-timeout:defaults-svc:http.headersTimeout');
  const request = findings.find((f) => f.id === 'settings.server-timeout:defaults-svc:http.requestTimeout');
  assert.ok(headers && request, findings.map((f) => f.id).join(', '));
  assert.equal(headers.evidence.figures.headersTimeoutMs, 0);
  assert.match(request.title, /^server\.requestTimeout is disabled \(0\)/);
  // The balancer check can be turned off for apps that face clients directly.
  const off = await t.findings('defaults-svc', { ...TEST_OPTIONS, loadBalancerIdleTimeoutMs: 0 });
  assert.equal(off.filter((f) => f.kind === 'settings.keep-alive-timeout').length, 0);
});

test('Node\'s keep-alive default in a service no proxy fronts: an info that says the assumption, not a warning', async () => {
  // Called directly (as one service calls another): none of its requests carries a queue-start header.
  const app = await t.app('direct-svc', GOOD_SERVER_ENV_WITHOUT_KEEP_ALIVE);
  for (let i = 0; i < 3; i++) await get(app.base, '/hello');
  await eventually(async () => {
    await t.tc.collector.storage.flush();
    const now = Date.now();
    const tx = t.tc.collector.storage.transactions({ service: 'direct-svc', from: now - 600_000, to: now + 60_000 }).transactions;
    return tx.reduce((n, x) => n + x.requests, 0) >= 3 ? true : undefined;
  }, 'the requests stored');
  await startEvent('direct-svc', 'http.keep_alive_timeout_ms', 5000);
  const f = byKind('settings.keep-alive-timeout')(await t.findings('direct-svc'));
  assert.ok(f, 'the setting is still named');
  assert.equal(f.severity, 'info');
  assert.equal(f.title, "keepAliveTimeout 5 s is not above a load balancer's 60 s idle timeout: check whether one is in front (no proxy seen)");
  assert.equal(f.evidence.figures.requestsWithQueueHeader, 0);
  assert.match(f.evidence.summary, /No request in the last 10 minutes carried a queue-start header/);
  assert.match(f.change, /^If a load balancer is in front: make the app wait longer/);
});

test('a keep-alive timeout above the balancer and bounded timeouts: no settings finding', async () => {
  await t.app('tuned-svc', { ...GOOD_SERVER_ENV, REQUEST_TIMEOUT_MS: '120000' });
  await startEvent('tuned-svc', 'http.request_timeout_ms', 120000);
  assert.deepEqual((await t.findings('tuned-svc')).filter((f) => f.kind.startsWith('settings.')), []);
});

test('heavy thread-pool work on the default UV_THREADPOOL_SIZE: thread-pool finding; an explicit size: none', async () => {
  const [small, large] = await Promise.all([t.app('pool-svc', GOOD_SERVER_ENV), t.app('big-pool-svc', { ...GOOD_SERVER_ENV, UV_THREADPOOL_SIZE: '32' })]);
  // Each request queues 8 pbkdf2 jobs; two clients keep the 4 threads busy all the time.
  let done = false;
  const work = [small, large].map(async (app) => {
    while (!done) await load(app.base, '/pool/8', { durationMs: 1000, concurrency: 2 });
  });
  try {
    const f = await t.waitFor('pool-svc', 'thread-pool finding', byKind('settings.threadpool-size'));
    assert.equal(f.evidence.figures.uvThreadpoolSize, 4);
    assert.ok(Number(f.evidence.figures.meanThreadPoolWaitMs) >= 5, `wait ${f.evidence.figures.meanThreadPoolWaitMs}`);
    assert.match(f.change, /UV_THREADPOOL_SIZE/);
  } finally {
    done = true;
    await Promise.all(work);
  }
  // The process that chose its pool size is left alone (its wait is on the charts).
  assert.equal((await t.findings('big-pool-svc')).filter((f) => f.kind === 'settings.threadpool-size').length, 0);
  const now = Date.now();
  const probe = t.tc.collector.storage.gaugeBuckets({ service: 'big-pool-svc', metric: 'threadpool.queue_wait', from: now - 600_000, to: now + 1000, bucketMs: 60_000 });
  assert.ok((probe[0]?.buckets.length ?? 0) > 0, 'the probe reports for the explicit pool too');
});

test('no heap limit on a container-sized host: heap-limit finding with a suggested size', async () => {
  // This machine has more than the 4 GiB default counts as container-sized: count up to 64 GiB.
  const options = { ...TEST_OPTIONS, containerMemoryBytes: 64 * 1024 ** 3 };
  await Promise.all([t.app('no-heap-limit-svc', GOOD_SERVER_ENV), t.app('heap-limit-svc', { ...GOOD_SERVER_ENV, NODE_OPTIONS: '--max-old-space-size=512' })]);
  const f = await t.waitFor('no-heap-limit-svc', 'heap-limit finding', byKind('settings.heap-limit'), options);
  const memory = Number(f.evidence.figures.memoryBytes);
  assert.ok(memory > 0 && memory <= totalmem());
  assert.equal(f.evidence.figures.processesOnHost, 1);
  assert.equal(f.evidence.figures.suggestedHeapLimitMiB, Math.floor((memory * 0.75) / 1024 / 1024));
  assert.match(f.change, /--max-old-space-size=\d+/);
  await startEvent('heap-limit-svc', 'heap_limit_explicit', true);
  assert.equal((await t.findings('heap-limit-svc', options)).filter((f) => f.kind === 'settings.heap-limit').length, 0);
});
