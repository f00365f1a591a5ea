// Fills a Headroom database with a day of a busy service, through the store's own write path
// (openSqliteStorage → enqueue(IngestBatch) → the single writer), minute by minute, then runs
// the maintenance pass (hour rollups) as the collector would have during the day.
//
// "checkout-api": 20 routes × 4 instances, 100 requests per route and instance per minute
// (8,000 requests/min, ~133 req/s) as delta exponential histograms plus the five per-route
// sums, 15 gauges per instance per minute, sampled traces (4 spans each; by default 1 trace/s
// per instance, 2 % errors, some slow), a stall every ~10 minutes per instance with its span,
// start events with settings and one restart, all of one version. Two small services beside it so the overview
// lists more than one, and "storefront", deployed every 30 minutes (spec.deploys; 4 processes
// each, replaced one a minute: a rolling deploy), with a scanner's 404s beside its one route,
// whose deployments the bench reads.
// Deterministic (seeded PRNG) apart from the anchor time.
import type { Attributes, Distribution, EventRecord, GaugePoint, IngestBatch, InstanceSeen, RequestPoint, RouteSumPoint, SpanRecord } from '../../collector/src/model';
import { openSqliteStorage } from '../../collector/src/store/sqlite';

export interface FillSpec {
  minutes: number;
  routes: number;
  instances: number;
  requestsPerMinute: number;
  tracesPerSecond: number;
  /** Deploys of "storefront" over the day (its first version's included), 4 processes each; none without. */
  deploys?: number;
}

export interface FillResult {
  /** Epoch ms: the end of the filled day (the queries' `to`). */
  anchorMs: number;
  spec: FillSpec;
  traceIds: string[];
  counts: { requestPoints: number; routeSums: number; gauges: number; spans: number; events: number };
  fillMs: number;
}

export const SERVICE = 'checkout-api';
export const DEPLOYED_SERVICE = 'storefront';
const DEPLOYED_PROCESSES = 4;
const ROUTES = [
  'GET /', 'GET /health', 'POST /login', 'POST /logout', 'GET /users', 'GET /users/:id', 'GET /users/:id/orders',
  'GET /orders', 'GET /orders/:id', 'POST /orders', 'GET /products', 'GET /products/:id', 'GET /search', 'GET /cart',
  'POST /cart/items', 'POST /checkout', 'GET /payments/:id', 'GET /reports/daily', 'GET /admin/users', 'POST /api/v2/events',
];
const GAUGES = [
  'memory.rss', 'memory.heap_used', 'memory.heap_total', 'memory.heap_limit', 'memory.external', 'memory.array_buffers',
  'eventloop.delay.p50', 'eventloop.delay.p90', 'eventloop.delay.p99', 'eventloop.delay.max', 'eventloop.utilization',
  'http.in_flight', 'http.in_flight.max', 'gc.pause.minor', 'gc.pause.major',
];
const SCALE = 4; // base 2^(1/16): about 2 % bucket width, what the OTel SDK settles on for latencies

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function lognormalSeconds(random: () => number, medianMs: number, sigma = 0.6): number {
  const u = Math.max(1e-12, random());
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return (medianMs * Math.exp(sigma * normal)) / 1000;
}

function hex(random: () => number, bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(random() * 256).toString(16).padStart(2, '0');
  return s;
}

/** n samples into an OTel exponential histogram (bucket i covers (base^i, base^(i+1)]). */
function distributionOf(samples: number[]): Distribution {
  const factor = 2 ** SCALE / Math.LN2;
  const indexes = samples.map((v) => Math.ceil(Math.log(v) * factor) - 1);
  const offset = Math.min(...indexes);
  const counts = new Array<number>(Math.max(...indexes) - offset + 1).fill(0);
  for (const i of indexes) counts[i - offset] = (counts[i - offset] ?? 0) + 1;
  return { kind: 'exponential', scale: SCALE, zeroCount: 0, positive: { offset, counts } };
}

const ns = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;

function instanceSeen(service: string, instanceId: string, host: string, pid: number, timeMs: number, version = '3.4.0'): InstanceSeen {
  return {
    service, instanceId, host, pid, timeNs: ns(timeMs),
    resource: {
      'service.name': service, 'service.instance.id': instanceId, 'host.name': host, 'process.pid': pid,
      'process.runtime.name': 'nodejs', 'process.runtime.version': '20.20.2', 'telemetry.sdk.language': 'nodejs',
      'headroom.apdex_t_ms': 500, 'service.version': version,
    },
  };
}

