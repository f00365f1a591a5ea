// "Never trust server defaults": the settings the agent reported at start, joined with what
// was observed. Node's defaults are made for a bare server on the internet, not for one
// behind a load balancer, in a container, doing file/crypto work:
// - keepAliveTimeout (Node: 5 s) at or below the load balancer's idle timeout (AWS ALB: 60 s):
//   the app closes an idle connection the balancer still thinks open; the balancer's next
//   request on it fails → intermittent 502s. The app's timeout must be the longer one.
// - headersTimeout / requestTimeout 0 (disabled) or huge: a slow or stuck client holds a
//   socket forever (slowloris).
// - UV_THREADPOOL_SIZE at its default of 4 while thread-pool jobs (fs, dns.lookup, crypto,
//   zlib) wait for a thread: the agent's probe measures that wait.
// - No --max-old-space-size on a container-sized host: V8 sizes its heap from the machine,
//   not from the container, and the kernel kills the process before V8 collects hard.
import type { Finding, InstanceView } from '../api-types';
import { booleanSetting, bytes, finding, gaugeMeans, ms, numberSetting, plural, round, servingInstances, windowWords, type ServiceContext } from './context';
import { requestBreakdown } from './request-breakdown';

/** Instances with a value for `key`, grouped by it (sorted by how many share it). */
function groupBy<T>(instances: InstanceView[], read: (i: InstanceView) => T | null): { value: T; instances: InstanceView[] }[] {
  const m = new Map<T, InstanceView[]>();
  for (const i of instances) {
    const v = read(i);
    if (v === null) continue;
    const list = m.get(v);
    if (list) list.push(i);
    else m.set(v, [i]);
  }
  return [...m.entries()].map(([value, list]) => ({ value, instances: list })).sort((a, b) => b.instances.length - a.instances.length);
}

function withHttpSettings(ctx: ServiceContext): InstanceView[] {
  return servingInstances(ctx.instances).filter((i) => numberSetting(i, 'http.keep_alive_timeout_ms') !== null || numberSetting(i, 'http.request_timeout_ms') !== null);
}

function keepAlive(ctx: ServiceContext): Finding[] {
  const lb = ctx.thresholds.loadBalancerIdleTimeoutMs;
  if (lb <= 0) return [];
  const servers = withHttpSettings(ctx);
  // 0 turns Node's keep-alive timeout off (idle sockets stay open): no race with the balancer.
  const short = groupBy(servers, (i) => {
    const v = numberSetting(i, 'http.keep_alive_timeout_ms');
    return v !== null && v > 0 && v <= lb ? v : null;
  });
  const worst = short[0];
  if (!worst) return [];
  const count = short.reduce((n, g) => n + g.instances.length, 0);
  const headers = numberSetting(worst.instances[0] as InstanceView, 'http.headers_timeout_ms');
  // Evidence of a proxy in front: requests of the window that carried a queue-start header
  // (X-Request-Start / X-Queue-Start, stamped by nginx, Heroku's router, HAProxy…). Without
  // it the balancer is an assumption (a service called directly by another has none; AWS ALB
  // stamps no such header), and the finding says so at info level instead of warning.
  const breakdown = requestBreakdown(ctx);
  const stamped = breakdown.queueWait?.requests ?? 0;
  const seen = stamped > 0;
  const processes = `${plural(count, 'process', 'processes')} of ${servers.length} reported server.keepAliveTimeout = ${worst.value} ms at start (Node's default is 5000 ms).`;
  return [finding(ctx, {
    kind: 'settings.keep-alive-timeout',
    subject: 'http.keepAliveTimeout',
    severity: seen ? 'warning' : 'info',
    title: seen
      ? `keepAliveTimeout ${ms(worst.value)} is not above the load balancer's ${ms(lb)} idle timeout: expect intermittent 502s`
      : `keepAliveTimeout ${ms(worst.value)} is not above a load balancer's ${ms(lb)} idle timeout: check whether one is in front (no proxy seen)`,
    summary: seen
      ? `${processes} ${plural(stamped, 'request')} of ${breakdown.requests} in ${windowWords(ctx.asked)} carried a queue-start header, so a proxy or load balancer is in front; the advisor takes it to keep idle connections for ${lb / 1000} s (its loadBalancerIdleTimeoutMs; AWS ALB's default is 60 s): set it to your balancer's, or to 0 when clients connect directly.`
      : `${processes} No request in ${windowWords(ctx.asked)} carried a queue-start header (X-Request-Start or X-Queue-Start), so nothing here shows a proxy in front; this matters only if a load balancer that keeps idle connections (for ${lb / 1000} s, its loadBalancerIdleTimeoutMs; AWS ALB's default, and ALB stamps no such header) sends to these processes: set it to your balancer's, or to 0 when clients connect directly.`,
    figures: {
      keepAliveTimeoutMs: worst.value,
      loadBalancerIdleTimeoutMs: lb,
      processesAffected: count,
      processes: servers.length,
      requestsWithQueueHeader: stamped,
      ...(headers !== null && { headersTimeoutMs: headers }),
    },
    page: 'instances',
    cause: 'The app closes an idle keep-alive connection while the load balancer still counts it open; the next request the balancer sends on it hits a closed socket and the client gets a 502.',
    change: `${seen ? '' : 'If a load balancer is in front: '}make the app wait longer than the balancer: server.keepAliveTimeout = ${lb + 5000}; server.headersTimeout = ${lb + 6000} (headersTimeout above keepAliveTimeout). Or lower the balancer's idle timeout below the app's.`.replace(/^make/, 'Make'),
  })];
}

