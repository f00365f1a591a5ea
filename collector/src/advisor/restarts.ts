// Restarts. A restart loop (a process that crashes, is restarted by its supervisor, crashes
// again) is an outage that averages may hide. And each (re)start costs: modules load, JIT
// warms up, caches and connection pools fill on the first requests — a cold start those
// requests pay for. Preloading (warm-up before listen) moves the cost off the users.
import type { Finding, InstanceStop, TraceSummary } from '../api-types';
import { stopIsCrash, workerExitStop } from '../store/instance-stop';
import { workerExitFailed } from '../store/process-restarts';
import type { RestartRecords } from '../store/storage';
import { finding, ms, plural, round, windowWords, type ServiceContext } from './context';

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** How a replaced process ended (store/instance-stop.ts), or `silent`: nothing says. */
type Ending = 'crashed' | 'failedExit' | 'killed' | 'signalled' | 'cleanExit' | 'silent';

/** Endings that are failures: a restart after one is no step of a deploy. */
const FAILED: ReadonlySet<Ending> = new Set(['crashed', 'failedExit', 'killed']);

/**
 * A process that replaced another: a restart event (the store names the instance it replaced),
 * or a cluster worker its primary reported dead without asking it to end, which a cluster
 * replaces (a worker killed within a second or two of its start has often sent nothing, so no
 * restart event can name it).
 */
interface Restart {
  key: string;
  timeMs: number;
  instanceId: string;
  previous: string | null;
  ending: Ending;
}

/**
 * The process slot of each restart (in time order): the restart takes over the slot of the
 * instance it replaced (headroom.restart.previous_instance: the same id for a supervisor
 * restarting "web-1", the dead worker for a re-forked one). The store names the most recently
 * seen of the processes that fell silent, so after a deploy every new process may name the
 * same one: only the first takes its slot, the others are slots of their own.
 */
function slotsOf(restarts: Restart[]): Map<string, string> {
  const slotOfInstance = new Map<string, string>();
  const claimed = new Set<string>();
  const out = new Map<string, string>();
  for (const e of restarts) {
    let slot = e.instanceId;
    if (e.previous === e.instanceId) slot = slotOfInstance.get(e.instanceId) ?? e.instanceId;
    else if (e.previous !== null && !claimed.has(e.previous)) {
      claimed.add(e.previous);
      slot = slotOfInstance.get(e.previous) ?? e.previous;
    }
    slotOfInstance.set(e.instanceId, slot);
    out.set(e.key, slot);
  }
  return out;
}

/**
 * Restarts of the service: restarts of different slots close together (restartGroupMs from the
 * first) are one — every process of a cluster starts within seconds of a deploy — and a second
 * restart of a slot already in the group starts the next one. A restart after a failure (a
 * crash, a kill, an error exit) is one of its own: four workers killed within seconds are four
 * failures, not a deploy.
 */
function groupRestarts(restarts: Restart[], slots: Map<string, string>, groupMs: number): Restart[][] {
  const groups: Restart[][] = [];
  let current: { first: number; slots: Set<string>; events: Restart[] } | null = null;
  for (const e of restarts) {
    if (FAILED.has(e.ending)) {
      groups.push([e]);
      continue;
    }
    const slot = slots.get(e.key) ?? e.instanceId;
    if (current === null || e.timeMs - current.first > groupMs || current.slots.has(slot)) {
      current = { first: e.timeMs, slots: new Set(), events: [] };
      groups.push(current.events);
    }
    current.slots.add(slot);
    current.events.push(e);
  }
  return groups;
}

/** How long before a restart the process it replaced may have stopped (a supervisor's back-off: Kubernetes waits up to 5 min). */
const STOP_BEFORE_RESTART_MS = 10 * 60_000;

function endingOf(stop: InstanceStop): Ending {
  if (stop.reason === 'uncaught_exception') return 'crashed';
  if (stop.reason === 'killed') return 'killed';
  if (stop.reason === 'signal') return 'signalled';
  return stopIsCrash(stop) ? 'failedExit' : 'cleanExit';
}

