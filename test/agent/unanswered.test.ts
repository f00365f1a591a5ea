// A request the server closed without answering — its own timeout, or the app destroying the
// response — is a failed request ("not answered"): counted in the request metrics' errors and
// kept as a failed trace that says why, so the Errors page shows it. A client that went away
// first is not a failure of the server. Real app under the agent, real collector and SQLite file.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import type { ErrorGroupsResponse, TraceResponse, TransactionsResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, RANGE, runServiceApp, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const SERVICE = 'unanswered-e2e';
const TIMEOUT_MS = 400;
let collector: TestCollector;
let app: RunningApp;

before(async () => {
  collector = await startTestCollector();
  app = await runServiceApp(collector, `${FIXTURES}/unanswered-app.js`, SERVICE, {
    TIMEOUT_MS: String(TIMEOUT_MS),
    HEADROOM_TRACES_PER_SECOND: '0',
    HEADROOM_ERROR_TRACES_PER_SECOND: '1000',
  });
});

after(async () => {
  await app?.stop();
  await collector?.close();
});

/** Sends a GET and resolves when the connection closes; `leaveAfterMs`: the client ends its side first. */
function request(path: string, leaveAfterMs?: number): Promise<string> {
  const { port } = new URL(app.base);
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      if (leaveAfterMs !== undefined) setTimeout(() => socket.end(), leaveAfterMs);
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

test("the server's timeout and a destroyed response are failed requests with their reason; a client that left is not", async () => {
  assert.equal(await request('/hang/1'), '', 'the timeout closed it with nothing');
  assert.equal(await request('/hang/2'), '');
  assert.equal(await request('/drop'), '');
  assert.equal(await request('/hang/3', 100), '', 'the client left first');
  assert.match(await request('/hello'), /^HTTP\/1\.1 200/);

  const body = await eventually(async () => {
    const r = await collector.api<ErrorGroupsResponse>(`/api/services/${SERVICE}/errors?${RANGE()}`);
    return r.tracesRead === 3 && r.failedRequests.count === 3 ? r : undefined;
  }, 'three failed traces and three failed requests');
  assert.deepEqual(
    body.groups.map((g) => [g.kind, g.count, g.routes.map((r) => r.route)]),
    [
      ["not answered: the server's timeout (<n> ms) closed the connection", 2, ['GET /hang/:id']],
      ['not answered: the server closed the connection', 1, ['GET /drop']],
    ],
  );
  assert.equal(body.groups[0]?.example.message, `not answered: the server's timeout (${TIMEOUT_MS} ms) closed the connection`);
  assert.deepEqual(body.failedRequests.routes, [
    { route: 'GET /hang/:id', count: 2 },
    { route: 'GET /drop', count: 1 },
  ]);

  // The client that left is a request, not an error.
  const routes = await eventually(async () => {
    const r = await collector.api<TransactionsResponse>(`/api/services/${SERVICE}/transactions?${RANGE()}`);
    return r.transactions.reduce((n, t) => n + t.requests, 0) === 5 ? r : undefined;
  }, 'five requests');
  const hang = routes.transactions.find((t) => t.route === 'GET /hang/:id');
  assert.deepEqual([hang?.requests, hang?.errors], [3, 2]);
});

test('a response cut off after its status was sent is a failed request that says so; a client that left mid-body is not', async () => {
  assert.match(await request('/cut/1'), /^HTTP\/1\.1 200 OK[\s\S]*first half \r\n$/, 'a status and a chunk, then the close (no last chunk)');
  assert.match(await request('/cut/2'), /^HTTP\/1\.1 200 OK/);
  assert.match(await request('/stream-error'), /^HTTP\/1\.1 200 OK[\s\S]*row 1\n\r\n$/);
  assert.match(await request('/slow-end', 100), /^HTTP\/1\.1 200 OK/, 'the client left mid-body');

  const routes = ['GET /cut/:id', 'GET /stream-error', 'GET /slow-end'];
  const tx = await eventually(async () => {
    const r = await collector.api<TransactionsResponse>(`/api/services/${SERVICE}/transactions?${RANGE()}`);
    const mine = r.transactions.filter((t) => routes.includes(t.route));
    return mine.reduce((n, t) => n + t.requests, 0) === 4 ? mine : undefined;
  }, 'the four requests');
  assert.deepEqual(Object.fromEntries(tx.map((t) => [t.route, [t.requests, t.errors]])), { 'GET /cut/:id': [2, 2], 'GET /stream-error': [1, 1], 'GET /slow-end': [1, 0] });

  const body = await eventually(async () => {
    const r = await collector.api<ErrorGroupsResponse>(`/api/services/${SERVICE}/errors?${RANGE()}`);
    const mine = r.groups.filter((g) => g.routes.some((x) => routes.includes(x.route ?? '')));
    return mine.reduce((n, g) => n + g.count, 0) === 3 ? mine : undefined;
  }, 'the three cut-off traces');
  assert.deepEqual(
    body.map((g) => [g.kind, g.count, g.routes.map((r) => r.route)]),
    [
      ["cut off: the server closed the connection after status <n> was sent, before the response's end", 2, ['GET /cut/:id']],
      // The framework's error says why, where there was one.
      ['Error: export broke at row <n>', 1, ['GET /stream-error']],
    ],
  );
  assert.equal(body[0]?.example.message, "cut off: the server closed the connection after status 200 was sent, before the response's end");
  const trace = await collector.api<TraceResponse>(`/api/traces/${body[1]?.example.traceId ?? ''}`);
  const server = trace.spans.find((s) => s.parentSpanId === null);
  assert.deepEqual([server?.attributes['http.response.status_code'], server?.attributes['error.type']], [200, 'response_cut_off']);
});
