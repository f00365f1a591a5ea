// The storage interface: everything above the store (receiver, query API, live stream,
// alerts, advisor) talks to this, never to SQLite. Another backend (ClickHouse, say)
// implements the same interface.
import { HeadroomError } from '../errors';
import type { IngestBatch } from '../model';
import type { ErrorCounts } from './error-rate';
import type {
  DeploymentsResponse,
  EventType,
  EventView,
  ErrorGroupsResponse,
  EventsResponse,
  InstanceSeriesResponse,
  InstanceStop,
  InstancesResponse,
  JsonValue,
  LiveAggregate,
  LiveProcess,
  ServiceSeriesResponse,
  ServicesResponse,
  StallsResponse,
  TelemetryDropped,
  TimeBreakdownResponse,
  TraceResponse,
  TraceSummary,
  TracesResponse,
  TransactionsResponse,
} from '../api-types';

export interface RangeQuery {
  /** Epoch ms. The query layer always sets both (a default range when none is given). */
  from: number;
  to: number;
}

export interface SeriesQuery extends RangeQuery {
  service: string;
  route?: string;
  instanceId?: string;
  /** Without `route`: the requests that matched a route only (sqlite/queries/matched-routes.ts), when the service names routes. */
  matchedRoutes?: boolean;
  /** Bucket size; the query layer picks it from the range (at most ~300 points). */
  bucketMs: number;
}

export interface TraceQuery extends RangeQuery {
  service?: string;
  /** One process's traces (its local roots), e.g. the first requests after it started. */
  instanceId?: string;
  route?: string;
  minDurationMs?: number;
  error?: boolean;
  /**
   * Only failed traces of this kind (error-kind.ts; ErrorGroup.kind), among the newest
   * MAX_ERROR_TRACES failed traces of the range, as the Errors page groups them.
   */
  errorKind?: string;
  /**
   * Only the notable traces of `service`: failed, or at least its slow threshold long (4 ×
   * Apdex T, the "frustrated" bound; the same rule as the live stream's trace frames).
   */
  notable?: boolean;
  /** 'start' (newest first, the default), 'duration' (slowest first) or 'oldest' (oldest first: the first requests after a start). */
  sort?: 'start' | 'duration' | 'oldest';
  /** Rows to skip, for paging (the next page starts at offset + limit). */
  offset?: number;
  limit: number;
}

export interface DeploymentsQuery extends RangeQuery {
  service: string;
  /** How long each side of a deploy is compared over, whole minutes. */
  windowMs: number;
  /** Epoch ms: the after side ends at the current minute at the latest. */
  now: number;
}

export interface TransactionsQuery extends RangeQuery {
  service: string;
  limit?: number;
}

export interface EventQuery extends RangeQuery {
  service?: string;
  instanceId?: string;
  route?: string;
  /** One type, or any of several. */
  type?: EventType | readonly EventType[];
  limit: number;
}

