// JSON shapes of the query API (/api/...) and the live stream (/ws). Shared with the
// dashboard (`@headroom/collector/api-types`), so a change here breaks its build, not its page.
// Times are epoch milliseconds; durations are milliseconds unless a name says otherwise.
// Series are columnar (one array per measure, aligned with `t`), the shape uPlot draws.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface TimeRange {
  from: number;
  to: number;
}

export interface ApiError {
  error: { code: string; message: string };
}

export interface ServiceSummary {
  service: string;
  requests: number;
  /** Requests per minute of `reportedMs`: the time the service existed in the range, not the whole range. */
  throughputRpm: number;
  /**
   * The time within the range the service's processes reported (the union of each one's start, or
   * without a start event its first report's minute, to its last report; at least a minute); the
   * whole range when none is on record. Absent from older
   * collectors, whose throughput is per minute of the whole range.
   */
  reportedMs?: number;
  /** 0..1 */
  errorRate: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  /** 0..1, null with no requests. */
  apdex: number | null;
  apdexTMs: number;
  /**
   * Over the requests that carried a queue-start header (X-Request-Start / X-Queue-Start): their
   * queue wait over their queue wait + response time, 0..1; null when none carried it. Those
   * requests may be a small part of `requests`: see queueWaitRequests.
   */
  queueWaitShare: number | null;
  /** How many of `requests` carried a queue-start header (what queueWaitShare is computed over). Absent from older collectors. */
  queueWaitRequests?: number;
  /**
   * Mean event-loop utilisation over the range (rows inside it only) and the processes that
   * serve requests (cluster primaries left out), 0..1: 1 when every worker is saturated.
   */
  eventLoopUtilization: number | null;
  /** Latest RSS summed over the processes alive at the range's end (reported in its last 2 minutes, not ended: liveInstances). */
  memoryRssBytes: number | null;
  /** Every process seen in the range, those that stopped or went silent in it too. */
  instances: number;
  /**
   * The processes alive at the range's end: reported in its last 2 minutes and not ended by
   * then (no stop event, no exit reported by its cluster primary: InstanceStop), the dashboard's
   * "live". Absent from older collectors.
   */
  liveInstances?: number;
  lastSeen: number | null;
  sparkline: { t: number[]; throughputRpm: number[]; p95Ms: (number | null)[] };
}

export interface ServicesResponse extends TimeRange {
  services: ServiceSummary[];
}

export interface ServiceSeriesResponse extends TimeRange {
  service: string;
  route: string | null;
  instanceId: string | null;
  /**
   * True when only the requests that matched a route are counted (`routes=matched`, as latency
   * alert rules over the whole service count them): the method-alone transactions (no route
   * matched: 404s) left out. False when not asked, or when the service names no routes.
   */
  matchedRoutes: boolean;
  bucketMs: number;
  /** Bucket starts. */
  t: number[];
  requests: number[];
  throughputRpm: number[];
  errorRate: (number | null)[];
  p50Ms: (number | null)[];
  p95Ms: (number | null)[];
  p99Ms: (number | null)[];
  apdex: (number | null)[];
  /**
   * Mean time per request in each part. bodyReadPerRequestMs + appMs + responseWriteMs is the
   * response time of all requests (body read summed over the requests with a body, divided by
   * all); queueWaitMs is over only the requests that carried a queue-start header and
   * bodyReadMs over only those with a body, so those two need not add up for a typical request.
   */
  queueWaitMs: (number | null)[];
  appMs: (number | null)[];
  responseWriteMs: (number | null)[];
  bodyReadMs: (number | null)[];
  bodyReadPerRequestMs: (number | null)[];
  /** Telemetry the service's agents dropped over the range: where these figures are incomplete. */
  dropped: TelemetryDropped;
}

/**
 * Telemetry an agent dropped, in items (`headroom.agent.dropped`): what did not fit its queues
 * while the collector was down or slow, or what the collector refused.
 */
export interface DroppedTelemetry {
  spans: number;
  /** Metric data points: request counts and timings among them, so throughput reads low. */
  metricPoints: number;
  /** Log records: Headroom events (stalls, starts, uncaught errors). */
  logs: number;
}

