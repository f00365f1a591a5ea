// Where a route's time goes, from its kept traces (store: time breakdown). Three findings:
// a slow route whose time is mostly one downstream (a database system, an HTTP peer) — the
// fix is there, not in the app's code or in more processes — and an N+1: one statement run
// again and again within a request, the ORM loop that turns one query into twenty round trips.
// And requests that wait for a pooled connection, the pool too small or its connections
// held too long. Traces are a sample (the agent's trace budget), so all need a few traces and
// say how many.
// A call's span ends when the caller's loop reads the answer: while stalls block the loop, an
// answer that arrived waits, and the call reads longer than the callee took (QA: GET /quote's
// calls to a 250 ms service read 427 ms while the app's loops were blocked half the time, and
// the finding said more processes would not shorten it). Then the finding says so.

/**
 * The share of its processes' time the service's stalls blocked their loops over the window:
 * every stall of the app (on CPU or not) in a serving process, over the window times the
 * serving processes they were in. A cluster primary calls nothing: its few stalls (a starved
 * moment) counted it as a process and read 39 % beside its workers' 50 % (QA).
 */
function blockedShare(ctx: ServiceContext): number {
  const serving = new Set(servingInstances(ctx.instances).map((i) => i.instanceId));
  const processes = new Set<string>();
  let totalMs = 0;
  for (const g of ctx.stalls()) {
    if (g.agent) continue;
    // A group may span a primary and its workers: its time is split evenly between them.
    const ids = g.instanceIds.filter((id) => serving.has(id));
    if (ids.length === 0) continue;
    for (const id of ids) processes.add(id);
    totalMs += (g.totalMs * ids.length) / g.instanceIds.length;
  }
  return processes.size === 0 ? 0 : totalMs / (Math.max(1, ctx.window.to - ctx.window.from) * processes.size);
}
import type { Finding, TimeBreakdownResponse } from '../api-types';
import { finding, ms, plural, round, servingInstances, windowWords, type ServiceContext } from './context';

/** Routes looked at per service: the ones that take the most time (each costs one breakdown query). */
const MAX_ROUTES = 5;
/**
 * Traces read per route: enough for a median, and half of the route view's 100 — five
 * routes of 200 scattered traces each cost 0.3–0.8 s on a day of a busy service (bench/query's
 * database, a crowded 2-core machine).
 */
const TRACES_PER_ROUTE = 50;

function traceLink(service: string, traceId: string): string {
  return `/services/${encodeURIComponent(service)}/traces/${traceId}`;
}

function largestDownstream(b: TimeBreakdownResponse): { words: string; name: string; kind: 'database' | 'external'; share: number; ms: number } | null {
  const db = b.databases[0];
  const ext = b.externals[0];
  if (db === undefined && ext === undefined) return null;
  if (ext === undefined || (db !== undefined && db.share >= ext.share)) {
    const d = db as NonNullable<typeof db>;
    return { words: d.name, name: d.name, kind: 'database', share: d.share, ms: d.totalMs };
  }
  return { words: `HTTP calls to ${ext.name}`, name: ext.name, kind: 'external', share: ext.share, ms: ext.totalMs };
}

/**
 * Requests that wait for a pooled connection: every connection was in use. Not the database's
 * time (its queries may be quick) and not the app's code; the fix is how long connections are
 * held and how many there are (QA s15: a pool of 2, 20 requests at once holding one 100 ms each,
 * read 100 % postgresql, "EXPLAIN the top statement: pg-pool.connect").
 */
