// bench/agent-overhead — what an agent costs the app it watches.
//
// The same express 5 app (bench/agent-overhead/app.js) three ways, one after the other in one
// run: no agent; plain OpenTelemetry auto-instrumentation with its default settings
// (`--require @opentelemetry/auto-instrumentations-node/register`, OTLP http/protobuf to a
// running Headroom collector); Headroom's agent (`--require ./agent/dist/register.js`,
// everything on, to the same collector). For each, two routes: hello world (`/`) and 2 ms of
// async work (`/async`). The app is pinned to core 1 (`taskset -c 1`); this process — autocannon
// (programmatic) — and the collector are pinned to core 0.
//
// Per variant and route: throughput at saturation (autocannon, 50 connections, 10 s after a
// 3 s warm-up) and the app's CPU per request at a fixed rate (autocannon overallRate 3000 req/s
// for 10 s; utime+stime from /proc/<pid>/stat ÷ requests answered), and the app's RSS after
// both. Printed as ratios against the bare app of the same round; with --rounds N the variants
// are run N times in turn and the median of each figure is shown (the machine is shared).
//
// Reproduce (about 2.5 min per round; `npm run bench:agent` builds collector/ and agent/ dist first):
//   npm run bench:agent
//   node --import tsx bench/agent-overhead/main.ts [--rounds 1] [--seconds 10] [--rate 3000] [--diagnose] [--app fastify]
// --app fastify runs the same routes on fastify 5 (app-fastify.js) instead of express 5.
// --diagnose adds three variants that split the cost: OpenTelemetry with OTEL_TRACES_SAMPLER=always_off
// (instrumentation without span recording), Headroom with OTEL_NODE_ENABLED_INSTRUMENTATIONS=http,
// and Headroom with HEADROOM_STALL_ATTRIBUTION=false (no watchdog thread).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { flagArg, fmt, machineLine, mb, numberArg, sleep, table } from '../common/report';
import { APP_ARG, APP_LABEL, cpuTicks, freePort, rssBytes, standardVariants, startApp, startCollector, stop, waitFor, type Variant } from './processes';
const SECONDS = numberArg('seconds', 10);
const WARMUP_SECONDS = 3;
const CONNECTIONS = 50;
const RATE = numberArg('rate', 3000);
const ROUNDS = numberArg('rounds', 1);
/** Adds variants that split the cost: OTel with spans off, Headroom with only the http instrumentation. */
const DIAGNOSE = flagArg('diagnose');
const CLK_TCK = 100; // Linux USER_HZ; /proc/<pid>/stat times are in these ticks

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no types; this is the part of its programmatic API used here.
const autocannon = createRequire(__filename)('autocannon') as Autocannon;

interface RouteFigures {
  reqPerSec: number;
  saturationErrors: number;
  cpuUsPerRequest: number;
  fixedRateAnswered: number;
  latencyP99AtRate: number;
}

interface VariantFigures {
  hello: RouteFigures;
  async: RouteFigures;
  rssAfter: number;
  rssIdle: number;
}

async function measureRoute(base: string, route: string, pid: number): Promise<RouteFigures> {
  const url = base + route;
  await autocannon({ url, connections: CONNECTIONS, duration: WARMUP_SECONDS });
  const saturation = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
  await sleep(500);
  const ticks0 = cpuTicks(pid);
  const fixed = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, overallRate: RATE });
  const ticks1 = cpuTicks(pid);
  const answered = fixed['2xx'];
  return {
    reqPerSec: saturation['2xx'] / saturation.duration,
    saturationErrors: saturation.errors + saturation.timeouts + saturation.non2xx,
    cpuUsPerRequest: (((ticks1 - ticks0) / CLK_TCK) * 1e6) / Math.max(1, answered),
    fixedRateAnswered: answered / fixed.duration,
    latencyP99AtRate: fixed.latency.p99,
  };
}