/** What one instance dropped between two of its reports. */
export interface TelemetryGap extends DroppedTelemetry {
  instanceId: string;
  /**
   * Its last report before the loss, epoch ms (at the store's resolution: the minute, 5-minute
   * or hour row of the series); its process start when the report was its first.
   */
  fromMs: number;
  /** The report that counted the loss, epoch ms. */
  toMs: number;
}

export interface DroppedBucket extends DroppedTelemetry {
  /** Bucket start, one of the series' `t`. */
  t: number;
  /** Instances with a gap overlapping the bucket: its data is incomplete. */
  instances: number;
}

export interface TelemetryDropped {
  /**
   * The buckets that overlap a gap, oldest first; a bucket's counts are those of the gaps
   * ending in it (so they add up to `total`), and may be 0 in a bucket a longer gap covers.
   */
  buckets: DroppedBucket[];
  /** Per instance and report, oldest first. */
  gaps: TelemetryGap[];
  total: DroppedTelemetry;
}

export interface InstanceSeries {
  instanceId: string;
  t: number[];
  rssBytes: (number | null)[];
  heapUsedBytes: (number | null)[];
  heapTotalBytes: (number | null)[];
  heapLimitBytes: (number | null)[];
  externalBytes: (number | null)[];
  eventLoopDelayP99Ms: (number | null)[];
  eventLoopDelayMaxMs: (number | null)[];
  eventLoopUtilization: (number | null)[];
  inFlightMean: (number | null)[];
  inFlightMax: (number | null)[];
  /** GC pause time summed over the bucket, all kinds. */
  gcPauseMs: (number | null)[];
  /**
   * Of it, the time the process was on CPU (Headroom's agent, `headroom.gc.pause.on_cpu`): a
   * machine short of CPU stretches pauses, not this. Null where nothing reported it.
   */
  gcPauseOnCpuMs: (number | null)[];
}

export interface InstanceSeriesResponse extends TimeRange {
  service: string;
  bucketMs: number;
  instances: InstanceSeries[];
}

export interface TransactionSummary {
  route: string;
  requests: number;
  /** Sum of response times: what ranks the routes. */
  totalTimeMs: number;
  /** Share of the service's total time, 0..1. */
  share: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  errors: number;
  errorRate: number;
  queueWaitMs: number | null;
  stalls: number;
  stallMs: number;
}

export interface TransactionsResponse extends TimeRange {
  service: string;
  /** The first `limit` routes by total time (all when no limit was asked). */
  transactions: TransactionSummary[];
  /** Routes with requests in the range, listed or not. */
  totalRoutes?: number;
  /** More routes than listed: totalRoutes − transactions.length are left out. */
  truncated?: boolean;
  /**
   * Route names folded into "METHOD (other routes)" in the range because the service had added
   * its budget of new routes (docs/collector-store.md#route-budget), and when the first of them
   * was; null when none were.
   */
  folded?: { routes: number; requests: number; sinceMs: number } | null;
}

export interface TraceSummary {
  traceId: string;
  service: string;
  route: string | null;
  name: string;
  startMs: number;
  durationMs: number;
  error: boolean;
  spanCount: number;
  /** Event-loop stall time inside the trace. */
  stallMs: number;
  /**
   * Time the request waited in front of the app (the root span's `headroom.queue_wait.duration_ms`,
   * from a proxy's queue-start header): the client saw durationMs + queueWaitMs. Absent without a
   * header, and in live `trace` frames.
   */
  queueWaitMs?: number;
  /**
   * A failed trace's error in one line (at most 300 characters): the exception (`type: message`)
   * or status message of its first failing span, the root's first. Absent when no failing span
   * recorded one; in live `trace` frames, only the root's own.
   */
  errorMessage?: string;
}

/** GET /api/collector: facts about this collector the dashboard shows (read-only). */
export interface CollectorInfoResponse {
  /** The OTLP/HTTP base URL the collector listens on (what OTEL_EXPORTER_OTLP_ENDPOINT takes). */
  otlpUrl: string;
  /** The OTLP port requires `Authorization: Bearer <ingest token>` (the token itself is never given out). */
  ingestTokenRequired: boolean;
}

export interface TracesResponse extends TimeRange {
  traces: TraceSummary[];
  /** With `notable=true`: the duration from which a trace counts as slow (4 × Apdex T). */
  slowThresholdMs?: number;
}

