// Database spans under the request that ran them while the pg pool is busy: a real PostgreSQL
// (a throwaway cluster), a fastify app with a pool of 2 clients, traced and light requests at
// once, each running its queries through one of pg's pool APIs. A request waiting for a client
// is called back from whichever request released one; QA saw recorded traces collect other
// requests' queries (90–140 of them) and others keep none of their own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SpanView, TraceResponse, TracesResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, LIGHT_BUDGETS, RANGE, runServiceApp, sampledTraceparent, startTestCollector, type RunningApp, type TestCollector } from './support/harness';
import { startPostgres, type TestPostgres } from './support/postgres';

const SERVICE = 'agent-e2e-pg-pool';
const QUERIES = 4;
/** The app's routes, one per pool API, and the pool checkouts (`pg-pool.connect` spans) each request makes. */
const ROUTES = { query: QUERIES, callback: 1, checkout: 1 } as const;
type Route = keyof typeof ROUTES;
/** Requests per route, all at once; every third one traced (a sampled caller), the rest light. */
const PER_ROUTE = 12;

interface Sent {
  route: Route;
  tag: string;
  traceId: string | null;
}

/** The query spans' tags, from the comment each query text carries (`/* query-3 q0 *\/`). */
function queryTags(spans: SpanView[]): string[] {
  const tags: string[] = [];
  for (const span of spans) {
    const text = span.attributes['db.query.text'] ?? span.attributes['db.statement'];
    if (typeof text !== 'string') continue;
    tags.push(/\/\* (\S+ q\d+) \*\//.exec(text)?.[1] ?? `untagged: ${text}`);
  }
  return tags.sort();
}

/** The request's tag, from its server span's path (`/query/query-3`). */
function tagOf(trace: TraceResponse): string | undefined {
  const root = trace.spans.find((s) => s.kind === 2 && s.parentSpanId === null) ?? trace.spans.find((s) => s.kind === 2);
  const path = root?.attributes['url.path'];
  return typeof path === 'string' ? path.split('/')[2] : undefined;
}

describe('pg pool: every query span in its own request’s trace', () => {
  let postgres: TestPostgres;
  let collector: TestCollector;
  let app: RunningApp;
  const sent: Sent[] = [];

  before(async () => {
    postgres = await startPostgres();
    collector = await startTestCollector();
    app = await runServiceApp(collector, `${FIXTURES}/pg-pool-app.js`, SERVICE, {
      ...LIGHT_BUDGETS,
      ...postgres.env,
      QUERIES_PER_REQUEST: String(QUERIES),
      // Every light request that lasts leaves its server span: its trace must hold nothing else.
      HEADROOM_SLOW_TRACE_MS: '1',
    });
    for (const route of Object.keys(ROUTES) as Route[]) {
      for (let i = 0; i < PER_ROUTE; i++) sent.push({ route, tag: `${route}-${i}`, traceId: null });
    }
    const base = app.base;
    const answers = await Promise.all(
      sent.map(async (req, i) => {
        const headers: Record<string, string> = {};
        if (i % 3 === 0) {
          const parent = sampledTraceparent();
          req.traceId = parent.traceId;
          headers.traceparent = parent.header;
        }
        const res = await fetch(`${base}/${req.route}/${req.tag}`, { headers });
        return `${res.status} ${await res.text()}`;
      }),
    );
    assert.deepEqual(answers, sent.map((r) => `200 {"tag":"${r.tag}"}`), 'every request answered');
  });

  after(async () => {
    await app?.stop();
    await collector?.close();
    await postgres?.stop();
  });

  /** The trace once the collector has at least `minSpans` of it (exports arrive in batches). */
  const storedTrace = (traceId: string, minSpans = 1): Promise<TraceResponse> =>
    eventually(
      async () => {
        await collector.collector.storage.flush();
        const r = await fetch(`${collector.collector.httpUrl}/api/traces/${traceId}`);
        const trace = r.ok ? ((await r.json()) as TraceResponse) : undefined;
        return trace && trace.spans.length >= minSpans ? trace : undefined;
      },
      `trace ${traceId} with ${minSpans} spans`,
      30_000,
    );

  test('a traced request’s trace holds its own queries, all of them, and its own pool checkouts', async () => {
    const wrong: string[] = [];
    for (const req of sent.filter((r) => r.traceId !== null)) {
      // Its server span, its checkouts and its queries: another request's spans come on top.
      const trace = await storedTrace(req.traceId!, 1 + ROUTES[req.route] + QUERIES);
      const want = Array.from({ length: QUERIES }, (_, i) => `${req.tag} q${i}`);
      const got = queryTags(trace.spans);
      const checkouts = trace.spans.filter((s) => s.name === 'pg-pool.connect').length;
      if (got.join() !== want.join() || checkouts !== ROUTES[req.route]) {
        wrong.push(`${req.tag}: queries [${got.join(', ')}], ${checkouts} pg-pool.connect`);
      }
    }
    assert.deepEqual(wrong, [], 'traces with other requests’ queries or missing their own');
  });

  test('no kept trace holds another request’s queries, and no query is a trace of its own', async () => {
    for (const req of sent) if (req.traceId !== null) await storedTrace(req.traceId, 1 + ROUTES[req.route] + QUERIES);
    const list = await collector.api<TracesResponse>(`/api/traces?service=${SERVICE}&limit=500&${RANGE()}`);
    const traced = sent.filter((r) => r.traceId !== null).length;
    assert.ok(list.traces.length >= traced, `${list.traces.length} traces listed`);
    const wrong: string[] = [];
    let queries = 0;
    for (const summary of list.traces) {
      const trace = await storedTrace(summary.traceId);
      const tag = tagOf(trace);
      if (tag === undefined) {
        wrong.push(`${summary.traceId}: no server span (${trace.spans.map((s) => s.name).join(', ')})`);
        continue;
      }
      const tags = queryTags(trace.spans);
      queries += tags.length;
      const others = tags.filter((t) => !t.startsWith(`${tag} `));
      if (others.length > 0) wrong.push(`${tag}: ${others.length} queries of others (${others.slice(0, 5).join(', ')}…)`);
    }
    assert.deepEqual(wrong, []);
    assert.equal(queries, traced * QUERIES, 'the kept traces hold the traced requests’ queries, no more');
  });
});