async function runVariant(variant: Variant): Promise<VariantFigures> {
  const port = await freePort();
  const child = startApp(variant, port);
  const pid = child.pid as number; // taskset execs node: same pid
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor(base + '/', `${variant.name} app`, child);
    await sleep(1000);
    const rssIdle = rssBytes(pid);
    const hello = await measureRoute(base, '/', pid);
    const asyncRoute = await measureRoute(base, '/async', pid);
    return { hello, async: asyncRoute, rssAfter: rssBytes(pid), rssIdle };
  } finally {
    await stop(child);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main(): Promise<void> {
  // This process drives the load: keep it (all its threads) on core 0, away from the app.
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });

  const dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-bench-agent-'));
  const { child: collector, endpoint, httpUrl: collectorUrl } = await startCollector(path.join(dir, 'headroom.db'));
  const variants: Variant[] = standardVariants(endpoint);
  if (DIAGNOSE) {
    variants.push(
      {
        name: 'diag: OTel, sampler always_off',
        nodeArgs: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
        env: { OTEL_SERVICE_NAME: 'bench-otel-off', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_TRACES_SAMPLER: 'always_off' },
      },
      {
        name: 'diag: Headroom, http instr. only',
        nodeArgs: ['--require', './agent/dist/register.js'],
        env: { OTEL_SERVICE_NAME: 'bench-headroom-http', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http' },
      },
      {
        name: 'diag: Headroom, no stall attribution',
        nodeArgs: ['--require', './agent/dist/register.js'],
        env: { OTEL_SERVICE_NAME: 'bench-headroom-unattributed', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, HEADROOM_STALL_ATTRIBUTION: 'false' },
      },
    );
  }
  const results = new Map<string, VariantFigures[]>(variants.map((v) => [v.name, []]));
  let serviceLine: string;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of variants) {
        process.stderr.write(`round ${round + 1}/${ROUNDS}: ${variant.name} …\n`);
        results.get(variant.name)?.push(await runVariant(variant));
      }
    }
    await sleep(4000); // one more metric export interval from the last app has landed by now
    const services = await new Promise<string>((resolve, reject) => {
      http.get(`${collectorUrl}/api/services?range=1h`, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
    const parsed = JSON.parse(services) as { services?: { service?: string; name?: string; throughput?: number; requests?: number; count?: number }[] };
    serviceLine = (parsed.services ?? []).map((s) => s.service ?? s.name).join(', ');
  } finally {
    await stop(collector);
    rmSync(dir, { recursive: true, force: true });
  }

  const figure = (name: string, pick: (f: VariantFigures) => number): number => median((results.get(name) ?? []).map(pick));
  const bare = variants[0]?.name as string;
  const rows = variants.map((v) => {
    const hello = figure(v.name, (f) => f.hello.reqPerSec);
    const asyncRps = figure(v.name, (f) => f.async.reqPerSec);
    const cpuHello = figure(v.name, (f) => f.hello.cpuUsPerRequest);
    const cpuAsync = figure(v.name, (f) => f.async.cpuUsPerRequest);
    const rss = figure(v.name, (f) => f.rssAfter);
    const ratio = (x: number, b: number): string => (v.name === bare ? '1.00' : fmt(x / b, 2));
    const pctOf = (x: number, b: number): string => (v.name === bare ? '100 %' : `${fmt((100 * x) / b)} %`);
    return [
      v.name,
      `${fmt(hello)} (${pctOf(hello, figure(bare, (f) => f.hello.reqPerSec))})`,
      `${fmt(asyncRps)} (${pctOf(asyncRps, figure(bare, (f) => f.async.reqPerSec))})`,
      `${fmt(cpuHello)} µs (${ratio(cpuHello, figure(bare, (f) => f.hello.cpuUsPerRequest))}×)`,
      `${fmt(cpuAsync)} µs (${ratio(cpuAsync, figure(bare, (f) => f.async.cpuUsPerRequest))}×)`,
      `${mb(rss)} (${v.name === bare ? '—' : `+${fmt((rss - figure(bare, (f) => f.rssAfter)) / 1048576)} MB`})`,
    ];
  });

  console.log(`bench/agent-overhead — ${APP_LABEL}, no agent vs OpenTelemetry auto-instrumentation vs Headroom agent`);
  console.log(machineLine());
  console.log(
    `app on core 1, autocannon + collector on core 0; saturation: ${CONNECTIONS} connections, ${SECONDS} s after ${WARMUP_SECONDS} s warm-up; ` +
      `CPU per request at ${fmt(RATE)} req/s for ${SECONDS} s; ${ROUNDS} round(s)${ROUNDS > 1 ? ', medians' : ''}`,
  );
  console.log('');
  console.log(table(['variant', 'hello req/s', '2 ms-async req/s', 'CPU/req hello', 'CPU/req async', 'RSS after'], rows));
  console.log('');
  for (const v of variants) {
    const runs = results.get(v.name) ?? [];
    const detail = runs.map((r) =>
      `hello ${fmt(r.hello.fixedRateAnswered)} req/s answered at the fixed rate (p99 ${r.hello.latencyP99AtRate} ms), ` +
      `async ${fmt(r.async.fixedRateAnswered)} req/s (p99 ${r.async.latencyP99AtRate} ms), errors ${r.hello.saturationErrors + r.async.saturationErrors}, ` +
      `RSS idle ${mb(r.rssIdle)}`).join(' | ');
    console.log(`${v.name}: ${detail}`);
  }
  const short = variants.filter((v) =>
    (results.get(v.name) ?? []).some((r) => Math.min(r.hello.fixedRateAnswered, r.async.fixedRateAnswered) < 0.95 * RATE),
  );
  if (short.length > 0) {
    console.log(
      `note: ${short.map((v) => v.name).join(', ')} did not sustain ${fmt(RATE)} req/s, so their CPU per request was taken at ` +
        'saturation; rerun with a lower --rate that every variant sustains for the steadier figure',
    );
  }
  console.log(`services the collector saw: ${serviceLine || '(none)'}`);
  const hr = variants[2]?.name as string;
  const goals: [string, boolean][] = [
    [`hello-world throughput ≥ 80 % of bare: ${fmt((100 * figure(hr, (f) => f.hello.reqPerSec)) / figure(bare, (f) => f.hello.reqPerSec))} %`,
      figure(hr, (f) => f.hello.reqPerSec) >= 0.8 * figure(bare, (f) => f.hello.reqPerSec)],
    [`2 ms-route throughput ≥ 95 % of bare: ${fmt((100 * figure(hr, (f) => f.async.reqPerSec)) / figure(bare, (f) => f.async.reqPerSec))} %`,
      figure(hr, (f) => f.async.reqPerSec) >= 0.95 * figure(bare, (f) => f.async.reqPerSec)],
    [`CPU per request ≤ 1.3× bare (hello): ${fmt(figure(hr, (f) => f.hello.cpuUsPerRequest) / figure(bare, (f) => f.hello.cpuUsPerRequest), 2)}×`,
      figure(hr, (f) => f.hello.cpuUsPerRequest) <= 1.3 * figure(bare, (f) => f.hello.cpuUsPerRequest)],
    [`extra RSS ≤ 30 MB: +${fmt((figure(hr, (f) => f.rssAfter) - figure(bare, (f) => f.rssAfter)) / 1048576)} MB`,
      figure(hr, (f) => f.rssAfter) - figure(bare, (f) => f.rssAfter) <= 30 * 1048576],
  ];
  for (const [text, met] of goals) console.log(`goal ${text} — ${met ? 'met' : 'MISSED'}`);
  console.log(`reproduce: node --import tsx bench/agent-overhead/main.ts --rounds ${ROUNDS} --seconds ${SECONDS} --rate ${RATE}${DIAGNOSE ? ' --diagnose' : ''}${APP_ARG}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