/**
 * The window's restarts, each with how the process it replaced ended, by the one rule
 * (store/instance-stop.ts): its own last stop event before the restart (an instance id a
 * supervisor reuses stops once per run), else its cluster primary's report of its exit (a
 * worker killed by SIGKILL sends no stop of its own); `silent` when neither says. Then the
 * worker exits the primary reported as not meant that no restart event accounts for. Every one
 * of the window (Storage.restartRecords): a read of the events stopped at 1,000, so did the figures.
 */
function restartsOf(ctx: ServiceContext, records: RestartRecords): Restart[] {
  const from = ctx.window.from - STOP_BEFORE_RESTART_MS;
  const endings = ctx.storage.instanceEndings({ service: ctx.service, from, to: ctx.window.to });
  const before = (at: number, t: number): boolean => at <= t && at >= t - STOP_BEFORE_RESTART_MS;
  const out: Restart[] = [];
  const replaced = new Set<string>();
  for (const e of records.restarts) {
    const previous = e.previous;
    let ending: Ending = 'silent';
    if (previous !== null) {
      replaced.add(previous);
      const own = (endings.ownStops.get(previous) ?? []).filter((s) => before(s.at, e.timeMs)).at(-1);
      const reported = endings.stops.get(previous);
      if (own !== undefined) ending = endingOf(own);
      else if (reported !== undefined && before(reported.at, e.timeMs)) ending = endingOf(reported);
    }
    out.push({ key: `restart:${e.id}`, timeMs: e.timeMs, instanceId: e.instanceId, previous, ending });
  }
  for (const x of records.failedWorkerExits) {
    // One its primary ended (a rolling restart) is no failure: its replacement's restart event, if
    // any, counts. The rule is store/process-restarts.ts's, which restart.count counts by.
    if (!workerExitFailed(x.attributes)) continue;
    const ending = endingOf(workerExitStop(x.timeMs, x.message, x.attributes));
    const instance = endings.workerExitInstances.get(x.id) ?? null;
    if (instance !== null && replaced.has(instance)) continue;
    out.push({ key: `exit:${x.id}`, timeMs: x.timeMs, instanceId: `exit:${x.id}`, previous: instance, ending });
  }
  return out.sort((a, b) => a.timeMs - b.timeMs || a.key.localeCompare(b.key));
}

/** How the processes the restarts replaced ended; restarts that name no previous process are not counted. */
function endingCounts(restarts: Restart[]): Record<Ending, number> {
  const counts: Record<Ending, number> = { crashed: 0, failedExit: 0, killed: 0, signalled: 0, cleanExit: 0, silent: 0 };
  for (const r of restarts) if (r.previous !== null || r.ending !== 'silent') counts[r.ending]++;
  return counts;
}

function endingWords(counts: Record<Ending, number>): string {
  const parts = [
    counts.crashed > 0 ? `${counts.crashed} crashed (uncaught exception)` : '',
    counts.failedExit > 0 ? `${counts.failedExit} exited with an error code` : '',
    counts.killed > 0 ? `${counts.killed} killed by a signal their cluster primary did not send (SIGKILL: the OOM killer, or by hand)` : '',
    counts.signalled > 0 ? `${counts.signalled} stopped by a signal (a supervisor or a failing health check stopping it, or deploys)` : '',
    counts.cleanExit > 0 ? `${counts.cleanExit} exited cleanly` : '',
    counts.silent > 0 ? `${counts.silent} went silent without a stop (killed: SIGKILL, the OOM killer; or cut off)` : '',
  ].filter((p) => p !== '');
  return parts.length > 0 ? ` Of the processes they replaced, ${parts.join(', ')}.` : '';
}

