// Database spans under the request that ran them while a connection pool is busy, for one
// driver against its real database: an app with a pool of 2 connections, traced and light
// requests at once, each running its queries through one of the driver's pool APIs, every
// query text carrying the request's tag in a comment (`/* query-3 q0 */`). A request waiting for
// a connection is called back from whichever request released one; QA saw recorded traces
// collect other requests' queries (90–140 of them) — agent/src/db/pool-context.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SpanView, TraceResponse, TracesResponse } from '../../../collector/src/api-types';
import { LIGHT_BUDGETS, RANGE, runServiceApp, sampledTraceparent, startTestCollector, type RunningApp, type TestCollector } from './harness';

export interface TestDatabase {
  /** What the app needs to reach it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface PoolContextCase {
  /** e.g. 'pg pool'. */
  title: string;
  service: string;
  /** The app: GET /<route>/<tag> runs QUERIES_PER_REQUEST queries, answers 200 {"tag": tag}. */
  script: string;
  startDatabase(): Promise<TestDatabase>;
  /** The app's routes, one per pool API, and the checkout spans (`checkoutSpan`) each request makes. */
  routes: Record<string, number>;
  /** The driver's span for a pool checkout, if it makes one. */
  checkoutSpan: string | null;
}

const QUERIES = 4;
/** Requests per route, all at once; every third one traced (a sampled caller), the rest light. */
const PER_ROUTE = 12;

interface Sent {
  route: string;
  tag: string;
  traceId: string | null;
}

/** The query spans' tags, from the comment each query text carries. */
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

export function poolContextSuite(c: PoolContextCase): void {
  describe(`${c.title}: every query span in its own request’s trace`, () => {
    let database: TestDatabase;
    let collector: TestCollector;
    let app: RunningApp;
    const sent: Sent[] = [];
    const spansOf = (req: Sent): number => 1 + (c.routes[req.route] ?? 0) + QUERIES;

    before(async () => {
      database = await c.startDatabase();
      collector = await startTestCollector();
      app = await runServiceApp(collector, c.script, c.service, {
        ...LIGHT_BUDGETS,
        ...database.env,
        QUERIES_PER_REQUEST: String(QUERIES),
        // Every light request that lasts leaves its server span: its trace must hold nothing else.
        HEADROOM_SLOW_TRACE_MS: '1',
      });
      for (const route of Object.keys(c.routes)) {
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
      await database?.stop();
    });

    const fetchTrace = async (traceId: string): Promise<TraceResponse | undefined> => {
      const r = await fetch(`${collector.collector.httpUrl}/api/traces/${traceId}`);
      return r.ok ? ((await r.json()) as TraceResponse) : undefined;
    };

    /**
     * The traced requests' traces by trace id, once each holds at least its own spans (exports
     * arrive in batches; another request's spans come on top) or 30 s have passed: a trace
     * missing its queries is then told as such, not as a timeout.
     */
    let tracedTraces: Promise<Map<string, TraceResponse | undefined>> | undefined;
    const traced = (): Promise<Map<string, TraceResponse | undefined>> =>
      (tracedTraces ??= (async () => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          await collector.collector.storage.flush();
          const traces = new Map<string, TraceResponse | undefined>();
          let complete = true;
          for (const req of sent) {
            if (req.traceId === null) continue;
            const trace = await fetchTrace(req.traceId);
            traces.set(req.traceId, trace);
            if ((trace?.spans.length ?? 0) < spansOf(req)) complete = false;
          }
          if (complete || Date.now() > deadline) return traces;
          await new Promise((r) => setTimeout(r, 250));
        }
      })());

    test('a traced request’s trace holds its own queries, all of them, and its own pool checkouts', async () => {
      const traces = await traced();
      const wrong: string[] = [];
      for (const req of sent) {
        if (req.traceId === null) continue;
        const trace = traces.get(req.traceId);
        if (trace === undefined) {
          wrong.push(`${req.tag}: no trace stored`);
          continue;
        }
        const want = Array.from({ length: QUERIES }, (_, i) => `${req.tag} q${i}`);
        const got = queryTags(trace.spans);
        const checkouts = trace.spans.filter((s) => s.name === c.checkoutSpan).length;
        if (got.join() !== want.join() || checkouts !== (c.routes[req.route] ?? 0)) {
          wrong.push(`${req.tag}: queries [${got.join(', ')}], ${checkouts} ${c.checkoutSpan ?? 'checkout'} spans`);
        }
      }
      assert.deepEqual(wrong, [], 'traces with other requests’ queries or missing their own');
    });

    test('no kept trace holds another request’s queries, and no query is a trace of its own', async () => {
      await traced();
      const list = await collector.api<TracesResponse>(`/api/traces?service=${c.service}&limit=500&${RANGE()}`);
      const tracedCount = sent.filter((r) => r.traceId !== null).length;
      assert.ok(list.traces.length >= tracedCount, `${list.traces.length} traces listed`);
      const wrong: string[] = [];
      let queries = 0;
      for (const summary of list.traces) {
        const trace = await fetchTrace(summary.traceId);
        if (trace === undefined) throw new Error(`trace ${summary.traceId} listed but not found`);
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
      assert.equal(queries, tracedCount * QUERIES, 'the kept traces hold the traced requests’ queries, no more');
    });
  });
}
