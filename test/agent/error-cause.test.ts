// A failed request's error is recorded with its causes (ES2022 `cause`), so the Errors page
// groups failures by what went wrong downstream: every fetch that fails throws "fetch failed",
// whose cause names the refused connection or the unknown host. Real app under the agent, real
// collector and SQLite file.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import type { ErrorGroupsResponse, TraceResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runServiceApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'errors-e2e-cause';
let collector: TestCollector;
let app: RunningApp;

/** A port nothing listens on: one the system gave, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

before(async () => {
  collector = await startTestCollector();
  app = await runServiceApp(collector, `${FIXTURES}/error-cause-app.js`, SERVICE, { HEADROOM_TRACES_PER_SECOND: '0', HEADROOM_ERROR_TRACES_PER_SECOND: '1000' });
});

after(async () => {
  await app?.stop();
  await collector?.close();
});

test("an error's cause is in its kind and message: fetch failed names the refused connection", async () => {
  const paths = [`/fetch/${await closedPort()}`, `/fetch/${await closedPort()}`, '/wrapped/4242', '/wrapped/1881', '/said/5100'];
  for (const p of paths) {
    const res = await fetch(`${app.base}${p}`);
    await res.text();
    assert.equal(res.status, 500, p);
  }
  const body = await eventually(async () => {
    const r = await collector.api<ErrorGroupsResponse>(`/api/services/${SERVICE}/errors?${RANGE()}`);
    return r.tracesRead === 5 ? r : undefined;
  }, 'five failed traces');

  assert.deepEqual(
    body.groups.map((g) => [g.kind, g.count]).sort(),
    [
      // The app's wrapper without its cause's words, and one that says them already (not twice).
      ['Error: payment failed (cause: card <n> declined)', 2],
      ['Error: payment failed: card <n> declined', 1],
      ['TypeError: fetch failed (cause: connect ECONNREFUSED <n>.<n>.<n>.<n>:<n>)', 2],
    ],
  );
  const fetchFailed = body.groups.find((g) => g.type === 'TypeError');
  assert.match(fetchFailed?.example.message ?? '', /^TypeError: fetch failed \(cause: connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/);

  // The server span's exception carries the cause's stack after its own.
  const trace = await collector.api<TraceResponse>(`/api/traces/${fetchFailed?.example.traceId}`);
  const root = trace.spans.find((s) => s.parentSpanId === null || s.parentSpanId === undefined);
  const exception = root?.events.find((e) => e.name === 'exception');
  assert.equal(exception?.attributes['exception.type'], 'TypeError');
  assert.match(String(exception?.attributes['exception.stacktrace']), /^TypeError: fetch failed\n[\s\S]*\nCaused by: Error: connect ECONNREFUSED 127\.0\.0\.1:\d+/);
});