/** Time in one downstream (a database system, or an HTTP peer) over the sampled requests. */
export interface DownstreamTime {
  /** `postgresql`, `redis`… (`db.system.name`), or the peer's `server.address`. */
  name: string;
  /** Wall time in its spans, overlaps counted once within each request, summed over the requests, ms. */
  totalMs: number;
  /** totalMs over the requests' server-span time, 0..1. */
  share: number;
  calls: number;
}

/** The wait for a database system's pooled connections (its pool checkout spans). */
export interface PoolWaitTime extends DownstreamTime {
  /** The pool's size, where its spans say it (pg's `db.postgresql.max.client`); the largest seen. */
  maxConnections: number | null;
}

/** One statement of the sampled requests (literals replaced by `?`). */
export interface StatementSummary {
  system: string;
  /**
   * `db.query.text` / `db.statement` normalised, else `db.operation.name` and collection, else
   * the span name; for redis, valkey and memcached the command alone (their text holds keys).
   */
  statement: string;
  /** What `statement` was made from: a query's text, an operation, or only the span's name (a pool's connect). */
  source: 'query' | 'operation' | 'span';
  calls: number;
  /** calls over the sampled requests (all of them, those without the statement too). */
  callsPerRequest: number;
  /**
   * The median of its calls per request, over the sampled requests that made any database call
   * (`tracesWithDatabase`; zero for one that did not run this statement). A kept trace whose
   * operations were not recorded (a light trace, spans lost) has none and does not count.
   */
  medianPerRequest: number;
  maxPerRequest: number;
  meanMs: number;
  totalMs: number;
  /** The sampled trace that ran it most often. */
  exampleTraceId: string;
}

/**
 * GET /api/services/:service/time-breakdown: where the kept traces' server time went —
 * database, outgoing HTTP, and the app's own code — and the top statements. A sample: the
 * newest `traceLimit` local roots of the service (and route) in the range.
 */
export interface TimeBreakdownResponse extends TimeRange {
  service: string;
  route: string | null;
  /** Traces (local root spans) it is computed from: partial traces (`headroom.trace.partial`) are left out. */
  traces: number;
  /** Of them, the traces with at least one database span (what statements' medians are over). */
  tracesWithDatabase: number;
  traceLimit: number;
  /** Their server-span time summed, ms. */
  totalMs: number;
  /** Time in database spans (overlaps once per request), ms and share of totalMs. */
  databaseMs: number;
  databaseShare: number;
  externalMs: number;
  externalShare: number;
  /**
   * Time waiting for a pooled connection (pool checkout spans: `pg-pool.connect`,
   * `mysql2-pool.getConnection`), less the database time inside them (a new connection's set-up),
   * ms and share of totalMs: neither the database's time nor the app's.
   */
  poolWaitMs: number;
  poolWaitShare: number;
  /** totalMs minus the union of database, pool-wait and external time: the app's own code, ms. */
  appMs: number;
  appShare: number;
  /** By system, most time first. */
  databases: DownstreamTime[];
  /** Pool waits by database system, most first. */
  pools: PoolWaitTime[];
  /** By peer, most time first. */
  externals: DownstreamTime[];
  /** Most total time first, at most 20. */
  statements: StatementSummary[];
  /** The sampled trace with the most database and external time, for a link; null without traces. */
  exampleTraceId: string | null;
}

export interface SpanView {
  spanId: string;
  parentSpanId: string | null;
  service: string;
  instanceId: string;
  name: string;
  kind: number;
  /** Epoch nanoseconds as a decimal string: exact, unlike a JS number. */
  startNs: string;
  startMs: number;
  durationMs: number;
  status: { code: number; message: string };
  /**
   * At most 128, string values at most 4,096 characters (longer ones cut, ending in "…"):
   * the collector's limits (receiver/normalise/attribute-limits.ts).
   */
  attributes: Record<string, JsonValue>;
  /**
   * At most 128; `droppedAttributesCount` when some of an event's attributes were dropped.
   * `timeNs`: epoch nanoseconds as a decimal string, exact like `startNs` (events stored by an
   * older collector: whole milliseconds); `timeMs` in whole milliseconds, like `startMs`.
   */
  events: { timeNs: string; timeMs: number; name: string; attributes: Record<string, JsonValue>; droppedAttributesCount?: number }[];
  /** Attributes dropped past the limit or by the sender (OTLP dropped_attributes_count); absent when none. */
  droppedAttributesCount?: number;
  /** Events dropped past the limit or by the sender (OTLP dropped_events_count); absent when none. */
  droppedEventsCount?: number;
  /** An event-loop stall span recorded by the agent. */
  isStall: boolean;
}

