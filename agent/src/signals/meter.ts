// The meter and logger all of Headroom's own signals use (scope name `headroom`), and the
// attribute names shared between them.
export const SCOPE = 'headroom';
/** Scope of `http.server.request.duration`, which has its own histogram view (export/pipeline.ts). */
export const HTTP_SCOPE = 'headroom.http';

export const ATTR = {
  route: 'http.route',
  method: 'http.request.method',
  eventName: 'event.name',
  stall: 'headroom.stall',
  stallDurationMs: 'headroom.stall.duration_ms',
  stallCpuMs: 'headroom.stall.cpu_ms',
  /** `thread`: cpu_ms is the loop thread's own CPU; `process`: every thread's (no per-thread clock). */
  stallCpuScope: 'headroom.stall.cpu_scope',
  /** On a stall whose blocking code was the agent's own work (its export, metric collection, span creation). */
  stallAgent: 'headroom.stall.agent',
  /** On a stall: the GC pause time inside it, ms. */
  stallGcMs: 'headroom.stall.gc_ms',
  /** On a stall that GC pauses filled for at least half (stalls.ts, GC_STALL_SHARE): the collector's, not the code's. */
  stallGc: 'headroom.stall.gc',
  queueWaitMs: 'headroom.queue_wait.duration_ms',
  bodyReadMs: 'headroom.request_body.duration_ms',
  responseWriteMs: 'headroom.response_write.duration_ms',
  aborted: 'headroom.http.aborted',
  /** On the late server span of a light request: the operations it called were not recorded. */
  partialTrace: 'headroom.trace.partial',
  codeFunction: 'code.function',
  codeFilepath: 'code.filepath',
  codeLineno: 'code.lineno',
  codeStacktrace: 'code.stacktrace',
  /** On the stop event (process-stop.ts): signal, exit, natural or uncaught_exception. */
  stopReason: 'headroom.stop.reason',
  stopSignal: 'headroom.stop.signal',
  stopExitCode: 'headroom.stop.exit_code',
  /** Seconds from the process's start to its stop. */
  stopUptimeS: 'headroom.stop.uptime_s',
} as const;

export const EVENTS = {
  stall: 'headroom.eventloop.stall',
  start: 'headroom.process.start',
  uncaughtException: 'headroom.process.uncaught_exception',
  unhandledRejection: 'headroom.process.unhandled_rejection',
  /** In a cluster primary: one of its workers exited (cluster-exits.ts). */
  workerExit: 'headroom.process.worker_exit',
  /** The process is ending: why, its exit code, how long it ran (process-stop.ts). */
  stop: 'headroom.process.stop',
} as const;
