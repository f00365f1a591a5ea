// bench/agent-overhead/interleaved.ts — throughput ratios that hold on a shared machine.
//
// main.ts runs the variants one after the other, minutes apart; on a shared machine whose speed
// drifts by ±20 % within minutes its figures move by as much between runs. Here every variant's
// app runs at once, all pinned to core 1 and idle but for the one being loaded: short
// saturation bursts (autocannon, 50 connections) go to each variant in turn, round after round,
// and each variant's throughput is divided by bare's in the same round. The median of those
// ratios moved by about ±3 % between runs where main.ts's moved by ±10 %. (An idle app on the
// same core costs the loaded one its timers' wake-ups: a little, alike for all variants.)
//
// With --diagnose, variants that split Headroom's cost: the floor (an AsyncLocalStorage entered
// per request and nothing else, context-floor.js), no request instrumentation at all
// (OTEL_NODE_DISABLED_INSTRUMENTATIONS=http,express), its own request path with both trace
// budgets at 0 (every request light), each trace budget alone (10 sampled traces/s; 20
// recorded, unsampled traces/s), the default budgets without express layer spans, and without
// the stall watchdog thread (HEADROOM_STALL_ATTRIBUTION=false).
//
// With --also <dir> (repeatable): one more Headroom variant per directory holding another build
// of the agent (a copy of agent/dist with agent/package.json beside it, placed under this
// repository so it finds the same node_modules), to compare two builds in the same rounds;
// --skip-otel leaves plain OpenTelemetry out of such a comparison.
//
// Reproduce (builds first; about 20 s per variant and round):
//   npx tsc -b && node --import tsx bench/agent-overhead/interleaved.ts [--rounds 8] [--seconds 2] [--route /] [--rate N] [--connections 50] [--diagnose] [--also <dir>] [--skip-otel] [--app fastify]
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { flagArg, fmt, machineLine, numberArg, sleep, table } from '../common/report';
import { APP_ARG, APP_LABEL, cpuNs, freePort, standardVariants, startApp, startCollector, stop, waitFor, type Variant } from './processes';

const ROUNDS = numberArg('rounds', 8);
const SECONDS = numberArg('seconds', 2);
// With fewer connections a route that waits (--route /async) is bound by its latency, not by
// the app's CPU: what the agent costs then shows as latency, if at all.
const CONNECTIONS = numberArg('connections', 50);
const DIAGNOSE = flagArg('diagnose');
// With --rate N: each burst sends N req/s instead of saturating, and the figure is the app's
// CPU time per request (all its threads, from the scheduler's accounting).
const RATE = numberArg('rate', 0);
const ROUTE = ((): string => {
  const i = process.argv.indexOf('--route');
  return i >= 0 ? (process.argv[i + 1] ?? '/') : '/';
})();

