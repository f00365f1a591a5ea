// Lifecycle: a start event when the process first listens — time from process start to the
// first `listen`, and the settings that decide behaviour under load (the server's timeouts
// and limits, UV_THREADPOOL_SIZE, heap limit, CPUs, cluster role, the agent's own settings).
// `net.Server.prototype.listen` is wrapped once to see the first server; the wrapper only adds
// a 'listening' listener and calls through. A cluster primary never listens itself: the server
// node:cluster opens in it to hand connections to the workers (round-robin) is not the app's,
// so a primary's start event comes when its first worker is listening, and says so.
import type { Attributes } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import cluster from 'node:cluster';
import { Server as HttpServer } from 'node:http';
import { Server as NetServer } from 'node:net';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { guard } from '../report';
import { ATTR, EVENTS } from './meter';

const kPatched = Symbol.for('headroom.agent.listenPatched');

export function cpuCount(): number {
  try {
    return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  } catch {
    return 1;
  }
}

export function clusterRole(): 'primary' | 'worker' | 'standalone' {
  if (cluster.isWorker) return 'worker';
  return process.env.NODE_UNIQUE_ID === undefined && Object.keys(cluster.workers ?? {}).length === 0 ? 'standalone' : 'primary';
}

function numeric(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The settings of an http server that matter under load, as `headroom.setting.*` attributes. */
export function serverSettings(server: NetServer): Attributes {
  const out: Attributes = {};
  const put = (name: string, value: unknown): void => {
    const n = numeric(value);
    if (n !== undefined) out[`headroom.setting.http.${name}`] = n;
  };
  if (server instanceof HttpServer) {
    put('keep_alive_timeout_ms', server.keepAliveTimeout);
    put('headers_timeout_ms', server.headersTimeout);
    put('request_timeout_ms', server.requestTimeout);
    put('max_headers_count', server.maxHeadersCount ?? 2000);
    put('timeout_ms', server.timeout);
    put('max_requests_per_socket', server.maxRequestsPerSocket ?? 0);
  }
  put('max_connections', Number.isFinite(server.maxConnections) ? server.maxConnections : -1);
  return out;
}

/** Whether the heap limit was chosen by the operator (a flag) rather than left to V8's default. */
export function heapLimitExplicit(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  const flag = /^--max[-_]old[-_]space[-_]size(=|$)/;
  return execArgv.some((a) => flag.test(a)) || (nodeOptions ?? '').split(/\s+/).some((a) => flag.test(a));
}

/** Memory this process can use: the cgroup (container) limit when one is set, else the host's. */
function memoryLimit(): number {
  const host = totalmem();
  try {
    const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
    return constrained > 0 && constrained < host ? constrained : host;
  } catch {
    return host;
  }
}

export function processSettings(agent: Attributes): Attributes {
  const pool = Number(process.env.UV_THREADPOOL_SIZE);
  return {
    'headroom.setting.uv_threadpool_size': Number.isInteger(pool) && pool > 0 ? pool : 4,
    'headroom.setting.uv_threadpool_size_explicit': Number.isInteger(pool) && pool > 0,
    'headroom.setting.heap_limit_bytes': getHeapStatistics().heap_size_limit,
    'headroom.setting.heap_limit_explicit': heapLimitExplicit(process.execArgv, process.env.NODE_OPTIONS),
    'headroom.setting.host_memory_bytes': totalmem(),
    'headroom.setting.memory_limit_bytes': memoryLimit(),
    'headroom.setting.cpu_count': cpuCount(),
    'headroom.setting.cluster_role': clusterRole(),
    'headroom.setting.node_version': process.version,
    ...agent,
  };
}

/** Whether this listen() is node:cluster's own, in the primary, for its workers (round-robin scheduling). */
function isClusterHandleListen(): boolean {
  if (!cluster.isPrimary) return false;
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 12;
  try {
    return (new Error().stack ?? '').includes('internal/cluster/');
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export function watchFirstListen(logger: Logger, agentSettings: Attributes): void {
  const proto = NetServer.prototype as NetServer & { [kPatched]?: boolean };
  if (proto[kPatched]) return;
  Object.defineProperty(proto, kPatched, { value: true });
  const original = proto.listen;
  let reported = false;
  const report = (body: string, attributes: Attributes): void => {
    reported = true;
    logger.emit({ eventName: EVENTS.start, body, attributes: { [ATTR.eventName]: EVENTS.start, 'headroom.start.duration_ms': Math.round(performance.now()), ...attributes } });
  };
  const onListening = guard('start event', (server: NetServer) => {
    if (reported) return;
    const address = server.address();
    const attributes: Attributes = { ...processSettings(agentSettings), ...serverSettings(server) };
    if (address && typeof address === 'object') attributes['server.port'] = address.port;
    report(`process ${process.pid} listening after ${Math.round(performance.now())} ms`, attributes);
  });
  const onWorkerListening = guard('start event', (worker: { id: number }, address: { port?: unknown }) => {
    if (reported) return;
    const attributes: Attributes = processSettings(agentSettings);
    if (typeof address?.port === 'number') attributes['server.port'] = address.port;
    report(`cluster primary ${process.pid} started, first worker (${worker.id}) ready after ${Math.round(performance.now())} ms`, attributes);
  });
  if (!cluster.isWorker) cluster.once('listening', onWorkerListening);
  proto.listen = function listen(this: NetServer, ...args: unknown[]) {
    if (!reported) {
      try {
        if (!isClusterHandleListen()) this.once('listening', () => onListening(this));
      } catch {
        // never stand between the app and its listen()
      }
    }
    return (original as (...a: unknown[]) => NetServer).apply(this, args);
  } as typeof proto.listen;
}
