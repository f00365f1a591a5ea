// A script that ends by itself while the collector does not answer, and that has a
// 'beforeExit' listener of its own: the agent's flush at the natural end is bounded by
// HEADROOM_SHUTDOWN_TIMEOUT_MS as it is without the app's listener, when that listener starts
// no more work (a log line, a synchronous clean-up). The exporter's pending request kept the
// process alive up to OTEL_EXPORTER_OTLP_TIMEOUT instead (40 s for a 50 ms script, seen by
// hand with a 20 s timeout). When the listener does start work, the work runs, as without
// the agent.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { FIXTURES, runApp } from './support/harness';

// A collector that takes connections and never answers.
let silent: Server;
const sockets = new Set<Socket>();
before(async () => {
  silent = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
});
after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent.close(r));
});

const env = (extra: Record<string, string>): Record<string, string> => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
  OTEL_SERVICE_NAME: 'before-exit',
  // Far past the test's own wait: a process held by its pending export does not exit in time.
  OTEL_EXPORTER_OTLP_TIMEOUT: '120000',
  HEADROOM_SHUTDOWN_TIMEOUT_MS: '300',
  ...extra,
});

/** The app's exit, or 'still running' after `ms` (then it is killed). */
async function exitWithin(app: Awaited<ReturnType<typeof runApp>>, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([app.exited, new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), ms)))]);
  clearTimeout(timer);
  if (outcome === 'still running') await app.stop('SIGKILL');
  return outcome;
}

test("the app's beforeExit listener that starts no work: the process exits after the bounded flush, with its exit code", async () => {
  const app = await runApp(`${FIXTURES}/before-exit-app.js`, env({ EXIT_CODE: '3' }), { waitForListen: false });
  assert.deepEqual(await exitWithin(app, 20_000), { code: 3, signal: null }, app.stderr());
  assert.equal(app.stdout(), 'done\napp beforeExit\n');
});

test("the app's beforeExit listener that starts work: the work runs before the process ends", async () => {
  const app = await runApp(`${FIXTURES}/before-exit-app.js`, env({ APP_WORK: '1', HEADROOM_ENABLED: 'false' }), { waitForListen: false });
  assert.deepEqual(await exitWithin(app, 20_000), { code: 0, signal: null });
  const withAgent = await runApp(`${FIXTURES}/before-exit-app.js`, env({ APP_WORK: '1', OTEL_EXPORTER_OTLP_TIMEOUT: '1000' }), { waitForListen: false });
  assert.deepEqual(await exitWithin(withAgent, 20_000), { code: 0, signal: null }, withAgent.stderr());
  assert.equal(withAgent.stdout().split('\n').filter((l) => l !== '' && l !== 'app beforeExit').join(','), 'done,app work done');
});

test("the app's beforeExit listener that starts work after a few awaits (a library's async flush): the work runs too", async () => {
  // The listeners' work is read a loop turn later, when their promises have settled: read as
  // they returned, this work was missed and the agent ended the process under it once its own
  // bounded flush (300 ms) was over, before the work's 1 s.
  const app = await runApp(`${FIXTURES}/before-exit-app.js`, env({ APP_WORK: 'after-awaits', WORK_MS: '1000', OTEL_EXPORTER_OTLP_TIMEOUT: '1000' }), { waitForListen: false });
  assert.deepEqual(await exitWithin(app, 20_000), { code: 0, signal: null }, app.stderr());
  assert.equal(app.stdout().split('\n').filter((l) => l !== '' && l !== 'app beforeExit').join(','), 'done,app work done');
});
