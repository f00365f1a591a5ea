// The SQLite Storage: one connection, one writer draining a bounded queue in batched
// transactions, maintenance (hour rollups, retention) in small steps between writes, and
// the query methods. Everything runs on the collector's thread; better-sqlite3 is synchronous,
// so no write ever interleaves with another.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Database } from 'better-sqlite3';
import { errors } from '../../errors';
import type { IngestBatch } from '../../model';
import type {
  CommitSummary,
  DeploymentsQuery,
  EventQuery,
  RangeQuery,
  RequestWindowQuery,
  RetentionSettings,
  SeriesQuery,
  Storage,
  StoreFailure,
  StoreStats,
  TraceQuery,
  TransactionsQuery,
} from '../storage';
import { batchItems, WriteQueue } from '../write-queue';
import { BackgroundCheckpoints, type CheckpointStats } from './background-checkpoints';
import { HourRollups } from './hour-rollups';
import { openDatabase } from './open-database';
import { DeploymentQueries } from './queries/deployments';
import { DroppedQueries } from './queries/dropped-queries';
import { ErrorGroupQueries, type ErrorGroupsQuery } from './queries/error-groups';
import { EventCountQueries } from './queries/event-counts';
import { GaugeQueries } from './queries/gauge-queries';
import { RawQueries } from './queries/raw-queries';
import { RequestPartQueries } from './queries/request-parts';
import { RequestQueries } from './queries/request-queries';
import { RouteSizeQueries } from './queries/route-sizes';
import { TimeBreakdownQueries, type TimeBreakdownQuery } from './queries/time-breakdown';
import { WindowQueries } from './queries/window-queries';
import { retentionTasks, STEP_ROWS, type RetentionTask } from './retention';
import { DEFAULT_MAX_NEW_ROUTES_PER_DAY } from './route-budget';
import { DamagedFileReads } from './damaged-file';
import { databaseFaultCode, storeFailure } from './write-faults';
import { lockDatabase, type StoreLock } from './store-lock';
import { SqliteWriter } from './writer';

export interface SqliteStorageOptions {
  path: string;
  retention: RetentionSettings;
  /** Items (spans, points, events) the write queue holds before enqueue refuses. */
  queueCapacity?: number;
  defaultApdexTMs?: number;
  /** Wall clock (epoch ms); tests move it to exercise retention and hour rollups. */
  clock?: () => number;
  /** Period of the maintenance pass (hour rollups, retention); 0 turns the timer off. */
  maintenanceIntervalMs?: number;
  /** WAL pages after which it is finished and started over (background-checkpoints.ts); tests lower it. */
  walRestartPages?: number;
  /**
   * Routes a service may add in any 24 hours; past that, new ones are stored as
   * "METHOD (other routes)" (route-budget.ts). Default DEFAULT_MAX_NEW_ROUTES_PER_DAY.
   */
  maxNewRoutesPerDay?: number;
  /** While writes fail for a reason of the database, how often the held batches are retried. */
  writeRetryMs?: number;
}

/** The SQLite store, with the maintenance pass exposed for tests and benchmarks. */
export interface SqliteStorage extends Storage {
  /** Rolls closed hours and prunes what retention allows, in small steps; resolves when done. */
  runMaintenance(): Promise<void>;
  /** WAL checkpoints run by the background thread (background-checkpoints.ts). */
  checkpointStats(): CheckpointStats;
  /** The guard its reads run through; the alert store on the same file shares it (damaged-file.ts). */
  readonly reads: DamagedFileReads;
}

// About three seconds of 50 000 spans/s.
export const DEFAULT_QUEUE_CAPACITY = 150_000;
export const DEFAULT_APDEX_T_MS = 500;
const DEFAULT_MAINTENANCE_MS = 30_000;
/** Items per transaction: large enough to amortise the commit, small enough to keep latency low. */
const MAX_TXN_ITEMS = 5_000;
const BATCH_LATENCY_BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const LOG_EVERY_MS = 60_000;
/** The receiver's Retry-After (5 s): a retry of the held batches per round of agents' retries. */
const DEFAULT_WRITE_RETRY_MS = 5_000;