function poolWaitFinding(ctx: ServiceContext, route: string, b: TimeBreakdownResponse, meanMs: number, sample: string): Finding | null {
  const t = ctx.thresholds;
  const pool = b.pools[0];
  if (pool === undefined || meanMs < t.downstreamMinMs || b.poolWaitShare < t.poolWaitShare) return null;
  // What holds the connections: the system's statement with the most time.
  const top = b.statements.find((s) => s.system === pool.name && s.source !== 'span');
  const size = pool.maxConnections !== null ? ` of ${plural(pool.maxConnections, 'connection')}` : '';
  return finding(ctx, {
    kind: 'downstream.pool-wait',
    subject: `${route} ${pool.name}`,
    severity: 'warning',
    title: `Route ${route} waits ${round(b.poolWaitShare * 100, 0)} % of its time for a ${pool.name} connection from its pool`,
    summary: `In ${sample}, requests waited ${ms(b.poolWaitMs / b.traces)} of the mean ${ms(meanMs)} for a free connection from the ${pool.name} pool${size}, and spent ${ms(b.databaseMs / b.traces)} in queries (waiting ${round(b.poolWaitShare * 100, 0)} %, database ${round(b.databaseShare * 100, 0)} %, external ${round(b.externalShare * 100, 0)} %, the app's own code ${round(b.appShare * 100, 0)} %).`,
    figures: {
      route,
      system: pool.name,
      poolWaitShare: round(b.poolWaitShare, 4),
      meanPoolWaitMs: round(b.poolWaitMs / b.traces, 1),
      meanDatabaseMs: round(b.databaseMs / b.traces, 1),
      meanRequestMs: round(meanMs, 1),
      databaseShare: round(b.databaseShare, 4),
      appShare: round(b.appShare, 4),
      traces: b.traces,
      ...(pool.maxConnections !== null && { maxConnections: pool.maxConnections }),
      ...(top !== undefined && { topStatement: top.statement }),
      ...(b.exampleTraceId !== null && { exampleTrace: traceLink(ctx.service, b.exampleTraceId) }),
    },
    page: 'transactions',
    linkParams: { route },
    cause: `Every connection of the pool${size} was in use: requests in flight need more connections than it has, or each holds its connection too long — its queries${top !== undefined ? ` (most time: "${top.statement}")` : ''}, or other work done between checkout and release. The wait is neither the database's time nor the app's code.`,
    change: `Hold connections for less time first: shorten the top statement, release the connection before other work (an HTTP call, a computation, an await that is no query) and never hold one across a request's whole life. Then size the pool to the concurrency it serves (pg's max, default 10; mysql2's connectionLimit, default 10), within the database's max_connections over all processes; or cap the requests in flight.`,
  });
}