function restartLoop(ctx: ServiceContext): Finding[] {
  const t = ctx.thresholds;
  const restarts = restartsOf(ctx, ctx.storage.restartRecords({ service: ctx.service, from: ctx.window.from, to: ctx.window.to }));
  const slots = slotsOf(restarts);
  const groups = groupRestarts(restarts, slots, t.restartGroupMs);
  if (groups.length < t.restartLoopCount) return [];
  // Counted in SQL, every one (a read of the events stops at its limit); the newest of each for its message.
  const errorsOf = (type: 'uncaught_exception' | 'unhandled_rejection') => {
    const q = { service: ctx.service, type, from: ctx.window.from, to: ctx.window.to };
    return { count: ctx.storage.countEvents(q), newest: ctx.storage.events({ ...q, limit: 1 }).events };
  };
  const crashes = errorsOf('uncaught_exception');
  const rejections = errorsOf('unhandled_rejection');
  const perSlot = new Map<string, number>();
  for (const slot of slots.values()) perSlot.set(slot, (perSlot.get(slot) ?? 0) + 1);
  const mostBySlot = Math.max(...perSlot.values());
  const lastCrash = [...crashes.newest, ...rejections.newest].sort((a, b) => b.timeMs - a.timeMs)[0];
  const last = restarts[restarts.length - 1] as Restart;
  const together = groups.filter((g) => g.length > 1).length;
  const endings = endingCounts(restarts);
  return [finding(ctx, {
    kind: 'restarts.loop',
    subject: 'service',
    severity: 'critical',
    title: `${plural(groups.length, 'restart')} in ${windowWords(ctx.asked)}: the service is in a restart loop`,
    summary: `The service restarted ${groups.length} times (${plural(restarts.length, 'process restart')} over ${plural(perSlot.size, 'process slot')}, at most ${mostBySlot} of one slot` +
      `${together > 0 ? `; ${together} of those restarts were several processes within ${ms(t.restartGroupMs)} of each other, counted once` : ''}), the last at ${new Date(last.timeMs).toISOString()}; ` +
      `${plural(crashes.count, 'uncaught exception')} and ${plural(rejections.count, 'unhandled rejection')} were reported in the same window.` +
      (lastCrash?.message ? ` Latest: ${lastCrash.message.slice(0, 200)}` : '') +
      endingWords(endings),
    figures: {
      restarts: groups.length,
      processRestarts: restarts.length,
      processSlots: perSlot.size,
      mostRestartsOfOneSlot: mostBySlot,
      uncaughtExceptions: crashes.count,
      unhandledRejections: rejections.count,
      lastRestart: new Date(last.timeMs).toISOString(),
      replacedCrashed: endings.crashed,
      replacedExitedWithError: endings.failedExit,
      replacedKilled: endings.killed,
      replacedStoppedBySignal: endings.signalled,
      replacedExitedCleanly: endings.cleanExit,
      replacedWithoutStop: endings.silent,
    },
    page: 'instances',
    cause: 'A process exits (an uncaught error, running out of memory, a failing health check, a start-up error) and its supervisor starts it again; each restart drops the requests in flight and starts cold.',
    change: 'Read the uncaught errors (and the exit reason in the supervisor log) and fix the crash; handle errors per request instead of letting them escape; if memory runs out, see the memory findings. Add a back-off to the supervisor so a loop does not hammer dependencies.',
  })];
}

/** The server span's attributes (agent/src/signals/meter.ts ATTR) for time that was the client's. */
const CLIENT_TIME_ATTRIBUTES = ['headroom.request_body.duration_ms', 'headroom.response_write.duration_ms'];

/**
 * The part of a request's time that was its client's, not the app's: reading the body the client
 * sent (a slow upload) and writing the response to it (a slow reader), from the attributes the
 * agent puts on the server span; 0 when the trace has none (another SDK's). An app's values:
 * only non-negative numbers count, and never more than the request took.
 */
function clientMsOf(ctx: ServiceContext, trace: TraceSummary, instanceId: string): number {
  const spans = ctx.storage.trace(trace.traceId)?.spans.filter((s) => s.instanceId === instanceId) ?? [];
  const ids = new Set(spans.map((s) => s.spanId));
  // The process's local root: the span the trace summary's duration is of (the closest, should a trace pass through it twice).
  const roots = spans.filter((s) => s.parentSpanId === null || !ids.has(s.parentSpanId));
  const root = roots.sort((a, b) => Math.abs(a.durationMs - trace.durationMs) - Math.abs(b.durationMs - trace.durationMs))[0];
  let clientMs = 0;
  for (const key of CLIENT_TIME_ATTRIBUTES) {
    const v = root?.attributes[key];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) clientMs += v;
  }
  return Math.min(clientMs, trace.durationMs);
}