function timeouts(ctx: ServiceContext): Finding[] {
  const max = ctx.thresholds.maxServerTimeoutMs;
  const servers = withHttpSettings(ctx);
  const out: Finding[] = [];
  const check = (key: string, name: string, nodeDefault: string): void => {
    const bad = groupBy(servers, (i) => {
      const v = numberSetting(i, key);
      return v !== null && (v === 0 || v > max) ? v : null;
    });
    const worst = bad[0];
    if (!worst) return;
    const count = bad.reduce((n, g) => n + g.instances.length, 0);
    const words = worst.value === 0 ? 'disabled (0)' : `${ms(worst.value)}, effectively unbounded`;
    out.push(finding(ctx, {
      kind: 'settings.server-timeout',
      subject: `http.${name}`,
      severity: 'warning',
      title: `server.${name} is ${words}: slow or stuck clients can hold connections forever`,
      summary: `${plural(count, 'process', 'processes')} of ${servers.length} reported server.${name} = ${worst.value} ms at start (Node's default is ${nodeDefault}).`,
      figures: { [`${name}Ms`]: worst.value, maxMs: max, processesAffected: count, processes: servers.length },
      page: 'instances',
      cause: 'Without a bound, a client that sends its headers or body very slowly (by accident or as a slowloris attack) keeps a socket and its memory for as long as it likes; enough of them exhaust the process.',
      change: `Set server.${name} to a bound that fits the slowest legitimate request (Node's default ${nodeDefault}), and keep headersTimeout above keepAliveTimeout.`,
    }));
  };
  check('http.headers_timeout_ms', 'headersTimeout', '60 s');
  check('http.request_timeout_ms', 'requestTimeout', '300 s');
  return out;
}