function startEvent(service: string, instanceId: string, timeMs: number): EventRecord {
  return {
    service, instanceId, type: 'start', timeNs: ns(timeMs), traceId: null, spanId: null, route: null, durationMs: null, message: null,
    attributes: {
      'headroom.process.startup_ms': 840, 'headroom.setting.keepAliveTimeout': 5000, 'headroom.setting.headersTimeout': 60000,
      'headroom.setting.requestTimeout': 300000, 'headroom.setting.uvThreadpoolSize': 4, 'headroom.setting.heapLimit': 4345298944,
      'headroom.setting.cpuCount': 2, 'headroom.setting.clusterRole': 'worker',
    },
  };
}

function traceSpans(random: () => number, service: string, instanceId: string, route: string, startMs: number, stallMs: number | null): SpanRecord[] {
  const traceId = hex(random, 16);
  const rootId = hex(random, 8);
  const handlerId = hex(random, 8);
  const slow = random() < 0.01;
  const error = random() < 0.02;
  const totalMs = (lognormalSeconds(random, 45) * 1000) * (slow ? 40 : 1) + (stallMs ?? 0);
  const [method, path] = route.split(' ') as [string, string];
  const common = { traceId, service, instanceId, stall: false, eventsJson: null as string | null, statusMessage: '' };
  const spans: SpanRecord[] = [
    {
      ...common, spanId: rootId, parentSpanId: null, name: route, kind: 2, route, startNs: ns(startMs), endNs: ns(startMs + totalMs),
      statusCode: error ? 2 : 0,
      attributesJson: JSON.stringify({
        'http.request.method': method, 'http.route': path, 'url.path': path.replace(':id', '4711'), 'url.scheme': 'http',
        'http.response.status_code': error ? 500 : 200, 'server.address': 'checkout.internal', 'server.port': 3000,
        'network.protocol.version': '1.1', 'client.address': '203.0.113.42', 'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0',
        'headroom.queue_wait_ms': Math.round(random() * 20),
      }),
    },
    {
      ...common, spanId: handlerId, parentSpanId: rootId, name: `request handler - ${path}`, kind: 1, route,
      startNs: ns(startMs + 0.3), endNs: ns(startMs + totalMs * 0.97), statusCode: 0,
      attributesJson: JSON.stringify({ 'http.route': path, 'express.name': path, 'express.type': 'request_handler' }),
    },
    {
      ...common, spanId: hex(random, 8), parentSpanId: handlerId, name: 'pg.query:SELECT checkout', kind: 3, route: null,
      startNs: ns(startMs + 1), endNs: ns(startMs + totalMs * 0.5), statusCode: 0,
      attributesJson: JSON.stringify({ 'db.system.name': 'postgresql', 'db.namespace': 'checkout', 'db.query.text': 'SELECT id, total, status FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20', 'server.address': 'db.internal', 'server.port': 5432 }),
    },
    {
      ...common, spanId: hex(random, 8), parentSpanId: handlerId, name: 'GET', kind: 3, route: null,
      startNs: ns(startMs + totalMs * 0.5), endNs: ns(startMs + totalMs * 0.9), statusCode: error ? 2 : 0,
      statusMessage: error ? 'upstream answered 500' : '',
      attributesJson: JSON.stringify({ 'http.request.method': 'GET', 'url.full': 'http://inventory.internal:8080/v1/stock?sku=A-1234', 'server.address': 'inventory.internal', 'http.response.status_code': error ? 500 : 200 }),
      eventsJson: error ? JSON.stringify([{ t: Math.round(startMs + totalMs * 0.9), n: 'exception', a: { 'exception.type': 'Error', 'exception.message': 'upstream answered 500' } }]) : null,
    },
  ];
  if (stallMs !== null) {
    spans.push({
      ...common, stall: true, spanId: hex(random, 8), parentSpanId: handlerId, name: 'event loop blocked', kind: 1, route,
      startNs: ns(startMs + 2), endNs: ns(startMs + 2 + stallMs), statusCode: 0,
      attributesJson: JSON.stringify({ 'headroom.stall': true, 'headroom.stall.duration_ms': stallMs, 'code.function': 'renderReport', 'code.filepath': '/app/src/reports.js', 'code.lineno': 88 }),
    });
  }
  return spans;
}