/** One bucket of a per-instance gauge: how many points, their sum, min and max. */
export interface GaugeBucket {
  /** Bucket start, epoch ms. */
  t: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export interface InstanceGaugeBuckets {
  instanceId: string;
  /** Only buckets that hold points, oldest first. */
  buckets: GaugeBucket[];
}

/** Body sizes of one route's requests and responses, summed over a range. */
export interface RouteSizes {
  route: string;
  requests: number;
  requestBytesCount: number;
  requestBytesSum: number;
  responseBytesCount: number;
  responseBytesSum: number;
}

/**
 * One part of request time (queue wait, body read, response write) over the requests that
 * reported it, with their response time: the two sides of a share come from the same requests.
 */
export interface RequestPart {
  /** Requests that reported the part. */
  requests: number;
  /** The part summed over them, ms. */
  sumMs: number;
  /**
   * Their response time (handler and response write) summed, ms. Durations are not kept per
   * request: for each route of each process in each minute (hour, for whole rolled-up hours),
   * the requests that reported the part count at the mean duration of all that cell's requests.
   */
  responseSumMs: number;
}

/** Request time over a range, and its parts over the requests that reported each. */
export interface RequestParts {
  requests: number;
  /** Response time summed over all requests, ms. */
  responseSumMs: number;
  queueWait: RequestPart;
  bodyRead: RequestPart;
  responseWrite: RequestPart;
}

/** What one committed write contained, for the live stream and the alert engine. */
/** One aggregate over a window of request rollups: what an alert rule compares. */
export interface RequestWindowQuery extends RangeQuery {
  service: string;
  route?: string;
  instanceId?: string;
  /** As SeriesQuery's: latency rules over a whole service read the requests that matched a route. */
  matchedRoutes?: boolean;
}

export interface RequestWindow {
  /** Whether only the requests that matched a route were read (asked for, and the service names routes). */
  matchedRoutes: boolean;
  requests: number;
  errors: number;
  /**
   * What an error rate is over (store/error-rate.ts): with `matchedRoutes`, every failed request
   * over the matched ones and the unrouted failures; else `requests` and `errors`.
   */
  errorRate: ErrorCounts;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  apdex: number | null;
  /** Mean queue wait per request that reported one, ms. */
  queueWaitMs: number | null;
}

export interface CommitSummary {
  /** Services whose data changed, with the minute buckets touched (epoch ms). */
  services: Map<string, Set<number>>;
  /** Events inserted in this commit, with their ids. */
  events: EventView[];
  /** Traces completed or extended in this commit whose root is slow or erroneous. */
  notableTraces: TraceSummary[];
  /** Processes first seen in this commit, or seen with a build other than the one stored. */
  processes: LiveProcess[];
}

export interface StoreStats {
  queueDepth: number;
  queueCapacity: number;
  batchesCommitted: number;
  /** Items (spans, points, events) dropped because the queue was full or a write failed. */
  itemsDropped: number;
  /** Epoch ms of the last commit (null before the first). */
  lastBatchMs: number | null;
  /** Histogram of batch commit latency in seconds, for /metrics; counts per bucket, not
   * cumulative, with one more entry than bounds (the +Inf bucket). */
  batchLatency: { bounds: number[]; counts: number[]; sum: number; count: number };
  databaseBytes: number;
  /** Route names folded into "METHOD (other routes)" since the store opened (route-budget.ts). */
  routesFolded: number;
  /** Writes fail for a reason of the database (Storage.writeFailure says why). */
  writeFailing: boolean;
  /** A query found the database file damaged (Storage.readFailure says where); absent in stores that cannot tell. */
  damaged?: boolean;
}

/**
 * Why writes to the database fail (a damaged file, a full disk, an unwritable file): while
 * set, enqueue refuses batches and the receiver answers 503 so agents keep their data.
 */
export interface StoreFailure {
  /** HR_STORE_FAILING (writes fail) or HR_STORE_DAMAGED (a read found the file damaged). */
  code: string;
  /** What failed, the database path and what to do. */
  message: string;
  /** SQLite's error code (SQLITE_CORRUPT, SQLITE_FULL, …). */
  sqliteCode: string;
  /** Epoch ms of the first failed write (or read, for HR_STORE_DAMAGED). */
  sinceMs: number;
}

/**
 * Thrown by a query that read a damaged part of the database (Storage.readFailure): the API
 * answers 503 with its message, which names the file and what to do.
 */
export class StoreDamagedError extends HeadroomError {
  readonly failure: StoreFailure;
  constructor(failure: StoreFailure, cause: unknown) {
    super(failure.code, failure.message, { cause });
    this.name = 'StoreDamagedError';
    this.failure = failure;
  }
}

export interface RetentionSettings {
  /** Raw spans and events. */
  rawMs: number;
  /** Minute and hour rollups. */
  rollupMs: number;
}

/**
 * The records the advisor's restart loop groups, every one of the range (no limit): the restart
 * events of serving processes and the worker exits their primary did not ask for, by the rule
 * restart.count counts them by (process-restarts.ts), oldest first.
 */
export interface RestartRecords {
  restarts: { id: number; timeMs: number; instanceId: string; previous: string | null }[];
  failedWorkerExits: { id: number; timeMs: number; instanceId: string; message: string | null; attributes: Record<string, JsonValue> }[];
}

/** How the service's processes ended in a range (instance-stop.ts), each process once. */
export interface InstanceEndings {
  /** Each instance that ended: its own latest stop, else its primary's first report of its exit. */
  stops: Map<string, InstanceStop>;
  /** Each instance's own stop events, oldest first: a supervisor that reuses an instance id stops it once per run. */
  ownStops: Map<string, InstanceStop[]>;
  /** The `worker_exit` events that named an instance, by event id, with the instance (the others name a worker that never reported). */
  workerExitInstances: Map<number, string>;
}

/** A service's stalls counted in SQL, one row per route, code location and kind (sqlite/queries/event-counts.ts). */
export interface StallTally {
  route: string | null;
  location: string | null;
  /** Headroom's agent's own work (stall-agent.ts), not the app's. */
  agent: boolean;
  /** Filled by garbage-collection pauses (stall-gc.ts), not by the code that ran. */
  gc: boolean;
  /** The process hardly ran through them (stall-cpu.ts). */
  hardlyRan: boolean;
  count: number;
  totalMs: number;
  maxMs: number;
  /** The processes they were in. */
  instanceIds: string[];
  /** The group's longest stall: an example to point at. */
  longest: { timeMs: number; instanceId: string; traceId: string | null };
}

/** The services and the recently seen instances the store holds (receiver/ingest-limits.ts counts them). */
export interface ResourceCensus {
  /** Every service with an instance row, with its latest report (epoch ms). */
  services: { service: string; lastSeenMs: number }[];
  /** Instances that reported since the time asked for. */
  instances: { service: string; instanceId: string; lastSeenMs: number }[];
}

export interface Storage {
  /**
   * Queue a batch for the single writer. Returns false when the queue is full: the caller
   * answers 503 with Retry-After and the sender retries; nothing is half-written.
   */
  enqueue(batch: IngestBatch): boolean;
  /** Resolves when everything queued so far is committed. */
  flush(): Promise<void>;
  /** Flushes, stops timers and closes the database. */
  close(): Promise<void>;
  onCommit(listener: (summary: CommitSummary) => void): () => void;
  stats(): StoreStats;
  /** Set while writes fail for a reason of the database, not of the batch (null when they work). */
  writeFailure?(): StoreFailure | null;
  /**
   * Set once a query found the database file damaged (HR_STORE_DAMAGED; it stays set until the
   * collector restarts: a damaged file does not mend itself). Queries that do not reach the
   * damaged pages still answer; those that do throw StoreDamagedError.
   */
  readFailure?(): StoreFailure | null;