export function openSqliteStorage(options: SqliteStorageOptions): SqliteStorage {
  // Before anything reads or migrates the file: a second collector stops here (HR_STORE_LOCKED).
  const lock = lockDatabase(resolve(options.path));
  let db: Database | undefined;
  try {
    db = openDatabase(options.path);
    return new SqliteStorageImpl(db, lock, options);
  } catch (err) {
    db?.close();
    lock.release();
    throw err;
  }
}

class SqliteStorageImpl implements SqliteStorage {
  private readonly file: string;
  private readonly clock: () => number;
  private readonly queue: WriteQueue;
  private readonly writer: SqliteWriter;
  private readonly hours: HourRollups;
  private readonly checkpoints: BackgroundCheckpoints;
  private readonly retention: RetentionTask[];
  private readonly requests: RequestQueries;
  private readonly parts: RequestPartQueries;
  private readonly breakdowns: TimeBreakdownQueries;
  private readonly gauges: GaugeQueries;
  private readonly dropped: DroppedQueries;
  private readonly raw: RawQueries;
  private readonly errorGroupQueries: ErrorGroupQueries;
  private readonly counts: EventCountQueries;
  private readonly sizes: RouteSizeQueries;
  private readonly windows: WindowQueries;
  private readonly deploymentQueries: DeploymentQueries;
  private readonly listeners = new Set<(summary: CommitSummary) => void>();
  private readonly flushWaiters: (() => void)[] = [];
  private drainScheduled = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  /** Set as close() starts, before its first await (closing is assigned only after that). */
  private stopping = false;
  private maintenance: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout | null;
  private lastLog = new Map<string, { at: number; suppressed: number }>();
  // Set while writes fail for a reason of the database (write-faults.ts): the batches that
  // failed are held here, in order, and retried every writeRetryMs; enqueue refuses meanwhile.
  private failure: StoreFailure | null = null;
  readonly reads: DamagedFileReads;
  private held: IngestBatch[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly writeRetryMs: number;

  private batchesCommitted = 0;
  private itemsDropped = 0;
  private lastBatchMs: number | null = null;
  private readonly latency = { bounds: BATCH_LATENCY_BOUNDS, counts: new Array<number>(BATCH_LATENCY_BOUNDS.length + 1).fill(0), sum: 0, count: 0 };

  constructor(
    private readonly db: Database,
    private readonly lock: StoreLock,
    options: SqliteStorageOptions,
  ) {
    this.file = resolve(options.path);
    this.clock = options.clock ?? Date.now;
    this.reads = new DamagedFileReads(this.file, this.clock);
    this.writeRetryMs = Math.max(1, options.writeRetryMs ?? DEFAULT_WRITE_RETRY_MS);
    this.queue = new WriteQueue(Math.max(1, options.queueCapacity ?? DEFAULT_QUEUE_CAPACITY));
    this.hours = new HourRollups(db);
    this.checkpoints = new BackgroundCheckpoints(
      db,
      this.file,
      () => this.scheduleDrain(),
      (message) => this.log('checkpoint', message),
      options.walRestartPages,
    );
    const defaultApdexTMs = options.defaultApdexTMs ?? DEFAULT_APDEX_T_MS;
    this.writer = new SqliteWriter(db, {
      clock: this.clock,
      rollupMs: options.retention.rollupMs,
      defaultApdexTMs,
      rolledUntil: () => this.hours.rolledUntil,
      maxNewRoutesPerDay: Math.max(0, options.maxNewRoutesPerDay ?? DEFAULT_MAX_NEW_ROUTES_PER_DAY),
    });
    this.retention = retentionTasks(db, options.retention, this.clock, () => this.writer.routes.forgetKnown());
    this.gauges = new GaugeQueries(db);
    this.dropped = new DroppedQueries(db);
    this.parts = new RequestPartQueries(db, () => this.hours.rolledUntil);
    this.breakdowns = new TimeBreakdownQueries(db);
    this.requests = new RequestQueries(db, () => this.hours.rolledUntil, defaultApdexTMs, this.gauges, this.parts);
    this.raw = new RawQueries(db, this.gauges, (service) => this.requests.apdexT(service));
    this.counts = new EventCountQueries(db);
    this.errorGroupQueries = new ErrorGroupQueries(db, () => this.hours.rolledUntil);
    this.sizes = new RouteSizeQueries(db);
    this.windows = new WindowQueries(db, () => this.hours.rolledUntil, (service) => this.requests.apdexT(service));
    this.deploymentQueries = new DeploymentQueries(db, () => this.hours.rolledUntil, (service) => this.requests.apdexT(service));
    const every = options.maintenanceIntervalMs ?? DEFAULT_MAINTENANCE_MS;
    this.timer = every > 0 ? setInterval(() => void this.runMaintenance(), every) : null;
    this.timer?.unref();
  }

  // ---- writing ----

  enqueue(batch: IngestBatch): boolean {
    if (this.closed || this.closing) return false;
    if (batchItems(batch) === 0) return true;
    // Refused, not dropped: the receiver answers 503 and the agent keeps the data.
    if (this.failure) return false;
    if (!this.queue.offer(batch)) return false;
    this.scheduleDrain();
    return true;
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.drainScheduled = false;
    // Held while the WAL's last checkpoint runs; resumed by scheduleDrain when it ends. While
    // the database fails, the retry timer writes the held batches first, then resumes.
    if (this.closed || this.checkpoints.holdsCommits) return;
    if (this.failure) {
      // No commit can be awaited until the file works again: flush() does not hang meanwhile.
      this.resolveFlushes();
      return;
    }
    const batches = this.queue.take(MAX_TXN_ITEMS);
    if (batches.length > 0) {
      this.commit(batches);
      this.checkpoints.afterCommit(batchesItems(batches));
    }
    if (!this.queue.isEmpty) this.scheduleDrain();
    else this.resolveFlushes();
  }

  private commit(batches: IngestBatch[]): void {
    const started = process.hrtime.bigint();
    try {
      this.committed(this.writer.write(batches), started);
    } catch (err) {
      if (batches.length === 1) {
        this.failed(batches, err);
        return;
      }
      // One bad batch must not sink the others that shared its transaction.
      for (const batch of batches) {
        try {
          this.committed(this.writer.write([batch]), process.hrtime.bigint());
        } catch (inner) {
          this.failed([batch], inner);
        }
      }
    }
  }

  /** Writes the held batches again; the store works again once they are all committed. */
  private retryHeld(): void {
    this.retryTimer = null;
    if (this.closed || this.closing) return;
    // Pages read while the file failed may sit in the page cache: read them afresh.
    try {
      this.db.pragma('shrink_memory');
    } catch {
      // Only a cache; the retry below says whether the file works.
    }
    const batches = this.held.splice(0);
    this.commit(batches);
    // Still failing: failed() held them again and set the next retry (one timer at a time).
    if (this.held.length > 0) return;
    const failure = this.failure;
    this.failure = null;
    if (failure) {
      const seconds = Math.round((this.clock() - failure.sinceMs) / 1000);
      console.error(`headroom store: writes to ${this.file} succeed again, after ${seconds} s of ${failure.sqliteCode}; ingest resumes.`);
    }
    this.scheduleDrain();
  }

  private committed(result: ReturnType<SqliteWriter['write']>, started: bigint): void {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.batchesCommitted++;
    this.itemsDropped += result.skipped;
    this.lastBatchMs = this.clock();
    this.latency.sum += seconds;
    this.latency.count++;
    let i = 0;
    while (i < BATCH_LATENCY_BOUNDS.length && seconds > (BATCH_LATENCY_BOUNDS[i] as number)) i++;
    this.latency.counts[i] = (this.latency.counts[i] ?? 0) + 1;
    for (const listener of this.listeners) {
      try {
        listener(result.summary);
      } catch (err) {
        this.log('listener', `a commit listener threw: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private failed(batches: IngestBatch[], err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    const sqliteCode = databaseFaultCode(err);
    // The database's fault, not the batch's: keep it and retry, other batches would fail too.
    // Once closing, nothing will retry it: it is dropped as below.
    if (sqliteCode !== null && !this.stopping) {
      this.held.push(...batches);
      if (!this.failure) {
        this.failure = storeFailure(this.file, sqliteCode, reason, this.writeRetryMs, this.clock());
        // Once per failing spell, not per batch: the state itself is on /healthz.
        console.error(`headroom store: ${this.failure.code} ${this.failure.message}`);
      }
      this.retryTimer ??= setTimeout(() => this.retryHeld(), this.writeRetryMs).unref();
      return;
    }
    for (const b of batches) this.itemsDropped += batchItems(b);
    this.log(errors.storeWrite.code, `${errors.storeWrite.code} ${errors.storeWrite.message}: ${reason}`);
  }

  /** Logs at most once a minute per kind, saying how many were suppressed in between. */
  private log(kind: string, message: string): void {
    const now = Date.now();
    const entry = this.lastLog.get(kind);
    if (entry && now - entry.at < LOG_EVERY_MS) {
      entry.suppressed++;
      return;
    }
    const suppressed = entry?.suppressed ?? 0;
    this.lastLog.set(kind, { at: now, suppressed: 0 });
    console.error(`headroom store: ${message}${suppressed > 0 ? ` (${suppressed} similar messages suppressed)` : ''}`);
  }

  private resolveFlushes(): void {
    const waiters = this.flushWaiters.splice(0);
    for (const w of waiters) w();
  }

  flush(): Promise<void> {
    if (this.closed || (this.queue.isEmpty && !this.drainScheduled)) return Promise.resolve();
    return new Promise((resolveFlush) => {
      this.flushWaiters.push(resolveFlush);
      this.scheduleDrain();
    });
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.stopping = true;
      this.closing = (async () => {
        if (this.timer) clearInterval(this.timer);
        if (this.retryTimer) clearTimeout(this.retryTimer);
        // A last try for the batches held while the database failed; what fails now is dropped.
        if (this.held.length > 0) this.commit(this.held.splice(0));
        // Drain everything still queued (enqueue already refuses new batches).
        while (!this.queue.isEmpty) {
          const batches = this.queue.take(MAX_TXN_ITEMS);
          if (batches.length > 0) this.commit(batches);
        }
        this.resolveFlushes();
        await this.maintenance;
        await this.checkpoints.close();
        this.closed = true;
        this.db.close();
        this.lock.release();
      })();
    }
    return this.closing;
  }

  onCommit(listener: (summary: CommitSummary) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stats(): StoreStats {
    return {
      queueDepth: this.queue.items,
      queueCapacity: this.queue.capacity,
      batchesCommitted: this.batchesCommitted,
      itemsDropped: this.itemsDropped,
      lastBatchMs: this.lastBatchMs,
      batchLatency: { ...this.latency, counts: [...this.latency.counts] },
      databaseBytes: fileSize(this.file) + fileSize(`${this.file}-wal`),
      routesFolded: this.writer.routes.routesFolded,
      writeFailing: this.failure !== null,
      damaged: this.reads.failure() !== null,
    };
  }

  writeFailure(): StoreFailure | null {
    return this.failure;
  }

  checkpointStats(): CheckpointStats {
    return this.checkpoints.stats();
  }

  // ---- maintenance ----

  runMaintenance(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (!this.maintenance) {
      this.maintenance = this.maintain().finally(() => {
        this.maintenance = null;
      });
    }
    return this.maintenance;
  }

  /** Hour rollups, then retention: each step is one short transaction, then a yield. */
  private async maintain(): Promise<void> {
    const stopping = (): boolean => this.closed || this.closing !== null;
    try {
      while (!stopping() && this.hours.step(this.clock())) await yieldToLoop();
      for (const task of this.retention) {
        while (!stopping() && this.db.transaction(task)() >= STEP_ROWS) await yieldToLoop();
      }
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.log(errors.storeMaintenance.code, `${errors.storeMaintenance.code} ${errors.storeMaintenance.message}: ${reason}`);
    }
  }

  // ---- queries ----
  // Each query runs through read(): a damaged file's error becomes StoreDamagedError (503),
  // said once in the log (damaged-file.ts, shared with the alert store).

  private read<T>(what: string, service: string | null, query: () => T): T {
    return this.reads.read(what, service, query);
  }

  readFailure(): StoreFailure | null {
    return this.reads.failure();
  }

  services(q: RangeQuery) {
    return this.read('the services overview', null, () => this.requests.services(q));
  }
  serviceSeries(q: SeriesQuery) {
    return this.read('the series', q.service, () => ({ ...this.requests.serviceSeries(q), dropped: this.dropped.series(q) }));
  }
  telemetryDropped(q: SeriesQuery) {
    return this.read('the dropped telemetry', q.service, () => this.dropped.series(q));
  }
  instanceSeries(q: SeriesQuery) {
    return this.read('the instance series', q.service, () => this.gauges.instanceSeries(q));
  }
  transactions(q: TransactionsQuery) {
    return this.read('the transactions', q.service, () => this.requests.transactions(q));
  }
  traces(q: TraceQuery) {
    return this.read('the trace list', null, () => this.raw.traces(q));
  }
  errorGroups(q: ErrorGroupsQuery) {
    return this.read('the error groups', q.service, () => this.errorGroupQueries.errorGroups(q));
  }
  trace(traceId: string) {
    return this.read(`trace ${traceId}`, null, () => this.raw.trace(traceId));
  }
  instances(q: RangeQuery & { service: string }) {
    return this.read('the instances', q.service, () => {
      const listed = this.raw.instances(q);
      const totals = this.dropped.instanceTotals(q);
      return { ...listed, instances: listed.instances.map((i) => ({ ...i, ...(totals.get(i.instanceId) ?? { dropped: null, droppedInRange: null }) })) };
    });
  }
  deployments(q: DeploymentsQuery) {
    return this.read('the deployments', q.service, () => this.deploymentQueries.deployments(q));
  }
  events(q: EventQuery) {
    return this.read('events', null, () => this.raw.events(q));
  }
  instanceEndings(q: RangeQuery & { service: string }) {
    return this.read('the instance endings', q.service, () => this.raw.endings(q));
  }
  stalls(q: RangeQuery & { service: string; route?: string }) {
    return this.read('the stalls', q.service, () => this.raw.stalls(q));
  }
  countEvents(q: Omit<EventQuery, 'limit'>) {
    return this.read('events', q.service ?? null, () => this.counts.count(q));
  }
  countRestarts(q: RangeQuery & { service: string; instanceId?: string }) {
    return this.read('the restarts', q.service, () => this.counts.countRestarts(q));
  }
  restartRecords(q: RangeQuery & { service: string }) {
    return this.read('the restarts', q.service, () => this.counts.restartRecords(q));
  }
  countUnnamedWorkerExits(q: RangeQuery & { service: string; instanceId?: string }) {
    return this.read('the worker exits', q.service, () => this.counts.countUnnamedWorkerExits(q));
  }
  stallTally(q: RangeQuery & { service: string; instanceId?: string }) {
    return this.read('the stalls', q.service, () => this.counts.stallTally(q));
  }
  knownService(service: string) {
    return this.read('the known services', null, () => this.raw.knownService(service));
  }
  resourceCensus(instancesSinceMs: number) {
    return this.read('the services and instances', null, () => this.raw.resourceCensus(instancesSinceMs));
  }
  gaugeBuckets(q: SeriesQuery & { metric: string }) {
    return this.read('gauges', q.service, () => this.gauges.gaugeBuckets(q));
  }
  routeSizes(q: RangeQuery & { service: string }) {
    return this.read('the route sizes', q.service, () => this.sizes.routeSizes(q));
  }
  requestParts(q: RangeQuery & { service: string }) {
    return this.read('the request parts', q.service, () => this.parts.requestParts(q));
  }
  timeBreakdown(q: TimeBreakdownQuery) {
    return this.read('the time breakdown', q.service, () => this.breakdowns.timeBreakdown(q));
  }
  liveAggregates(service: string, minutes: number[]) {
    return this.read('the live aggregates', service, () => this.requests.liveAggregates(service, minutes));
  }
  requestWindow(q: RequestWindowQuery) {
    return this.read('a request window', null, () => this.windows.requestWindow(q));
  }
}

function batchesItems(batches: IngestBatch[]): number {
  let n = 0;
  for (const b of batches) n += batchItems(b);
  return n;
}

function yieldToLoop(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
