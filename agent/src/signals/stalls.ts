// Event-loop stalls: each time one callback blocks the loop past the threshold, an event with
// its duration, the route and span that ran the blocking code and its code location, and a
// span "event loop blocked" inside that request's trace. Why this technique (a tick counter
// plus a watchdog thread that snapshots the blocked thread through the inspector) rather
// than async_hooks timing or a sampling profiler: docs/event-loop-stalls.md.
//
// Timing: a 20 ms interval timer on the main thread. When it fires `gap` ms after the
// previous tick, the loop was blocked for between gap − 20 and gap ms; the midpoint is used
// (±10 ms, within the 100 ms threshold's resolution; a shorter tick costs idle CPU). A blocked
// stretch is cut at the requests that started in it (request-starts.ts): the threshold is per
// handler, and short ones read in one go under saturation are no stall. Attribution: only the
// snapshot taken *during* the stall names a span, so requests that were merely delayed by
// someone else's stall are never blamed.
import { context, ROOT_CONTEXT, SpanKind, trace, type Attributes, type Context, type SpanContext, type Tracer } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import { getRPCMetadata, type RPCMetadata } from '@opentelemetry/core';
import { join, dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { asRequestState, routeOf } from '../http-server/request-state';
import { describe, guard, report } from '../report';
import { withForcedRecording } from '../sampling/sampler';
import { ATTR, EVENTS } from './meter';
import type { RequestStarts, Window } from './request-starts';
import { formatFrames, isMainModuleRun, stallCode, type StallCode } from './stack-frames';
import { threadCpuClock } from './thread-cpu';

export const TICK_MS = 20;
const PROBE_KEY = 'headroom.agent.stall-probe';
const STACK_FRAMES = 12;

export interface StallOptions {
  thresholdMs: number;
  /** Start the watchdog thread that names each stall's request, span and code; else time them only. */
  attribution: boolean;
  tracer: Tracer;
  logger: Logger;
  /** A snapshot named this trace during a blocked loop; the stall is not measured yet. */
  stallPending: (traceId: string) => void;
  /** The stall was measured: over the threshold or not. */
  stallResolved: (traceId: string, isStall: boolean) => void;
  /** Each tick after the first, with how late it fired (the event-loop delay). */
  onTick: (lateMs: number) => void;
  /** A light request's future server span (http-server/server-hook.ts), when no span is active. */
  lightParent: (ctx: Context) => StallParent | null;
  /** The GC pause time between two performance.now() times, ms (signals/gc.ts). */
  gcPausedMs: (fromMs: number, toMs: number) => number;
  /** Where requests began since the last tick (the server hook notes each): a stretch is cut there first. */
  requestStarts: RequestStarts;
}

/**
 * A stall is the garbage collector's when its pauses fill at least this share of it: the loop
 * was blocked by V8, not by the code that happened to run (QA s13: a 105 ms major GC inside a
 * router's param() was that route's stall). Below it, the code ran longer than the collector.
 */
export const GC_STALL_SHARE = 0.5;

/** Whose a stall was: the collector's (most of it GC pauses), the agent's own work, or the code's that ran. */
export function stallKind(durationMs: number, gcMs: number, code: Pick<StallCode, 'agent'> | null): 'gc' | 'agent' | 'code' {
  if (durationMs > 0 && gcMs >= durationMs * GC_STALL_SHARE) return 'gc';
  return code?.agent === true ? 'agent' : 'code';
}

/** The request span the blocking code ran in, with its times (epoch ms). */
export interface StallParent {
  spanContext: SpanContext;
  startEpochMs: number;
  /** When it ended, or null while it runs: read after the stall, not inside it. */
  endEpochMs: () => number | null;
}

interface Snapshot {
  tick: number;
  spanContext: SpanContext | null;
  rpc: RPCMetadata | undefined;
  route: string | undefined;
  /** The request's method: the collector names the stall's transaction "METHOD route", as the request's. */
  method: string | undefined;
  stack: string;
  /** Epoch ms the active span started, when known: the blocking code ran after it. */
  spanStartEpochMs: number | null;
  /** When the active span ended, null while it runs or unknown. */
  spanEndEpochMs: () => number | null;
  /**
   * When the request the blocking code served called res.end(), null before or when unknown: an
   * inner span may end long before the handler returns, and the request's own end is the
   * better place to cut a stretch (splitStall).
   */
  requestEndEpochMs?: () => number | null;
  /** Epoch ms of the snapshot, taken inside the blocking code. */
  atEpochMs: number;
}

/**
 * The stall's times, from the tick's estimate narrowed by what the snapshot knows: the blocking
 * code began after its span started and before the snapshot; and if the span ended after the
 * snapshot, that end came after the blocking code returned (nothing else runs while the loop
 * is blocked). So a stall span never starts before, or outlasts, its parent in the waterfall.
 * For the span only: the event keeps the whole stall (the loop was blocked that long).
 */
export function stallTimes(estimate: { startEpochMs: number; endEpochMs: number }, snap: Pick<Snapshot, 'spanStartEpochMs' | 'spanEndEpochMs' | 'atEpochMs'> | null): { startEpochMs: number; endEpochMs: number } {
  if (!snap) return estimate;
  const parentEnd = snap.spanEndEpochMs();
  const start = Math.min(Math.max(estimate.startEpochMs, snap.spanStartEpochMs ?? -Infinity), snap.atEpochMs);
  const end = Math.max(parentEnd !== null && parentEnd >= snap.atEpochMs ? Math.min(estimate.endEpochMs, parentEnd) : estimate.endEpochMs, snap.atEpochMs);
  return { startEpochMs: start, endEpochMs: end };
}

/** Snapshots kept in one blocked stretch (one per trace the probes found running). */
const MAX_SNAPSHOTS = 16;

// Frames a snapshot's stack holds. Deep enough to reach the module job at the bottom of a
// package's loading (isMainModuleRun): each require is 9 frames under the instrumentations'
// require hook, and importing express from an ES module goes 14 requires deep — with 40 frames
// the snapshot ended midway, and an ES module express or NestJS app whose packages took 130–190 ms
// to load read that as a stall outside any request (QA s14). Read only during a stall, once per trace.
const SNAPSHOT_FRAMES = 300;

/**
 * One blocked stretch (or a part of one between request starts, in which no request began) cut
 * between the callbacks the watchdog caught running in it, in order:
 * requests read from their sockets in one go run their handlers back to back, with no tick in
 * between, and each is its own stall. Between two snapshots the first callback ended and the
 * next began: at the second's span start, when that fell between them (a request read after
 * the first's handler returned), else where the first's request called res.end() (a handler
 * that responds when it is done), else at the first's span end (an inner span may end earlier
 * than its handler returns, hence last: a stretch cut there charged a 500 ms handler 255 ms
 * when another callback was caught after it), else halfway. One window per snapshot; the
 * first starts and the last ends with the estimate.
 */
export function splitStall(
  estimate: { startEpochMs: number; endEpochMs: number },
  snaps: readonly Pick<Snapshot, 'spanStartEpochMs' | 'spanEndEpochMs' | 'requestEndEpochMs' | 'atEpochMs'>[],
): { startEpochMs: number; endEpochMs: number }[] {
  if (snaps.length < 2) return [estimate];
  const windows: { startEpochMs: number; endEpochMs: number }[] = [];
  let start = Math.min(estimate.startEpochMs, snaps[0]!.atEpochMs);
  for (let i = 0; i < snaps.length; i++) {
    const a = snaps[i]!;
    const b = snaps[i + 1];
    let end = Math.max(estimate.endEpochMs, a.atEpochMs);
    if (b) {
      const within = (t: number | null): t is number => t !== null && t >= a.atEpochMs && t <= b.atEpochMs;
      const aDone = a.requestEndEpochMs?.() ?? null;
      const aEnd = a.spanEndEpochMs();
      end = within(b.spanStartEpochMs) ? b.spanStartEpochMs : within(aDone) ? aDone : within(aEnd) ? aEnd : (a.atEpochMs + b.atEpochMs) / 2;
    }
    windows.push({ startEpochMs: start, endEpochMs: end });
    start = end;
  }
  return windows;
}

/** An SDK span's end time (epoch ms), once it has ended; the API's Span does not expose it. */
function endOf(span: { ended?: unknown; endTime?: unknown } | undefined): () => number | null {
  return () => {
    const end = span?.ended === true ? span.endTime : undefined;
    return Array.isArray(end) && typeof end[0] === 'number' && typeof end[1] === 'number' ? end[0] * 1000 + end[1] / 1e6 : null;
  };
}

/**
 * The CPU time charged to a stall. It is read at the two ticks around it (the interval whose
 * gap gave the duration), so it can exceed the stall by up to a tick; where only the process's
 * CPU is readable it counts every thread (GC helpers, the watchdog, libuv's pool). The loop's
 * thread cannot have run longer than the stall itself, so more than its duration is capped
 * there. Beside the duration it answers one question — did the thread run for the whole stall
 * (its code blocked) or hardly (it was not scheduled, or sat in a blocking system call)?
 */
export function stallCpuMs(cpuOverGapMs: number, durationMs: number): number {
  return Math.max(0, Math.min(cpuOverGapMs, durationMs));
}

/** Blocked time from the gap between two ticks scheduled TICK_MS apart (midpoint estimate). */
export function blockedMs(gapMs: number, tickMs: number = TICK_MS): number {
  return Math.max(0, gapMs - tickMs / 2);
}

const agentDir = dirname(__dirname);

/** The method of the request the metadata belongs to, when it is Headroom's request state. */
function methodFromMetadata(rpc: RPCMetadata | undefined): string | undefined {
  return asRequestState(rpc)?.method;
}

/** The route a request's metadata holds by now: Headroom's request state knows express's apart. */
function routeFromMetadata(rpc: RPCMetadata | undefined): string | undefined {
  const state = asRequestState(rpc);
  return state ? routeOf(state) : rpc?.route;
}

/** The watchdog thread (stall-watchdog-worker.ts) over the shared tick counter; null if it cannot start. */
function startWatchdog(shared: SharedArrayBuffer, thresholdMs: number): Worker | null {
  try {
    const worker = new Worker(join(__dirname, 'stall-watchdog-worker.js'), {
      workerData: { shared, blockedMs: Math.max(TICK_MS * 2, Math.round(thresholdMs / 2)), probeKey: PROBE_KEY },
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
      stdout: false,
      stderr: false,
      env: {},
      execArgv: [],
    });
    worker.unref();
    worker.on('error', (err) => report('stallWatchdog', describe(err)));
    return worker;
  } catch (err) {
    report('stallWatchdog', describe(err));
    return null;
  }
}

export function startStallDetector(options: StallOptions): () => void {
  const { requestStarts } = options;
  const shared = new SharedArrayBuffer(8);
  const ticks = new Int32Array(shared);
  let tick = 0;
  // Measured from the loop's first turn on (a timeout of 0 set now, below): before it, the
  // loop was not running yet (a CommonJS app's modules were loading), which is start-up time,
  // not a stall. From the first tick on instead, a callback that blocked in the loop's first
  // 20 ms went untimed. An ES module app's loop turns while its modules load: its top-level
  // code is told apart by its stack (isMainModuleRun).
  let last = -1;
  // The requests (traces) the watchdog's probes found running during the current tick's blocked
  // stretch, one snapshot each, in order (usually one).
  let snapshots: Snapshot[] = [];
  // The loop thread's CPU time at the last tick: a "stall" during which it used little CPU was
  // the thread not running (starved of CPU, paused, swapping) or a blocking syscall, not
  // JavaScript — worth telling apart, since the remedy differs.
  const cpuClock = threadCpuClock();
  let cpuAtTick = cpuClock.readMs();

  const probe = (seenTick: number): number => {
    try {
      // Runs inside the blocking code (an inspector interrupt): keep it short, never throw.
      if (seenTick !== tick) return 0;
      const ctx = context.active();
      let spanContext = trace.getSpanContext(ctx) ?? null;
      const light = spanContext ? null : options.lightParent(ctx);
      if (light) spanContext = light.spanContext;
      // The watchdog asks again while the loop stays blocked: the same trace still running is the
      // same request's callback (its inner span may have ended meanwhile), already snapshotted —
      // no stack read. Another trace is another request's callback, run back to back.
      const previous = snapshots[snapshots.length - 1];
      if (previous && (previous.spanContext?.traceId ?? null) === (spanContext?.traceId ?? null)) return 1;
      if (snapshots.length >= MAX_SNAPSHOTS) return 1;
      const rpc = getRPCMetadata(ctx);
      // V8's own format, whatever the app installed (source-map-support and the like would
      // run app code inside the interrupt); restored at once.
      const limit = Error.stackTraceLimit;
      const errorCtor = Error as { prepareStackTrace?: unknown; stackTraceLimit: number };
      const prepare = errorCtor.prepareStackTrace;
      Error.stackTraceLimit = SNAPSHOT_FRAMES;
      errorCtor.prepareStackTrace = undefined;
      let stack = '';
      try {
        stack = new Error().stack ?? '';
      } finally {
        Error.stackTraceLimit = limit;
        errorCtor.prepareStackTrace = prepare;
      }
      const span = trace.getSpan(ctx) as { attributes?: Attributes; startTime?: [number, number]; ended?: unknown; endTime?: unknown } | undefined;
      const spanRoute = span?.attributes?.[ATTR.route];
      const spanMethod = span?.attributes?.[ATTR.method];
      const started = span?.startTime;
      let spanStartEpochMs = Array.isArray(started) ? started[0] * 1000 + started[1] / 1e6 : null;
      let spanEndEpochMs = endOf(span);
      if (light) ({ startEpochMs: spanStartEpochMs, endEpochMs: spanEndEpochMs } = light);
      const request = asRequestState(rpc);
      snapshots.push({
        tick,
        spanContext,
        rpc,
        route: typeof spanRoute === 'string' ? spanRoute : routeFromMetadata(rpc),
        // A span's method only beside its route (a server span's): a client span's is another request's.
        method: methodFromMetadata(rpc) ?? (typeof spanRoute === 'string' && typeof spanMethod === 'string' ? spanMethod : undefined),
        stack,
        spanStartEpochMs,
        spanEndEpochMs,
        requestEndEpochMs: () => (request?.endAt != null ? performance.timeOrigin + request.endAt : null),
        atEpochMs: performance.timeOrigin + performance.now(),
      });
      if (spanContext) options.stallPending(spanContext.traceId);
      return 1;
    } catch {
      return 0;
    }
  };
  Object.defineProperty(globalThis, Symbol.for(PROBE_KEY), { value: probe, configurable: true, enumerable: false, writable: true });

  // `gcMs`: the GC pauses in it (already at most its duration); `kind` from stallKind.
  const emit = guard('stall', (estimate: { startEpochMs: number; endEpochMs: number }, snap: Snapshot | null, code: StallCode | null, cpuUsedMs: number, gcMs: number, kind: 'gc' | 'agent' | 'code') => {
    const estimatedMs = estimate.endEpochMs - estimate.startEpochMs;
    // The event states the whole stall: every other request waited that long, whatever span
    // the blocking code ran in. Only the span is clipped, to lie inside its parent.
    const { startEpochMs: spanStart, endEpochMs: spanEnd } = stallTimes(estimate, snap);
    // Rounded once, here: the message's whole milliseconds must be the stated duration's
    // (506.46 had read "506 ms" beside a stated 506.5).
    const durationMs = Math.round(estimatedMs * 10) / 10;
    const attributes: Attributes = {
      [ATTR.stall]: true,
      [ATTR.stallDurationMs]: durationMs,
    };
    if (Number.isFinite(cpuUsedMs)) {
      attributes[ATTR.stallCpuMs] = Math.round(stallCpuMs(cpuUsedMs, durationMs) * 10) / 10;
      attributes[ATTR.stallCpuScope] = cpuClock.scope;
    }
    if (gcMs > 0) attributes[ATTR.stallGcMs] = Math.round(Math.min(gcMs, durationMs) * 10) / 10;
    // The agent's own work (an export, a metric collection, creating a span) that happened to
    // run in a request's context is not that request's doing: no route, no span in its trace.
    // Nor is the garbage collector's pause, whatever code it interrupted: no code location either.
    const agentWork = kind === 'agent';
    const gcWork = kind === 'gc';
    if (agentWork) attributes[ATTR.stallAgent] = true;
    if (gcWork) attributes[ATTR.stallGc] = true;
    const route = agentWork || gcWork ? undefined : snap?.route ?? routeFromMetadata(snap?.rpc);
    if (route !== undefined) attributes[ATTR.route] = route;
    const method = agentWork || gcWork ? undefined : snap?.method;
    if (method !== undefined) attributes[ATTR.method] = method;
    const frames = gcWork ? [] : (code?.frames.slice(0, STACK_FRAMES) ?? []);
    const top = frames[0];
    if (top) {
      if (top.function) attributes[ATTR.codeFunction] = top.function;
      attributes[ATTR.codeFilepath] = top.file;
      attributes[ATTR.codeLineno] = top.line;
      attributes[ATTR.codeStacktrace] = formatFrames(frames);
    }
    const where = gcWork
      ? ` by garbage collection (${Math.round(gcMs)} ms of GC pauses)`
      : agentWork
        ? ` in Headroom's agent${top?.function ? ` (${top.function})` : ''}`
        : route !== undefined
          ? ` in ${method !== undefined ? `${method} ` : ''}${route}`
          : '';
    let logContext = ROOT_CONTEXT;
    if (snap?.spanContext && kind === 'code') {
      // Recorded even under a light request's parent, which has no span yet.
      const parent = withForcedRecording(trace.setSpanContext(ROOT_CONTEXT, snap.spanContext));
      const span = options.tracer.startSpan('event loop blocked', { kind: SpanKind.INTERNAL, startTime: spanStart, attributes }, parent);
      span.end(spanEnd);
      logContext = trace.setSpan(ROOT_CONTEXT, span);
    }
    options.logger.emit({
      eventName: EVENTS.stall,
      timestamp: estimate.startEpochMs,
      context: logContext,
      body: `event loop blocked ${Math.round(durationMs)} ms${where}`,
      attributes: { [ATTR.eventName]: EVENTS.stall, ...attributes },
    });
  });

  /** The tick after a blocked stretch (or one a probe looked into): its stalls, and the pending traces resolved. */
  const stretchEnded = (blocked: boolean, gap: number, now: number, cpuMs: number): void => {
    const snaps = snapshots;
    const caught = snaps.map((snap) => ({ snap, code: stallCode(snap.stack, agentDir) }));
    // The requests whose code a stall is charged to: their traces are kept for it.
    const stalled = new Set<Snapshot>();
    // The main module's top-level code (an ES module's, run after the loop turned) is start-up.
    const isStall = blocked && !(snaps[0] !== undefined && isMainModuleRun(snaps[0].stack));
    if (isStall) {
      const stretch = { startMs: now - blockedMs(gap), endMs: now };
      const toEpoch = (w: Window): { startEpochMs: number; endEpochMs: number } => ({ startEpochMs: performance.timeOrigin + w.startMs, endEpochMs: performance.timeOrigin + w.endMs });
      const totalMs = stretch.endMs - stretch.startMs;
      // The CPU read at the two ticks is shared out in proportion to each one's time.
      const cpuOf = (w: { startEpochMs: number; endEpochMs: number }): number => (totalMs > 0 ? (cpuMs * (w.endEpochMs - w.startEpochMs)) / totalMs : cpuMs);
      // The GC pauses in a window, at most its length: the first is read from the tick before
      // the gap (the blocked time lies somewhere in it, the estimate is its midpoint).
      const gcIn = (w: { startEpochMs: number; endEpochMs: number }, first: boolean): number =>
        Math.min(w.endEpochMs - w.startEpochMs, options.gcPausedMs(first ? now - gap : w.startEpochMs - performance.timeOrigin, w.endEpochMs - performance.timeOrigin));
      const charge = (w: { startEpochMs: number; endEpochMs: number }, snap: Snapshot | null, code: StallCode | null, first: boolean): void => {
        const gcMs = gcIn(w, first);
        const kind = stallKind(w.endEpochMs - w.startEpochMs, gcMs, code);
        emit(w, snap, code, cpuOf(w), gcMs, kind);
        if (snap && kind === 'code') stalled.add(snap);
      };
      // First cut at the requests that started in the stretch: each handler is judged alone,
      // and a part between two starts under the threshold is no stall (requests read in one
      // go under saturation). What is left are the parts that reach it (the whole stretch when
      // no request started), each with the snapshots taken in it.
      for (const w of requestStarts.windows(stretch.startMs, stretch.endMs)) {
        const part = toEpoch(w);
        const first = w.startMs === stretch.startMs;
        // The first part also takes a snapshot from just before the estimated start (a midpoint).
        const inPart = caught.filter(({ snap }) => (first || snap.atEpochMs >= part.startEpochMs) && snap.atEpochMs <= part.endEpochMs);
        const windows = splitStall(part, inPart.map(({ snap }) => snap));
        // A callback caught in the part that ran under the threshold is no stall of its own; if
        // none reached it (callbacks of no new request adding up), the part is one, the first's.
        const long = windows.flatMap((win, j) => (win.endEpochMs - win.startEpochMs >= options.thresholdMs ? [j] : []));
        if (inPart.length < 2 || long.length === 0) {
          charge(part, inPart[0]?.snap ?? null, inPart[0]?.code ?? null, first);
        } else {
          for (const j of long) charge(windows[j]!, inPart[j]!.snap, inPart[j]!.code, first && j === 0);
        }
      }
    }
    // Once per trace (a trace caught, left and caught again has two snapshots).
    const resolved = new Map<string, boolean>();
    for (const snap of snaps) {
      const traceId = snap.spanContext?.traceId;
      if (traceId !== undefined) resolved.set(traceId, resolved.get(traceId) === true || stalled.has(snap));
    }
    for (const [traceId, stall] of resolved) options.stallResolved(traceId, stall);
  };

  const onTick = (): void => {
    const now = performance.now();
    const gap = last < 0 ? 0 : now - last;
    if (last >= 0) options.onTick(Math.max(0, gap - TICK_MS));
    last = now;
    const cpu = cpuClock.readMs();
    const isStall = gap - TICK_MS >= options.thresholdMs;
    // Snapshots are taken only while the loop is blocked: nothing of this on an ordinary tick.
    if (snapshots.length > 0 || isStall) stretchEnded(isStall, gap, now, cpu - cpuAtTick);
    requestStarts.tick();
    cpuAtTick = cpu;
    if (snapshots.length > 0) snapshots = [];
    tick = (tick + 1) | 0;
    Atomics.store(ticks, 0, tick);
  };
  const interval = setInterval(onTick, TICK_MS);
  interval.unref();
  // The loop's first turn: timing starts there (see `last`).
  const loopStart = setTimeout(() => {
    if (last < 0) onTick();
  }, 0);
  loopStart.unref();

  const worker = options.attribution ? startWatchdog(shared, options.thresholdMs) : null;

  return () => {
    clearInterval(interval);
    clearTimeout(loopStart);
    Atomics.store(ticks, 1, 1);
    cpuClock.close();
    void worker?.terminate().catch(() => undefined);
  };
}