export interface TraceResponse {
  traceId: string;
  /** Sorted by start; the tree is given by parentSpanId. */
  spans: SpanView[];
  /**
   * Event-loop stalls (type `stall`, any trace's) of the instances the trace ran on that overlap
   * its time, oldest first: a call that waited for a callee whose loop another request blocked
   * is explained by them. At most 200.
   */
  stalls: EventView[];
}

export interface InstanceView {
  instanceId: string;
  service: string;
  host: string | null;
  pid: number | null;
  firstSeen: number;
  lastSeen: number;
  startedAt: number | null;
  restarts: number;
  /**
   * Set when the process sent a stop event at or before the range's end: it is gone from then
   * on. A process gone without one (killed by SIGKILL or the OOM killer, or cut off) is only
   * silent: `lastSeen` tells.
   */
  stopped: InstanceStop | null;
  rssBytes: number | null;
  heapUsedBytes: number | null;
  heapLimitBytes: number | null;
  eventLoopUtilization: number | null;
  inFlight: number | null;
  /**
   * What its agent dropped since the process started, as of its last report in the range;
   * null when it reports no such count (an agent other than Headroom's, or an older one).
   */
  dropped: DroppedTelemetry | null;
  /** Of that, what it dropped within the range (the gaps counted in it). */
  droppedInRange: DroppedTelemetry | null;
  /** Settings reported at start (server timeouts, UV_THREADPOOL_SIZE, heap limit, CPUs, …). */
  settings: Record<string, JsonValue>;
  /** The latest resource's attributes, at most 128 (the receiver's limit). */
  resource: Record<string, JsonValue>;
  /** That resource's attributes dropped past the limit or by the sender (OTLP dropped_attributes_count); absent when none. */
  resourceDroppedAttributesCount?: number;
  /** The build it runs: `service.version` of its latest resource; null when it sent none. */
  version: string | null;
  /** Its VCS revision (`vcs.ref.head.revision`); null when it sent none. */
  revision: string | null;
}

export interface InstancesResponse extends TimeRange {
  service: string;
  instances: InstanceView[];
}

/**
 * A service's traffic over one side of a deploy, from the per-instance request rollups (whole
 * minutes): the processes of the deployed version after it, those of every other version before.
 */
export interface DeployWindow {
  /** Epoch ms, whole minutes: [from, to). */
  from: number;
  to: number;
  /** Whose requests: 'deployed' (this version's processes) or 'others' (every other version's, and unversioned ones). */
  processes: 'deployed' | 'others';
  /** How many of those processes sent requests in the window. */
  instances: number;
  requests: number;
  /**
   * Requests per minute over the time its processes reported within the window (each one's start,
   * or its first report's minute when it sent no start event, to its last report; at least a
   * minute): a deploy 80 seconds old is a rate over those 80 seconds, not over the 3 minutes it
   * touched.
   */
  throughputRpm: number;
  /**
   * Failed requests over the requests that count for it (collector/src/store/error-rate.ts): every
   * one but those no route matched that did not fail (a scanner's 404s); null without any.
   */
  errorRate: number | null;
  /** The requests errorRate is over. */
  errorRateRequests: number;
  p50Ms: number | null;
  p95Ms: number | null;
  /** With the service's Apdex T; null without requests. */
  apdex: number | null;
}

/**
 * One deploy of a service: a change of running version, a rollback too (store/deploy-runs.ts), so
 * a version may be listed more than once.
 */