function threadPool(ctx: ServiceContext): Finding[] {
  const t = ctx.thresholds;
  const waits = gaugeMeans(ctx, 'threadpool.queue_wait');
  if (waits.size === 0) return [];
  const delays = gaugeMeans(ctx, 'eventloop.delay.p99');
  const byId = new Map(ctx.instances.map((i) => [i.instanceId, i]));
  const heavy: { instanceId: string; waitMs: number; size: number }[] = [];
  for (const [instanceId, w] of waits) {
    if (w.count < t.minSamples) continue;
    const instance = byId.get(instanceId);
    const size = instance ? numberSetting(instance, 'uv_threadpool_size') : null;
    const explicit = instance ? booleanSetting(instance, 'uv_threadpool_size_explicit') : null;
    // Only the default pool: an operator who chose a size gets the wait in the charts.
    if (size === null || size > 4 || explicit === true) continue;
    const waitMs = w.mean * 1000;
    // The probe's callback also waits for a busy event loop; only wait beyond that counts.
    const loopMs = (delays.get(instanceId)?.mean ?? 0) * 1000;
    if (waitMs >= t.threadpoolWaitMs && waitMs > loopMs) heavy.push({ instanceId, waitMs, size });
  }
  if (heavy.length === 0) return [];
  const worst = heavy.reduce((a, b) => (b.waitMs > a.waitMs ? b : a));
  return [finding(ctx, {
    kind: 'settings.threadpool-size',
    subject: 'UV_THREADPOOL_SIZE',
    severity: 'warning',
    title: `Thread-pool jobs wait ${ms(worst.waitMs)} on average with UV_THREADPOOL_SIZE at its default ${worst.size}`,
    summary: `Over ${windowWords(ctx.asked)}, a trivial thread-pool job queued by the agent waited ${ms(worst.waitMs)} on average in process ${worst.instanceId} (${plural(heavy.length, 'process', 'processes')} affected): fs, dns.lookup, crypto and zlib calls wait for one of ${worst.size} threads.`,
    figures: { meanThreadPoolWaitMs: round(worst.waitMs, 1), uvThreadpoolSize: worst.size, processesAffected: heavy.length, worstInstance: worst.instanceId },
    page: 'instances',
    cause: 'libuv runs file system calls, dns.lookup, crypto (pbkdf2, scrypt, randomBytes…) and zlib on a pool of 4 threads by default; when more such jobs are in flight, the rest queue — invisible in CPU charts.',
    change: 'Start the process with UV_THREADPOOL_SIZE set to cover the concurrent jobs (e.g. 16; it must be set before the pool is first used — in the environment, not in code that runs late), or do less on the pool (cache DNS, stream files, move heavy crypto to worker threads).',
  })];
}

function heapLimit(ctx: ServiceContext): Finding[] {
  const t = ctx.thresholds;
  const servers = servingInstances(ctx.instances);
  const unset = servers.filter((i) => {
    const memory = numberSetting(i, 'memory_limit_bytes');
    return booleanSetting(i, 'heap_limit_explicit') === false && memory !== null && memory > 0 && memory <= t.containerMemoryBytes;
  });
  const first = unset[0];
  if (!first) return [];
  const memory = numberSetting(first, 'memory_limit_bytes') as number;
  const heap = numberSetting(first, 'heap_limit_bytes');
  const sameHost = servers.filter((i) => i.host === first.host).length;
  const suggest = (memory * 0.75) / Math.max(1, sameHost);
  return [finding(ctx, {
    kind: 'settings.heap-limit',
    subject: 'max-old-space-size',
    severity: 'info',
    title: `No heap limit set on a ${bytes(memory)} host or container: set --max-old-space-size`,
    summary: `${plural(unset.length, 'process', 'processes')} of ${servers.length} run without --max-old-space-size on ${bytes(memory)} of memory; V8 chose a heap limit of ${heap !== null ? bytes(heap) : 'its default'}${sameHost > 1 ? ` for each of ${sameHost} processes on the host` : ''}.`,
    figures: { memoryBytes: memory, ...(heap !== null && { heapLimitBytes: heap }), processesOnHost: sameHost, processesAffected: unset.length, suggestedHeapLimitMiB: Math.floor(suggest / (1024 * 1024)) },
    page: 'instances',
    cause: 'V8 sizes its default heap from the machine’s memory, not the container’s limit or the number of processes sharing it; a process can grow past what it has and be OOM-killed by the kernel instead of failing cleanly.',
    change: `Start each process with --max-old-space-size=${Math.floor(suggest / (1024 * 1024))} (about 75 % of the memory divided by the processes per host; NODE_OPTIONS works).`,
  })];
}

export const settingsRule = (ctx: ServiceContext): Finding[] => [...keepAlive(ctx), ...timeouts(ctx), ...threadPool(ctx), ...heapLimit(ctx)];