function emptyBatch(): IngestBatch {
  return { instances: [], spans: [], requests: [], routeSums: [], gauges: [], events: [] };
}

export async function fillDatabase(path: string, spec: FillSpec, onProgress?: (minute: number) => void): Promise<FillResult> {
  const t0 = performance.now();
  const storage = openSqliteStorage({ path, retention: { rawMs: 3 * 86_400_000, rollupMs: 30 * 86_400_000 }, maintenanceIntervalMs: 0 });
  const random = prng(42);
  // The day ends at the start of the current minute: every minute of it is closed.
  const anchorMs = Math.floor(Date.now() / 60_000) * 60_000;
  const firstMs = anchorMs - spec.minutes * 60_000;
  const routes = ROUTES.slice(0, spec.routes);
  const instances = Array.from({ length: spec.instances }, (_, i) => `${SERVICE}-${i}`);
  const smallServices = [
    { service: 'billing-worker', routes: ['POST /jobs/invoice', 'POST /jobs/refund'] },
    { service: 'auth-service', routes: ['POST /token', 'GET /jwks'] },
  ];
  const traceIds: string[] = [];
  const counts = { requestPoints: 0, routeSums: 0, gauges: 0, spans: 0, events: 0 };
  const perRoute = spec.requestsPerMinute;
  // Instance 3 restarts at 14:00 into the day (a new instance id on the same host).
  const restartMinute = Math.min(spec.minutes - 1, 14 * 60);

  for (let m = 0; m < spec.minutes; m++) {
    const minuteStart = firstMs + m * 60_000;
    const minuteEnd = minuteStart + 60_000;
    const batch = emptyBatch();
    const ids = instances.map((id, i) => (i === 3 && m >= restartMinute ? `${id}-r1` : id));
    for (const [i, instanceId] of ids.entries()) {
      if (m === 0 || (i === 3 && m === restartMinute)) {
        batch.instances.push(instanceSeen(SERVICE, instanceId, `host-${i % 2}`, 1000 + i + (m > 0 ? 100 : 0), minuteStart));
        batch.events.push(startEvent(SERVICE, instanceId, minuteStart + 500));
      } else if (m % 5 === 0) {
        batch.instances.push(instanceSeen(SERVICE, instanceId, `host-${i % 2}`, 1000 + i, minuteStart));
      }
      for (const [r, route] of routes.entries()) {
        const samples = Array.from({ length: perRoute }, () => lognormalSeconds(random, 15 + r * 4));
        const errors = random() < 0.3 ? 1 : 0;
        // Request points carry the transaction name as the receiver names them (method + route).
        const common = { service: SERVICE, instanceId, route, timeNs: ns(minuteEnd) };
        const request: RequestPoint = {
          ...common, method: route.split(' ')[0] as string, statusCode: 200, error: false,
          count: perRoute - errors, sumSeconds: samples.reduce((a, b) => a + b, 0), minSeconds: Math.min(...samples), maxSeconds: Math.max(...samples),
          distribution: distributionOf(samples),
        };
        batch.requests.push(request);
        if (errors > 0) {
          batch.requests.push({ ...request, statusCode: 500, error: true, count: errors, sumSeconds: 0.2, minSeconds: 0.2, maxSeconds: 0.2, distribution: distributionOf([0.2]) });
        }
        const sums: RouteSumPoint[] = (['queue_wait', 'body_read', 'response_write', 'request_bytes', 'response_bytes'] as const).map((metric) => ({
          ...common, metric, count: perRoute, sum: metric.endsWith('bytes') ? perRoute * 1500 * random() : perRoute * 0.004 * random(), max: null,
        }));
        batch.routeSums.push(...sums);
      }
      for (const metric of GAUGES) {
        const v = metric.startsWith('memory') ? 1.5e8 + random() * 5e7 : metric.startsWith('http') ? random() * 30 : random() * 0.05;
        const g: GaugePoint = { service: SERVICE, instanceId, metric, timeNs: ns(minuteEnd - 1000), count: 20, sum: v * 20, min: v * 0.9, max: v * 1.1, last: v };
        batch.gauges.push(g);
      }
      // Sampled traces, spread over the minute; a stall every ~10 minutes per instance.
      const traces = Math.round(spec.tracesPerSecond * 60);
      const stallAt = random() < 0.1 ? Math.floor(random() * traces) : -1;
      for (let t = 0; t < traces; t++) {
        const route = routes[Math.floor(random() * routes.length)] as string;
        const startMs = minuteStart + (t * 60_000) / traces;
        const stallMs = t === stallAt ? 100 + Math.round(random() * 400) : null;
        const spans = traceSpans(random, SERVICE, instanceId, route, startMs, stallMs);
        batch.spans.push(...spans);
        if (random() < 0.002) traceIds.push(spans[0]?.traceId as string);
        if (stallMs !== null) {
          const stall = spans[spans.length - 1] as SpanRecord;
          const attrs: Attributes = { 'headroom.stall.duration_ms': stallMs, 'code.function': 'renderReport', 'code.filepath': '/app/src/reports.js', 'code.lineno': 88, 'http.route': stall.route };
          batch.events.push({
            service: SERVICE, instanceId, type: 'stall', timeNs: stall.endNs, traceId: stall.traceId, spanId: stall.spanId,
            route: stall.route, durationMs: stallMs, message: null, attributes: attrs,
          });
        }
      }
    }
    for (const [s, small] of smallServices.entries()) {
      const instanceId = `${small.service}-0`;
      if (m === 0) {
        batch.instances.push(instanceSeen(small.service, instanceId, 'host-2', 2000 + s, minuteStart));
        batch.events.push(startEvent(small.service, instanceId, minuteStart + 500));
      }
      for (const route of small.routes) {
        const samples = Array.from({ length: 20 }, () => lognormalSeconds(random, 30));
        batch.requests.push({
          service: small.service, instanceId, route, method: route.split(' ')[0] as string, statusCode: 200, error: false,
          timeNs: ns(minuteEnd), count: samples.length, sumSeconds: samples.reduce((a, b) => a + b, 0), minSeconds: Math.min(...samples),
          maxSeconds: Math.max(...samples), distribution: distributionOf(samples),
        });
      }
    }
    // storefront: deploy k starts at minute k × every, its process i a minute after process i − 1,
    // each replacing the previous deploy's process i; 100 requests a process and minute.
    const deploys = spec.deploys ?? 0;
    const every = Math.floor(spec.minutes / Math.max(1, deploys));
    for (let i = 0; i < (deploys > 0 ? DEPLOYED_PROCESSES : 0); i++) {
      const k = Math.min(deploys - 1, Math.floor(Math.max(0, m - i) / every));
      const instanceId = `${DEPLOYED_SERVICE}-${k}-${i}`;
      const startMinute = k === 0 ? 0 : k * every + i;
      if (m === startMinute || m % 5 === 0) {
        batch.instances.push(instanceSeen(DEPLOYED_SERVICE, instanceId, `host-${3 + i}`, 3000 + k * 10 + i, m === startMinute ? minuteStart : minuteStart + 59_000, `1.${k}.0`));
      }
      const samples = Array.from({ length: 100 }, () => lognormalSeconds(random, k % 7 === 3 ? 60 : 30));
      batch.requests.push({
        service: DEPLOYED_SERVICE, instanceId, route: 'GET /products/:id', method: 'GET', statusCode: 200, error: false,
        timeNs: ns(minuteEnd), count: samples.length, sumSeconds: samples.reduce((a, b) => a + b, 0), minSeconds: Math.min(...samples),
        maxSeconds: Math.max(...samples), distribution: distributionOf(samples),
      });
      // A scanner's fast 404s on unknown paths (no route matched: the method alone), which the
      // deployments' error rates leave out (store/error-rate.ts), every process every minute.
      const probes = [0.001, 0.0012, 0.0009];
      batch.requests.push({
        service: DEPLOYED_SERVICE, instanceId, route: 'GET', method: 'GET', statusCode: 404, error: false,
        timeNs: ns(minuteEnd), count: probes.length, sumSeconds: 0.0031, minSeconds: 0.0009, maxSeconds: 0.0012, distribution: distributionOf(probes),
      });
    }
    counts.requestPoints += batch.requests.length;
    counts.routeSums += batch.routeSums.length;
    counts.gauges += batch.gauges.length;
    counts.spans += batch.spans.length;
    counts.events += batch.events.length;
    while (!storage.enqueue(batch)) await storage.flush();
    if (m % 60 === 59) {
      await storage.flush();
      onProgress?.(m + 1);
    }
  }
  await storage.flush();
  await storage.runMaintenance();
  await storage.close();
  return { anchorMs, spec, traceIds, counts, fillMs: performance.now() - t0 };
}