export const downstreamTimeRule = (ctx: ServiceContext): Finding[] => {
  const t = ctx.thresholds;
  const routes = ctx
    .transactions()
    .filter((r) => r.requests > 0)
    .sort((a, b) => b.totalTimeMs - a.totalTimeMs)
    .slice(0, MAX_ROUTES);
  const out: Finding[] = [];
  const blocked = routes.length > 0 ? blockedShare(ctx) : 0;
  const loopBlocked = blocked >= t.downstreamBlockedShare;
  for (const route of routes) {
    const b = ctx.storage.timeBreakdown({ service: ctx.service, route: route.route, ...ctx.window, traceLimit: TRACES_PER_ROUTE });
    if (b.traces < t.downstreamMinTraces) continue;
    const meanMs = b.totalMs / b.traces;
    const sample = `${plural(b.traces, 'kept trace')} of ${route.route} over ${windowWords(ctx.asked)}`;
    const top = largestDownstream(b);
    if (top !== null && meanMs >= t.downstreamMinMs && top.share >= t.downstreamShare) {
      out.push(finding(ctx, {
        kind: 'downstream.time-share',
        subject: route.route,
        severity: 'warning',
        title: `Route ${route.route} spends ${round(top.share * 100, 0)} % of its time in ${top.words}`,
        summary: `In ${sample}, ${ms(top.ms / b.traces)} of the mean ${ms(meanMs)} per request was in ${top.words} (database ${round(b.databaseShare * 100, 0)} %, external ${round(b.externalShare * 100, 0)} %, the app's own code ${round(b.appShare * 100, 0)} %).${
          loopBlocked ? ` Part of it may be this app's own: stalls blocked its processes' event loops ${round(blocked * 100, 0)} % of the time, and an answer that arrived meanwhile waited for the loop before the call could end.` : ''
        }`,
        figures: {
          route: route.route,
          downstream: top.name,
          kind: top.kind,
          share: round(top.share, 4),
          meanRequestMs: round(meanMs, 1),
          meanDownstreamMs: round(top.ms / b.traces, 1),
          databaseShare: round(b.databaseShare, 4),
          externalShare: round(b.externalShare, 4),
          appShare: round(b.appShare, 4),
          traces: b.traces,
          ...(b.statements[0] !== undefined && top.kind === 'database' && { topStatement: b.statements[0].statement }),
          ...(b.exampleTraceId !== null && { exampleTrace: traceLink(ctx.service, b.exampleTraceId) }),
          ...(loopBlocked && { loopBlockedShare: round(blocked, 4) }),
        },
        page: 'transactions',
        linkParams: { route: route.route },
        cause: loopBlocked
          ? `The route waits on ${top.name}${top.kind === 'database' ? ': its queries are slow or many' : ': that service answers slowly, or is called more often than needed'} — or on its own event loop: while a stall blocks it, an answer that has arrived is not read, and the call's span runs on (see the blocking-route finding).`
          : top.kind === 'database'
          ? `The route waits on ${top.name}: its queries (the route's view lists them, most time first) are slow or many. More processes or a faster event loop would not shorten it.`
          : `The route waits on ${top.name}: that service answers slowly, or is called more often than needed. More processes here would not shorten it.`,
        change: `${loopBlocked ? 'First move the blocking work off the event loop (see the blocking-route finding): the calls will read shorter. Then: ' : ''}${
          top.kind === 'database'
            ? 'Look at the top statement first: EXPLAIN it for a missing index or a scan, return fewer rows, cache what rarely changes; run independent queries in parallel.'
            : 'Look at the callee\'s own time (its traces), cache its answers, call it in parallel or in batches, and give the call a timeout so its slowness does not become this route\'s.'
        }`,
      }));
    }
    const pool = poolWaitFinding(ctx, route.route, b, meanMs, sample);
    if (pool !== null) out.push(pool);
    for (const s of b.statements) {
      // A span named only by itself (pg's pool connect) repeats with the query it serves: that
      // query's finding says it, a second one for the connects would only repeat it.
      if (s.medianPerRequest < t.nPlusOneMinCalls || s.source === 'span') continue;
      out.push(finding(ctx, {
        kind: 'downstream.n-plus-one',
        subject: `${route.route} ${s.system} ${s.statement}`,
        severity: 'warning',
        title: `N+1: route ${route.route} runs the same statement ~${round(s.medianPerRequest, 0)} times per request`,
        summary: `In ${sample}, ${s.system} ran "${s.statement}" ${round(s.medianPerRequest, 0)} times in the median request (up to ${s.maxPerRequest}), ${ms(s.meanMs)} each: ${ms(s.totalMs / b.traces)} of the mean ${ms(meanMs)} per request.`,
        figures: {
          route: route.route,
          system: s.system,
          statement: s.statement,
          medianPerRequest: round(s.medianPerRequest, 1),
          maxPerRequest: s.maxPerRequest,
          callsPerRequest: round(s.callsPerRequest, 2),
          meanMs: round(s.meanMs, 2),
          msPerRequest: round(s.totalMs / b.traces, 1),
          meanRequestMs: round(meanMs, 1),
          traces: b.traces,
          exampleTrace: traceLink(ctx.service, s.exampleTraceId),
        },
        page: 'transactions',
        linkParams: { route: route.route },
        cause: 'A loop runs one query per item (an ORM\'s lazy loading of a relation, a query inside map/forEach): each round trip waits on the network and the database in turn.',
        change: 'Fetch the items in one statement: a join, WHERE id = ANY($1) / IN (…), or the ORM\'s eager loading (include, populate, relations); for a cache, one MGET or a pipeline.',
      }));
    }
  }
  return out;
};
