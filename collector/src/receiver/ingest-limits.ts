// Caps on the services and instances senders can create. A sender with the ingest token (or any
// local process, without one) names its own service and instance: 5,000 distinct service.names
// made /api/services a 3 MB answer, and every query that walks a service's instances grows with
// them. As the route budget bounds routes (store/sqlite/route-budget.ts) and other collectors
// bound series cardinality, the receiver holds at most `maxServices` services and, per service,
// `maxInstancesPerService` live instances (reported within INSTANCE_LIVE_MS). Past a cap the
// items of a *new* service or instance are refused, one resource at a time, in OTLP's
// partial_success (rejected_* and error_message): the rest of the request is stored, and what
// is already known keeps recording. It is a bound on how many exist at once, not on turnover:
// instances that stopped reporting free their place, and retention clears their rows.
import { errors, type ErrorInfo } from '../errors';
import { quoteForLog } from '../log-text';
import type { IngestBatch } from '../model';
import type { ResourceCensus } from '../store/storage';

export interface IngestLimitSettings {
  maxServices: number;
  maxInstancesPerService: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimitSettings = { maxServices: 500, maxInstancesPerService: 1000 };

/**
 * An instance holds its place this long after its last report. Longer than the dashboard's
 * "alive" (2 minutes), so an agent exporting every few minutes is not taken for a new one;
 * short enough that the pods of a rolling deploy soon free their places.
 */
export const INSTANCE_LIVE_MS = 10 * 60_000;
/** Forgetting stale entries walks every service: at most this often, and only at a cap. */
const PRUNE_EVERY_MS = 60_000;
/** A refusal is logged at once, then at most this often with the counts since. */
const LOG_EVERY_MS = 10 * 60_000;

interface ServiceState {
  lastSeenMs: number;
  /** Instance id → when it last reported (the collector's clock). */
  instances: Map<string, number>;
}

type LimitKind = 'services' | 'instances';

export interface LimitCheck {
  /** Items refused past the caps, by cap (already taken out of the batch). */
  refused: Record<LimitKind, number>;
  /** For partial_success.error_message; '' when nothing was refused. */
  message: string;
  /** Whether the items of this instance were refused. */
  refusedInstance(service: string, instanceId: string): boolean;
  /** Records what the batch admitted; call once the store took it (not after a 503). */
  commit(): void;
}

export interface IngestLimitStats {
  /** Services the caps count (known to the store, or admitted since the start). */
  services: number;
}

const NOTHING_REFUSED: LimitCheck = { refused: { services: 0, instances: 0 }, message: '', refusedInstance: () => false, commit() {} };

/** A log line for a cap at once, then at most every LOG_EVERY_MS, with what was refused since. */
class RefusalLog {
  private loggedAt = -Infinity;
  private items = 0;
  private example = '';

  constructor(
    private readonly info: ErrorInfo,
    private readonly limit: string,
    private readonly log: (line: string) => void,
  ) {}

  note(items: number, example: string, now: number): void {
    this.items += items;
    if (this.example === '') this.example = example;
    if (now - this.loggedAt < LOG_EVERY_MS) return;
    this.log(
      `headroom: ${this.info.code}: ${this.info.message} (${this.limit}); ${this.items} item(s) refused, of ${this.example} among others; ` +
        `said at most every ${LOG_EVERY_MS / 60_000} minutes`,
    );
    this.loggedAt = now;
    this.items = 0;
    this.example = '';
  }
}

export class IngestLimits {
  private readonly services = new Map<string, ServiceState>();
  private readonly serviceLog: RefusalLog;
  private readonly instanceLog: RefusalLog;
  private prunedAt = -Infinity;

  /**
   * @param census what the store holds at start, so a restart neither forgets the caps nor refuses a known service
   * @param forgetAfterMs a service silent this long is gone from the store too (the rollups' retention)
   */
  constructor(
    private readonly settings: IngestLimitSettings,
    census: ResourceCensus,
    private readonly forgetAfterMs: number,
    log: (line: string) => void = console.error,
  ) {
    for (const s of census.services) this.services.set(s.service, { lastSeenMs: s.lastSeenMs, instances: new Map() });
    for (const i of census.instances) this.services.get(i.service)?.instances.set(i.instanceId, i.lastSeenMs);
    this.serviceLog = new RefusalLog(errors.otlpServiceLimit, `${settings.maxServices} services`, log);
    this.instanceLog = new RefusalLog(errors.otlpInstanceLimit, `${settings.maxInstancesPerService} per service`, log);
  }

  stats(): IngestLimitStats {
    return { services: this.services.size };
  }