export interface Deployment {
  /** `service.version`; null when its processes sent only a revision. */
  version: string | null;
  /** `vcs.ref.head.revision`; null when its processes sent none. A version and revision pair is one deployment. */
  revision: string | null;
  /** Epoch ms: its first process's first data (the deploy). */
  firstSeen: number;
  /** Epoch ms: its last process's latest data. */
  lastSeen: number;
  /**
   * Epoch ms: when it stopped running, its last process's latest data, once none of its processes
   * may still run (each said it ended, went silent past a grace, or was replaced by a process of
   * another version started after its latest data: store/deploy-runs.ts); null while one may.
   * Its after side ends with the minute it stopped in.
   */
  stoppedAt: number | null;
  /** Processes this deploy started (every one the store still holds, not only those in the range). */
  instances: number;
  /**
   * The `windowMs` after the deploy (its first minute on; shorter while it is still running, to
   * the current minute, and when it stopped sooner, to the end of the minute it stopped in)
   * against the `windowMs` before it (to its first minute's end).
   */
  before: DeployWindow;
  after: DeployWindow;
  /**
   * The share of the after side's requests slower than the before side's p95 (by more than 5 %,
   * the sketches' error and then some): about 0.05 or less when the deploy changed nothing, more
   * when it made requests slower (the advisor's test of a p95 that rose). Null when either side
   * has no requests.
   */
  afterAboveBeforeP95: number | null;
  /**
   * The routes that changed most between the two sides (the same processes and minutes), each with
   * at least `routeMinRequests` requests on both, the biggest change first: at most
   * MAX_DEPLOY_ROUTES. Empty when none had enough on both sides; null for a deploy older than the
   * newest `routeDeploys` listed, whose routes were not compared (a narrower range compares them).
   */
  routes: DeployRouteChange[] | null;
  /** How many routes had enough requests on both sides to be compared (those listed and the rest); null with `routes`. */
  routesCompared: number | null;
}

/** One route's requests on one side of a deploy, from the per-route-and-instance rollups. */
export interface DeployRouteSide {
  requests: number;
  /** Failed requests over all of them (the route matched, so every one counts). */
  errorRate: number;
  meanMs: number;
  p50Ms: number | null;
  p95Ms: number | null;
}

/** A route before and after a deploy (Deployment.routes). */
export interface DeployRouteChange {
  /** Transaction name, e.g. "GET /orders/:id": text from the app. */
  route: string;
  before: DeployRouteSide;
  after: DeployRouteSide;
  /** The share of the route's requests after slower than its p95 before (by more than 5 %), as afterAboveBeforeP95. */
  afterAboveBeforeP95: number;
}

export interface DeploymentsResponse extends TimeRange {
  service: string;
  /** The length each side of a deploy is compared over (`?window=`, default 30 minutes). */
  windowMs: number;
  /** The deploys seen in the range, newest first (at most MAX_DEPLOYMENTS). */
  deployments: Deployment[];
  /** Deploys seen in the range beyond those listed (older ones): 0 when all are listed. */
  moreDeployments: number;
  /** The requests a route needs on each side of a deploy to be compared (Deployment.routes). */
  routeMinRequests: number;
  /** How many of the newest deploys listed have their routes compared (Deployment.routes; the others' are null). */
  routeDeploys: number;
}

export type EventType = 'stall' | 'start' | 'restart' | 'uncaught_exception' | 'unhandled_rejection' | 'worker_exit' | 'stop';

/** How a process ended, from its agent's stop event (`headroom.process.stop`). */
export interface InstanceStop {
  /** Epoch ms. */
  at: number;
  /**
   * `signal`, `exit` (process.exit), `natural` (nothing left to run), `uncaught_exception`;
   * another agent's word as sent. A cluster worker that sent no stop of its own (SIGKILL, the
   * OOM killer) ends as its primary reported it: `killed` by a signal the primary did not send,
   * `signal` for one it sent, `exit` with the code.
   */
  reason: string;
  /** SIGTERM, SIGINT: the signal that came before the end, if one did (or that killed the worker). */
  signal: string | null;
  exitCode: number | null;
  /** The agent's sentence, e.g. "process stopped by SIGTERM after 2 h 5 min", or the primary's: "worker 2 (pid 4243) killed by SIGKILL". */
  message: string | null;
}

export interface EventView {
  id: number;
  type: EventType;
  service: string;
  instanceId: string;
  timeMs: number;
  route: string | null;
  traceId: string | null;
  spanId: string | null;
  durationMs: number | null;
  message: string | null;
  /** At most 128 (the receiver's limit). */
  attributes: Record<string, JsonValue>;
  /** The log record's attributes dropped past the limit or by the sender (OTLP dropped_attributes_count); absent when none. */
  droppedAttributesCount?: number;
}

