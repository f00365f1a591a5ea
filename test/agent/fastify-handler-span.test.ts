// A traced fastify request's handler has a span of its own (as an express route handler has),
// under the server span: what runs inside it — a stall, a query — hangs under the handler. A
// fastify 5 app and a NestJS app on its fastify adapter, under the agent → the real collector
// → GET /api/traces/:id.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SpanView, TraceResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, LIGHT_BUDGETS, RANGE, runServiceApp, sampledTraceparent, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

const FASTIFY = 'fastify-handler-span';
const NEST = 'nest-fastify-handler-span';
const LIGHT = 'fastify-handler-span-light';

/** GETs (or POSTs) `path` with a sampled traceparent: the agent keeps the trace whole. */
async function tracedRequest(app: RunningApp, path: string, init: RequestInit = {}, status = 200): Promise<string> {
  const { traceId, header } = sampledTraceparent();
  const res = await fetch(`${app.base}${path}`, { ...init, headers: { ...init.headers, traceparent: header } });
  await res.text();
  assert.equal(res.status, status, path);
  return traceId;
}

/** The trace once its server span (the child of the caller's remote span) and `has` are in. */
async function traceWith(collector: TestCollector, traceId: string, has: (spans: SpanView[]) => boolean, what: string): Promise<{ server: SpanView; spans: SpanView[] }> {
  const t = await eventually(async () => {
    const r = await collector.api<TraceResponse>(`/api/traces/${traceId}`).catch(() => undefined);
    return r && r.spans.some((s) => s.kind === 2) && has(r.spans) ? r : undefined;
  }, what);
  return { server: t.spans.find((s) => s.kind === 2) as SpanView, spans: t.spans };
}

/** Start and end in nanoseconds (the API's startMs is a float of ≈13 digits: too coarse to compare). */
function spanNs(s: SpanView): { start: bigint; end: bigint } {
  const start = BigInt(s.startNs);
  return { start, end: start + BigInt(Math.round(s.durationMs * 1e6)) };
}

/** Within its parent, to a microsecond (durations come as float milliseconds). */
function within(child: SpanView, parent: SpanView): boolean {
  const c = spanNs(child);
  const p = spanNs(parent);
  return c.start >= p.start && c.end <= p.end + 1000n;
}

const isHandler = (s: SpanView): boolean => s.attributes['fastify.type'] === 'request-handler';
const isStall = (s: SpanView): boolean => s.isStall;