  /**
   * Takes out of `batch` the items of instances past the caps. Synchronous with the enqueue and
   * commit() that follow, so two requests cannot both take the last place.
   */
  check(batch: IngestBatch, now: number): LimitCheck {
    // Hot path: every instance of the batch already known.
    if (batch.instances.every((i) => this.services.get(i.service)?.instances.has(i.instanceId) === true)) {
      return { ...NOTHING_REFUSED, commit: () => this.touch(batch, now) };
    }
    const newServices = new Set<string>();
    const newInstances = new Map<string, number>();
    const refusedKeys = new Set<string>();
    const refused: Record<LimitKind, number> = { services: 0, instances: 0 };
    const examples: Record<LimitKind, string[]> = { services: [], instances: [] };
    const refuse = (kind: LimitKind, service: string, instanceId: string, items: number, example: string): void => {
      refusedKeys.add(instanceKey(service, instanceId));
      refused[kind] += items;
      if (!examples[kind].includes(example)) examples[kind].push(example);
    };
    for (const seen of batch.instances) {
      const items = seen.items ?? 0;
      let state = this.services.get(seen.service);
      if (!state && !newServices.has(seen.service)) {
        if (!this.roomFor(() => this.services.size + newServices.size < this.settings.maxServices, now)) {
          refuse('services', seen.service, seen.instanceId, items, seen.service);
          continue;
        }
        newServices.add(seen.service);
      }
      state = this.services.get(seen.service);
      if (state?.instances.has(seen.instanceId)) continue;
      const pending = newInstances.get(seen.service) ?? 0;
      if (!this.roomFor(() => (this.services.get(seen.service)?.instances.size ?? 0) + pending < this.settings.maxInstancesPerService, now)) {
        refuse('instances', seen.service, seen.instanceId, items, seen.service);
        continue;
      }
      newInstances.set(seen.service, pending + 1);
    }
    if (refusedKeys.size > 0) dropInstances(batch, refusedKeys);
    return {
      refused,
      message: [limitMessage('services', refused.services, examples.services, this.settings), limitMessage('instances', refused.instances, examples.instances, this.settings)]
        .filter((m) => m !== '')
        .join('; '),
      refusedInstance: (service, instanceId) => refusedKeys.has(instanceKey(service, instanceId)),
      commit: () => {
        this.touch(batch, now);
        if (refused.services > 0) this.serviceLog.note(refused.services, quoteForLog(examples.services[0] as string), now);
        if (refused.instances > 0) this.instanceLog.note(refused.instances, `service ${quoteForLog(examples.instances[0] as string)}`, now);
      },
    };
  }

  /** Whether `fits()`, after forgetting stale entries when it did not (at most once a PRUNE_EVERY_MS). */
  private roomFor(fits: () => boolean, now: number): boolean {
    if (fits()) return true;
    if (now - this.prunedAt < PRUNE_EVERY_MS) return false;
    this.prunedAt = now;
    for (const [service, state] of this.services) {
      for (const [id, seen] of state.instances) if (seen < now - INSTANCE_LIVE_MS) state.instances.delete(id);
      if (state.instances.size === 0 && state.lastSeenMs < now - this.forgetAfterMs) this.services.delete(service);
    }
    return fits();
  }

  /** The batch's instances (those admitted: the refused are out of it) reported at `now`. */
  private touch(batch: IngestBatch, now: number): void {
    for (const seen of batch.instances) {
      let state = this.services.get(seen.service);
      if (!state) this.services.set(seen.service, (state = { lastSeenMs: now, instances: new Map() }));
      state.lastSeenMs = now;
      state.instances.set(seen.instanceId, now);
    }
  }
}

function limitMessage(kind: LimitKind, items: number, examples: string[], settings: IngestLimitSettings): string {
  if (items === 0) return '';
  const names = examples.slice(0, 3).map((s) => JSON.stringify(s)).join(', ') + (examples.length > 3 ? ', …' : '');
  return kind === 'services'
    ? `${items} item(s) of new services (${names}) refused: the collector holds ${settings.maxServices} services, its --max-services limit (${errors.otlpServiceLimit.code})`
    : `${items} item(s) of new instances of ${names} refused: ${settings.maxInstancesPerService} instances reported in the last ${INSTANCE_LIVE_MS / 60_000} minutes, the --max-instances limit (${errors.otlpInstanceLimit.code})`;
}

function instanceKey(service: string, instanceId: string): string {
  return `${service}\u0000${instanceId}`;
}

/** Removes the refused instances and every item filed under them. */
function dropInstances(batch: IngestBatch, refused: ReadonlySet<string>): void {
  const kept = (item: { service: string; instanceId: string }): boolean => !refused.has(instanceKey(item.service, item.instanceId));
  batch.instances = batch.instances.filter(kept);
  batch.spans = batch.spans.filter(kept);
  batch.requests = batch.requests.filter(kept);
  batch.routeSums = batch.routeSums.filter(kept);
  batch.gauges = batch.gauges.filter(kept);
  batch.events = batch.events.filter(kept);
}