export interface EventsResponse extends TimeRange {
  events: EventView[];
}

/** Stalls grouped by route and code location, longest total first. */
export interface StallGroup {
  route: string | null;
  location: string | null;
  count: number;
  totalMs: number;
  maxMs: number;
  lastMs: number;
  /**
   * Of `count`, stalls during which the loop's thread (older agents: the process) used under a third of the time on CPU
   * (`headroom.stall.cpu_ms`): descheduled or in a blocking system call, not code running.
   */
  hardlyRan: number;
  /**
   * Of `count`, stalls in Headroom's agent's own work (`headroom.stall.agent`: serialising an
   * export, collecting metrics), not the app's code.
   */
  agent: number;
  /**
   * Of `count`, stalls filled by garbage-collection pauses (`headroom.stall.gc`: at least half
   * of the stall, `headroom.stall.gc_ms`), not by the code that ran: such a group has no route
   * nor location and `gc` equals `count`, other groups 0.
   */
  gc: number;
  /**
   * The share of their time the loop's thread was on the CPU, over the group's stalls that carry
   * a CPU time (`headroom.stall.cpu_ms`, each at most its stall); null when none does.
   */
  cpuShare: number | null;
}

export interface StallsResponse extends TimeRange {
  service: string;
  groups: StallGroup[];
}

/** One kind of failure (store/error-kind.ts) among a service's kept failed traces. */
export interface ErrorGroup {
  /** `type: pattern`, the pattern alone, or `HTTP 503` (the traces filter `errorKind` takes it). */
  kind: string;
  /** The exception type, when one was recorded. */
  type: string | null;
  /** The message with its variable parts replaced ('' when only a type or a status was recorded). */
  pattern: string;
  /** The response status the kind came from, when the trace recorded no error message or type. */
  httpStatus: number | null;
  /** Kept failed traces of this kind among those read. */
  count: number;
  /** The routes it happened on, most first (at most 5; routeCount says how many there were). */
  routes: { route: string | null; count: number }[];
  routeCount: number;
  /** Its oldest and newest trace read, epoch ms. */
  firstSeenMs: number;
  lastSeenMs: number;
  /** The newest trace of the kind, with its own error in one line (TraceSummary.errorMessage). */
  example: { traceId: string; route: string | null; startMs: number; message: string | null };
  /** Traces per bucket, aligned with ErrorGroupsResponse.t. */
  buckets: number[];
}

/** GET /api/services/:service/errors: kept failed traces grouped by kind, beside the exact failed-request count. */
export interface ErrorGroupsResponse extends TimeRange {
  service: string;
  /** Most traces first (at most 100; totalGroups says how many kinds there were). */
  groups: ErrorGroup[];
  totalGroups: number;
  /** Failed traces read, each once: those of the newest failed roots the groups count (at most maxTraces roots). */
  tracesRead: number;
  maxTraces: number;
  /** The range held more failed roots than maxTraces: the older ones are not in the groups. */
  truncated: boolean;
  /** Bucket starts of the groups' counts (epoch ms) and their size. */
  bucketMs: number;
  t: number[];
  /**
   * Every failed request (5xx, or not answered in full: error.type) from the request metrics, which count all of
   * them (traces are sampled): over the whole minutes the range touches (from, to), and by route.
   */
  failedRequests: {
    from: number;
    to: number;
    count: number;
    routes: { route: string; count: number }[];
    /**
     * The failed requests of each of the range's last 16 minutes that had any (the service's minute rollups, as a
     * live aggregate counts them): what the page has read, so a live aggregate that repeats a minute's count is
     * not news (dashboard/src/shape/live-failures.ts).
     */
    minutes: { t: number; count: number }[];
  };
}

// ---- live stream (/ws) ----

/** Sent by the dashboard. `service: null` subscribes to every service. */
export type LiveClientMessage = { type: 'subscribe'; service: string | null };

/** One per-minute aggregate of a service, as it stands after the latest ingest. */
export interface LiveAggregate {
  service: string;
  /** Bucket start (minute). */
  t: number;
  requests: number;
  errorRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  queueWaitMs: number | null;
  appMs: number | null;
  responseWriteMs: number | null;
  /** The body-read part of the mean (as the series' bodyReadPerRequestMs); absent from older collectors. */
  bodyReadPerRequestMs?: number | null;
}