  services(q: RangeQuery): ServicesResponse;
  serviceSeries(q: SeriesQuery): ServiceSeriesResponse;
  instanceSeries(q: SeriesQuery): InstanceSeriesResponse;
  /**
   * What the service's agents dropped (`headroom.agent.dropped`), per instance between two of
   * its reports, and the buckets of the series that makes incomplete (also in serviceSeries).
   */
  telemetryDropped(q: SeriesQuery): TelemetryDropped;
  /** The service's routes ranked by total time, the first `limit` of them (all when absent). */
  transactions(q: TransactionsQuery): TransactionsResponse;
  traces(q: TraceQuery): TracesResponse;
  /**
   * The service's failed traces grouped by kind (the newest MAX_ERROR_TRACES of the range), with
   * the exact count of failed requests from the request metrics (sqlite/queries/error-groups.ts).
   */
  errorGroups(q: RangeQuery & { service: string; bucketMs: number }): ErrorGroupsResponse;
  trace(traceId: string): TraceResponse | null;
  instances(q: RangeQuery & { service: string }): InstancesResponse;
  /** The service's versions seen in the range, each with its traffic before and after its deploy (sqlite/queries/deployments.ts). */
  deployments(q: DeploymentsQuery): DeploymentsResponse;
  events(q: EventQuery): EventsResponse;
  /** The service's processes that ended in the range, and the worker exits that named one (crash.count). */
  instanceEndings(q: RangeQuery & { service: string }): InstanceEndings;
  /** The service's stalls grouped by route and code location (the top 500); with `route`, that route's. */
  stalls(q: RangeQuery & { service: string; route?: string }): StallsResponse;
  /** How many events the query matches, however many (events() returns at most its limit). */
  countEvents(q: Omit<EventQuery, 'limit'>): number;
  /** The service's process restarts in the range, every one (store/process-restarts.ts; restart.count). */
  countRestarts(q: RangeQuery & { service: string; instanceId?: string }): number;
  /** The service's restarts and failed worker exits in the range, every one (the advisor's restart loop). */
  restartRecords(q: RangeQuery & { service: string }): RestartRecords;
  /** The worker exits in the range that named no instance and that their primary did not ask for (crash.count). */
  countUnnamedWorkerExits(q: RangeQuery & { service: string; instanceId?: string }): number;
  /** Every stall of the service (of one process, with `instanceId`) in the range, grouped by route, code location and kind (the advisor). */
  stallTally(q: RangeQuery & { service: string; instanceId?: string }): StallTally[];
  /**
   * Whether the service ever sent anything the store still holds (at any time, not only in a
   * range): the API answers 404 for a service it has never seen, an alert rule says it waits.
   */
  knownService(service: string): boolean;
  /** The services held and the instances seen since `instancesSinceMs`, for the ingest caps at start. */
  resourceCensus(instancesSinceMs: number): ResourceCensus;
  /**
   * One gauge (model.ts GaugePoint name; a name ending in '.' is a prefix) per instance and
   * bucket (bucketMs rounded to whole minutes), for the advisor's trends and peaks.
   */
  gaugeBuckets(q: SeriesQuery & { metric: string }): InstanceGaugeBuckets[];
  /** Request and response body sizes per route over the range, for the advisor. */
  routeSizes(q: RangeQuery & { service: string }): RouteSizes[];
  /** Request time and its parts over the range (whole minutes), for shares over the same requests. */
  requestParts(q: RangeQuery & { service: string }): RequestParts;
  /**
   * Where the kept traces' server time went (database, outgoing HTTP, the app) and their top
   * statements: the newest traces of the service (and route) in the range, a bounded sample
   * (100, or fewer with traceLimit).
   */
  timeBreakdown(q: RangeQuery & { service: string; route?: string; traceLimit?: number }): TimeBreakdownResponse;
  /** Per-minute aggregates of the given minutes, for the live stream. */
  liveAggregates(service: string, minutes: number[]): LiveAggregate[];
  /** The minute rollups in [from, to) merged into one aggregate (sketches merged, not averaged). */
  requestWindow(q: RequestWindowQuery): RequestWindow;
}