interface AutocannonResult {
  '2xx': number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no types; this is the part of its programmatic API used here.
const autocannon = createRequire(__filename)('autocannon') as Autocannon;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function diagnosticVariants(endpoint: string): Variant[] {
  const headroom = (name: string, env: Record<string, string>): Variant => ({
    name,
    nodeArgs: ['--require', './agent/dist/register.js'],
    env: { OTEL_SERVICE_NAME: 'bench-headroom-diag', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, ...env },
  });
  const light = { HEADROOM_TRACES_PER_SECOND: '0', HEADROOM_RECORDED_TRACES_PER_SECOND: '0' };
  return [
    { name: 'floor: context propagation only', nodeArgs: ['--require', './bench/agent-overhead/context-floor.js'], env: {} },
    headroom('diag: Headroom, no request instrumentation', { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http,express' }),
    headroom('diag: Headroom, light requests', light),
    headroom('diag: Headroom, sampled budget only', { HEADROOM_RECORDED_TRACES_PER_SECOND: '0' }),
    headroom('diag: Headroom, recorded budget only', { HEADROOM_TRACES_PER_SECOND: '0' }),
    headroom('diag: Headroom, no express layer spans', { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express' }),
    headroom('diag: Headroom, no stall attribution', { HEADROOM_STALL_ATTRIBUTION: 'false' }),
  ];
}

function otherBuilds(endpoint: string): Variant[] {
  const dirs = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--also' ? [path.resolve(a)] : []));
  return dirs.map((dir) => ({
    name: `Headroom agent, build in ${path.relative(process.cwd(), dir) || dir}`,
    nodeArgs: ['--require', path.join(dir, 'dist', 'register.js')],
    env: { OTEL_SERVICE_NAME: 'bench-headroom-also', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
  }));
}

/** Requests per second at saturation, or with --rate the app's CPU µs per request. */
async function burst(url: string, pid: number): Promise<number> {
  if (RATE === 0) {
    const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
    return r['2xx'] / r.duration;
  }
  const cpu0 = cpuNs(pid);
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, overallRate: RATE });
  return (cpuNs(pid) - cpu0) / 1000 / r['2xx'];
}

async function main(): Promise<void> {
  execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-bench-interleaved-'));
  const collector = await startCollector(path.join(dir, 'headroom.db'));
  const standard = standardVariants(collector.endpoint).filter((v) => !(flagArg('skip-otel') && v.name.startsWith('OpenTelemetry')));
  const variants = [...standard, ...otherBuilds(collector.endpoint), ...(DIAGNOSE ? diagnosticVariants(collector.endpoint) : [])];
  const apps: { variant: Variant; child: ChildProcess; url: string }[] = [];
  const perRound = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  try {
    for (const variant of variants) {
      const port = await freePort();
      const child = startApp(variant, port);
      apps.push({ variant, child, url: `http://127.0.0.1:${port}${ROUTE}` });
      await waitFor(`http://127.0.0.1:${port}/`, variant.name, child);
    }
    for (const app of apps) await autocannon({ url: app.url, connections: CONNECTIONS, duration: 3 }); // JIT warm-up
    for (let round = 0; round < ROUNDS; round++) {
      process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
      for (const app of apps) perRound.get(app.variant.name)?.push(await burst(app.url, app.child.pid as number));
      await sleep(200);
    }
  } finally {
    for (const app of apps) await stop(app.child);
    await stop(collector.child);
    rmSync(dir, { recursive: true, force: true });
  }

  const bare = perRound.get(variants[0]?.name as string) ?? [];
  const asRatio = (r: number): string => (RATE === 0 ? `${fmt(100 * r)} %` : `${r.toFixed(2)}×`);
  const rows = variants.map((v) => {
    const values = perRound.get(v.name) ?? [];
    const ratios = values.map((x, i) => x / (bare[i] ?? Number.NaN));
    return [v.name, RATE === 0 ? fmt(median(values)) : median(values).toFixed(1), asRatio(median(ratios)), `${asRatio(Math.min(...ratios))}–${asRatio(Math.max(...ratios))}`];
  });
  const figure = RATE === 0 ? 'throughput at saturation' : `app CPU per request at ${RATE} req/s`;
  console.log(`bench/agent-overhead/interleaved — ${APP_LABEL}, route ${ROUTE}: ${figure}, each variant against bare in the same round`);
  console.log(machineLine());
  console.log(`all apps on core 1 at once, autocannon + collector on core 0; ${ROUNDS} rounds of ${SECONDS} s bursts, ${CONNECTIONS} connections`);
  console.log('');
  console.log(table(['variant', RATE === 0 ? 'median req/s' : 'median CPU µs/request', 'median ratio to bare', 'ratio range'], rows));
  console.log('');
  console.log(`reproduce: node --import tsx bench/agent-overhead/interleaved.ts --rounds ${ROUNDS} --seconds ${SECONDS} --route ${ROUTE}${RATE ? ` --rate ${RATE}` : ''}${CONNECTIONS !== 50 ? ` --connections ${CONNECTIONS}` : ''}${DIAGNOSE ? ' --diagnose' : ''}${process.argv.includes('--also') ? ' --also <dir>…' : ''}${flagArg('skip-otel') ? ' --skip-otel' : ''}${APP_ARG}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