/**
 * A process whose build the collector had not seen: its first data (the resource every batch
 * carries), or a version or revision other than the one stored for it. Any OTel SDK's first
 * export says it, with or without a start event: a new version's is a deploy.
 */
export interface LiveProcess {
  service: string;
  instanceId: string;
  version: string | null;
  revision: string | null;
  /** Epoch ms: the data that first showed this build. */
  seenAt: number;
}

export type LiveServerMessage =
  | { type: 'hello'; serverTime: number }
  | { type: 'aggregate'; aggregate: LiveAggregate }
  | { type: 'event'; event: EventView }
  /** A process first seen, or seen with another build (LiveProcess). */
  | { type: 'process'; process: LiveProcess }
  | { type: 'trace'; trace: TraceSummary }
  /** An alert rule of the service changed state (see AlertTransition). */
  | { type: 'alert'; transition: AlertTransition }
  /** Frames to this client were dropped (it was too slow): fetch the current state again. */
  | { type: 'resync'; reason: string };

// ---- advisor (/api/advisor) ----

export type FindingSeverity = 'critical' | 'warning' | 'info';

/** One piece of advice: observed data joined with the settings the agent reported. */
export interface Finding {
  /** Stable while the condition lasts: `${kind}:${service}:${subject}`. */
  id: string;
  /** What kind of finding, e.g. `capacity.more-processes`, `eventloop.blocking-route`. */
  kind: string;
  service: string;
  severity: FindingSeverity;
  /** Plain words, e.g. "Event-loop utilisation 0.95 on 1 process while the host has 4 CPUs". */
  title: string;
  evidence: {
    summary: string;
    window: TimeRange;
    figures: Record<string, number | string>;
    /** Deep link (path + query) to the dashboard chart that shows the evidence. */
    chartLink: string;
  };
  cause: string;
  change: string;
}

export interface AdvisorResponse extends TimeRange {
  findings: Finding[];
}

// ---- alerts (/api/alerts) ----

/** What a rule watches. Request series are per service (optionally route or instance); process series per instance. */
export type AlertSeries =
  | 'latency.p50'
  | 'latency.p95'
  | 'latency.p99'
  | 'error_rate'
  | 'throughput'
  | 'apdex'
  | 'queue_wait'
  | 'eventloop.delay.p99'
  | 'eventloop.utilization'
  | 'heap.used_ratio'
  | 'memory.rss'
  | 'inflight'
  | 'stall.count'
  | 'restart.count'
  | 'crash.count'
  | 'advisor.finding';

export type AlertComparison = '>' | '>=' | '<' | '<=';
/** What a window without data means: the condition is false, true, or the state stays as it is. */
export type AlertNoData = 'ok' | 'alerting' | 'keep';
export type AlertStateName = 'ok' | 'pending' | 'firing' | 'resolved';

/** A rule as the API and the rules file accept it; durations as ms or "30s", "5m", "1h". */
export interface AlertRuleInput {
  id?: string;
  name: string;
  series: AlertSeries;
  service: string;
  route?: string | null;
  instanceId?: string | null;
  /** advisor.finding only: fire for this finding kind only (any kind when absent). */
  findingKind?: string | null;
  windowMs: number | string;
  comparison?: AlertComparison;
  threshold?: number;
  forMs?: number | string;
  noData?: AlertNoData;
  /** Destination ids notified on firing and resolve. */
  destinations?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  muted?: boolean;
}