/**
 * Cold start: the first requests a process served after its start, each against its own
 * route's median over the window (a first request to a slow report is not a cold start
 * because the service's median is a health check's), from the traces of that process only
 * (on a service of four processes, the first traces after one restarted are mostly the warm
 * ones'). Kept traces only: the budget is full at a start, so the first ones are nearly all kept.
 * A request's time is the app's: what its client took to send the body or read the response is
 * no warm-up (QA s14: a process whose first request was a slow upload read "36 s, 34,242×").
 */
function coldStart(ctx: ServiceContext): Finding[] {
  const t = ctx.thresholds;
  // The newest 20 starts (a start or a restart event) are judged; all of them counted, in SQL.
  const q = { service: ctx.service, from: ctx.window.from, to: ctx.window.to };
  const newest = (type: 'start' | 'restart') => ctx.storage.events({ ...q, type, limit: 20 }).events;
  const starts = [...newest('start'), ...newest('restart')].sort((a, b) => a.timeMs - b.timeMs).slice(-20);
  if (starts.length === 0) return [];
  const startCount = ctx.storage.countEvents({ ...q, type: 'start' }) + ctx.storage.countEvents({ ...q, type: 'restart' });
  const summary = ctx.summary();
  const p50 = summary?.p50Ms ?? null;
  if (p50 === null) return [];
  const routeP50 = new Map<string, number>();
  for (const x of ctx.transactions()) if (x.p50Ms !== null) routeP50.set(x.route, x.p50Ms);
  const firsts: number[] = [];
  const ratios: number[] = [];
  let affected = 0;
  // Cold by the factor and the floor: the median of the requests' times against their routes', and of the times.
  const cold = (first: TraceSummary[], durations: number[]): number | null => {
    const ratio = median(first.map((tr, i) => (durations[i] as number) / Math.max(0.001, (tr.route !== null ? routeP50.get(tr.route) : undefined) ?? p50)));
    return ratio >= t.coldStartFactor && median(durations) >= t.coldStartMinMs ? ratio : null;
  };
  for (const start of starts) {
    // Its first requests, oldest first: a busy process's newest 1,000 of the window missed them.
    const first = ctx.storage.traces({ service: ctx.service, instanceId: start.instanceId, from: start.timeMs, to: start.timeMs + t.coldStartWindowMs, sort: 'oldest', limit: t.coldStartFirstRequests }).traces;
    if (first.length < Math.min(3, t.coldStartFirstRequests)) continue;
    // Only a start that looks cold on the whole times has its traces read for the clients' part.
    if (cold(first, first.map((tr) => tr.durationMs)) === null) continue;
    const durations = first.map((tr) => tr.durationMs - clientMsOf(ctx, tr, start.instanceId));
    const ratio = cold(first, durations);
    if (ratio !== null) {
      affected++;
      firsts.push(...durations);
      ratios.push(ratio);
    }
  }
  if (affected === 0) return [];
  const firstMedian = median(firsts);
  const times = median(ratios);
  return [finding(ctx, {
    kind: 'restarts.cold-start',
    subject: 'service',
    severity: 'info',
    title: `First requests after a start take ${ms(firstMedian)}, ${round(times, 0)}× their routes' usual: preload before taking traffic`,
    summary: `After ${plural(affected, 'start')} of ${startCount} in ${windowWords(ctx.asked)}, the first ${t.coldStartFirstRequests} requests of the started process took ${ms(firstMedian)} (median, not counting the time their clients took to send the body or read the response), ${round(times, 1)}× the median of their own routes (the service's median is ${ms(p50)} over ${summary?.requests ?? 0} requests).`,
    figures: { firstRequestsMedianMs: round(firstMedian, 1), timesRouteMedian: round(times, 1), serviceMedianMs: round(p50, 1), startsAffected: affected, starts: startCount },
    page: 'traces',
    cause: 'Work deferred to the first requests: lazy require() of modules, JIT warm-up, connection pools and caches filled on demand; every deploy or restart makes users pay it again.',
    change: 'Warm up before listen(): require what the routes need, open the database pools, fill the caches, and let the load balancer send traffic only once a readiness check passes (or use slow-start on the target group).',
  })];
}

export const restartsRule = (ctx: ServiceContext): Finding[] => [...restartLoop(ctx), ...coldStart(ctx)];