describe('the handler span of a traced fastify request', () => {
  let collector: TestCollector;
  const apps: RunningApp[] = [];
  let fastify: RunningApp;
  let nest: RunningApp;
  let light: RunningApp;

  before(async () => {
    collector = await startTestCollector();
    [fastify, nest, light] = await Promise.all([
      runServiceApp(collector, `${FIXTURES}/fastify-app.js`, FASTIFY),
      runServiceApp(collector, `${FIXTURES}/nest-app.mjs`, NEST, { NEST_ADAPTER: 'fastify' }),
      runServiceApp(collector, `${FIXTURES}/fastify-app.js`, LIGHT, LIGHT_BUDGETS),
    ]);
    apps.push(fastify, nest, light);
  });

  after(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await collector?.close();
  });

  test('an async handler: a span named as OTel names it, with the route, under the server span', async () => {
    const traceId = await tracedRequest(fastify, '/items/7');
    const { server, spans } = await traceWith(collector, traceId, (s) => s.some(isHandler), 'the handler span of GET /items/7');
    assert.equal(server.name, 'GET /items/:id');
    const handler = spans.find(isHandler) as SpanView;
    // An anonymous handler is named for its plugin (the root app: 'fastify'), as @fastify/otel does.
    assert.equal(handler.name, 'handler - fastify');
    assert.equal(handler.attributes['http.route'], '/items/:id');
    assert.equal(handler.attributes['hook.name'], 'fastify - route-handler');
    assert.equal(handler.parentSpanId, server.spanId);
    assert.ok(within(handler, server), 'within the request');
  });

  test('a stall inside the handler is the handler span\'s child', async () => {
    const traceId = await tracedRequest(fastify, '/busy/150');
    const { spans } = await traceWith(collector, traceId, (s) => s.some(isHandler) && s.some(isStall), 'the handler and stall spans of GET /busy/150');
    const handler = spans.find(isHandler) as SpanView;
    const stall = spans.find(isStall) as SpanView;
    assert.equal(stall.parentSpanId, handler.spanId, JSON.stringify(spans.map((s) => [s.name, s.spanId, s.parentSpanId])));
    assert.equal(handler.attributes['http.route'], '/busy/:ms');
  });

  test('a callback-style handler, answering later, is timed to its answer and named for its function', async () => {
    const traceId = await tracedRequest(fastify, '/later/60');
    const { server, spans } = await traceWith(collector, traceId, (s) => s.some(isHandler), 'the handler span of GET /later/60');
    const handler = spans.find(isHandler) as SpanView;
    assert.equal(handler.name, 'handler - answerLater');
    assert.equal(handler.attributes['hook.callback.name'], 'answerLater');
    assert.ok(handler.durationMs >= 55, `handler ${handler.durationMs} ms`);
    // The app's own onRoute hook, which runs after the agent's, still sees the handler's name.
    assert.ok(((await (await fetch(`${fastify.base}/handler-names`)).json()) as string[]).includes('answerLater'));
    assert.ok(within(handler, server), `within the request: ${JSON.stringify([server.startNs, server.durationMs, handler.startNs, handler.durationMs])}`);
  });

  test('a handler that runs after the body is read (POST) and one in a prefixed plugin', async () => {
    const posted = await tracedRequest(fastify, '/echo', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    const admin = await tracedRequest(fastify, '/admin/users/3', { headers: { authorization: 'Bearer letmein' } });
    const post = await traceWith(collector, posted, (s) => s.some(isHandler), 'the handler span of POST /echo');
    assert.equal(post.spans.find(isHandler)?.parentSpanId, post.server.spanId);
    assert.equal(post.spans.find(isHandler)?.attributes['http.route'], '/echo');
    const plugin = await traceWith(collector, admin, (s) => s.some(isHandler), 'the handler span of GET /admin/users/3');
    const handler = plugin.spans.find(isHandler) as SpanView;
    assert.equal(handler.attributes['http.route'], '/admin/users/:id');
    // Its plugin is an anonymous function, which fastify names by its first lines of source.
    assert.equal(handler.name, 'handler - anonymous');
    assert.equal(handler.parentSpanId, plugin.server.spanId);
  });

  test('a handler that throws or rejects marks its span failed; a client error (4xx) does not', async () => {
    const thrown = await tracedRequest(fastify, '/throw/x', {}, 500);
    const rejected = await tracedRequest(fastify, '/reject/y', {}, 500);
    const client = await tracedRequest(fastify, '/bad-request', {}, 400);
    for (const [traceId, message] of [[thrown, 'bad input <img src=x> for x'], [rejected, 'rejected for y']] as const) {
      const { spans } = await traceWith(collector, traceId, (s) => s.some(isHandler), `the handler span of ${message}`);
      const handler = spans.find(isHandler) as SpanView;
      assert.deepEqual(handler.status, { code: 2, message });
      assert.ok(handler.events.some((e) => e.name === 'exception'), 'an exception event');
    }
    const { spans } = await traceWith(collector, client, (s) => s.some(isHandler), 'the handler span of the 400');
    const handler = spans.find(isHandler) as SpanView;
    assert.notEqual(handler.status.code, 2);
    assert.deepEqual(handler.events, []);
  });

  test('a NestJS app on the fastify adapter: the handler span carries the route with its global prefix', async () => {
    const traceId = await tracedRequest(nest, '/v1/api/users/3');
    const { server, spans } = await traceWith(collector, traceId, (s) => s.some(isHandler), 'the handler span of the Nest route');
    assert.equal(server.name, 'GET /v1/api/users/:id');
    const handler = spans.find(isHandler) as SpanView;
    assert.equal(handler.attributes['http.route'], '/v1/api/users/:id');
    assert.equal(handler.parentSpanId, server.spanId);
  });

  test('a light request gets no handler span: a stall in it hangs under its server span', async () => {
    const res = await fetch(`${light.base}/busy/150`);
    await res.text();
    const traceId = await eventually(async () => {
      const r = await collector.api<{ events: { traceId: string | null; route: string | null }[] }>(`/api/events?service=${LIGHT}&type=stall&${RANGE()}`);
      return r.events.find((e) => e.route === 'GET /busy/:ms' && e.traceId)?.traceId ?? undefined;
    }, 'the light request\'s stall');
    const { server, spans } = await traceWith(collector, traceId, (s) => s.some(isStall), 'the light request\'s partial trace');
    assert.equal(server.attributes['headroom.trace.partial'], true);
    assert.deepEqual(spans.filter(isHandler), []);
    assert.equal(spans.find(isStall)?.parentSpanId, server.spanId);
  });
});