export interface AlertRule {
  id: string;
  name: string;
  series: AlertSeries;
  service: string;
  route: string | null;
  instanceId: string | null;
  findingKind: string | null;
  windowMs: number;
  comparison: AlertComparison;
  threshold: number;
  forMs: number;
  noData: AlertNoData;
  destinations: string[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Muted rules are evaluated but send nothing. */
  muted: boolean;
  /** `file`: provisioned by `headroom start --alert-rules`; read-only through the API except mute. */
  source: 'api' | 'file';
  createdAt: number;
  updatedAt: number;
}

export interface AlertStateView {
  ruleId: string;
  state: AlertStateName;
  /** When the current state was entered. */
  since: number;
  /** When the condition first held in the current episode (pending or firing), else null. */
  activeSince: number | null;
  /** When it last went firing (the notification's startsAt), else null. */
  firingSince: number | null;
  /** The value of the latest evaluation; null when the window had no data. */
  value: number | null;
  /**
   * For a process series (memory, event loop, in-flight) of a rule over every instance: the
   * process the value is from, the worst one, as the dashboard names it ("worker 2 · pid 7629").
   * Not stored: the next evaluation says it again.
   */
  instance?: string;
  lastEvaluatedAt: number | null;
  /**
   * Present when the latest evaluation kept the state without judging the value, and why: a
   * percentile from too few requests ("p95 from 3 requests; it needs 20"), or a throughput
   * window missing requests the agents dropped. Not stored: the next evaluation says it again.
   */
  keptReason?: string;
}

export interface AlertRuleWithState {
  rule: AlertRule;
  state: AlertStateView;
  /** Link (path + query) to the dashboard view of the rule's series. */
  link: string;
  /**
   * Present when the stored rule fails today's checks (a route stored as a path alone, before
   * transactions were named by method): what is wrong and what to change. Such a rule matches no data.
   */
  problem?: string;
  /**
   * Present while no data from the rule's service has been seen (a service not deployed yet,
   * or a misspelt name): the rule is kept and evaluated, and this says what it does meanwhile.
   */
  notice?: string;
}

export interface AlertRulesResponse {
  rules: AlertRuleWithState[];
}

export interface AlertTransition {
  id: number;
  ruleId: string;
  service: string;
  at: number;
  from: AlertStateName;
  to: AlertStateName;
  /** The value that caused the transition; null when the window had no data. */
  value: number | null;
  threshold: number;
  reason: string;
  /** The rule's series, to read `value` and `threshold` in its unit; null for entries stored before schema 11. */
  series: AlertRule['series'] | null;
  /** Set when a person ended the state (the rule was deleted, or changed so the alert ends), not a value: `value` is then null. */
  cause: 'rule deleted' | 'rule changed' | null;
}

export interface AlertHistoryResponse extends TimeRange {
  transitions: AlertTransition[];
}

export type AlertDestinationType = 'webhook' | 'slack';

export interface AlertDestinationInput {
  id: string;
  type: AlertDestinationType;
  url: string;
  /** Standard Webhooks secret, `whsec_` + base64 of 24..64 random bytes; generated when absent. */
  secret?: string;
}

/** How sending to a destination went lately, from the recorded attempts of its deliveries. */
export interface AlertDestinationHealth {
  /** The latest attempt failed (an error, a timeout, a non-2xx answer, a refused address). */
  failing: boolean;
  lastAttemptAt: number;
  /** The latest attempt's HTTP status, null for a network error or timeout. */
  lastStatusCode: number | null;
  lastError: string | null;
  /** The latest attempt answered 2xx, null when none did (within the delivery retention). */
  lastDeliveredAt: number | null;
}

/** A destination as the API shows it: the secret is write-only. */
export interface AlertDestination {
  id: string;
  type: AlertDestinationType;
  url: string;
  hasSecret: boolean;
  source: 'api' | 'file';
  /** Null before anything was sent to it. */
  health: AlertDestinationHealth | null;
}

export interface AlertDestinationsResponse {
  destinations: AlertDestination[];
}

export interface AlertDeliveryAttempt {
  attempt: number;
  at: number;
  /** HTTP status, null for a network error or timeout. */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface AlertDelivery {
  /** Also the `webhook-id` header: the same on every retry, so receivers can de-duplicate. */
  id: string;
  ruleId: string | null;
  destinationId: string;
  kind: 'firing' | 'resolved' | 'test';
  /**
   * `dropped`: the queue was full; `skipped`: a resolve not sent because the firing it resolves
   * never arrived (its delivery failed), so the receiver has nothing to resolve; `cancelled`: its
   * destination was deleted before it got through (nothing more is sent to a deleted destination).
   */
  status: 'pending' | 'delivered' | 'failed' | 'dropped' | 'skipped' | 'cancelled';
  createdAt: number;
  attempts: AlertDeliveryAttempt[];
}

export interface AlertDeliveriesResponse {
  deliveries: AlertDelivery[];
}

/** A destination created through the API answers once with its secret, so it can be put in the receiver. */
export interface AlertDestinationCreated {
  destination: AlertDestination;
  secret: string | null;
}
