// bench/agent-overhead/instructions.ts — CPU per request as instructions, which a shared machine
// does not disturb.
//
// main.ts and interleaved.ts time the app; on this machine (2 shared vCPUs, no hardware
// counters) what else runs moves those figures by ±20 %, and by far more when another
// benchmark or a build shares the cores. Here each variant's app runs under valgrind's
// callgrind, which counts the instructions it executes (all threads: JIT, GC and the agent's
// watchdog included) whatever the machine is doing: the same window measured twice agrees to
// about 1 %. Counting is switched on only after a warm-up (the JIT's tiers settled), then:
//   - an idle window: what the process executes per second with no request (timers, exports);
//   - windows of a fixed number of requests: instructions per request, less the idle rate over
//     the window's length (valgrind runs the app ~50× slower, so per-second work must not be
//     charged to the requests as it would be at real speed).
// Headroom's trace budgets are per second, so at valgrind's ~30 req/s every request would be
// traced. Its cost is measured in parts instead: every request light (both budgets 0), every
// request sampled, every request recorded; the figure at a real rate R is then
//   light + (10/R)·(sampled − light) + (20/R)·(recorded − light) + idle/R
// for the default budgets (10 sampled and 20 recorded traces a second), and bare + idle/R for
// the app alone. Plain OpenTelemetry traces every request at any rate, so it is measured as it is.
//
// The stall threshold is raised to 60 s for the agent (valgrind stretches every callback).
// Instructions are not time: cache misses and other stalls do not count, so this is a proxy for
// CPU, the one that does not move. It needs valgrind (Debian: apt-get install valgrind).
//
// Reproduce (builds first; about 4 minutes a variant):
//   npx tsc -b && node --import tsx bench/agent-overhead/instructions.ts [--route /] [--requests 1500] [--rate 1500] [--only bare,light,...]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fmt, machineLine, numberArg, sleep, table } from '../common/report';
import { APP, freePort, ROOT, startCollector, stop, waitFor } from './processes';

const ROUTE = ((): string => {
  const i = process.argv.indexOf('--route');
  return i >= 0 ? (process.argv[i + 1] ?? '/') : '/';
})();
const ONLY = ((): string[] | null => {
  const i = process.argv.indexOf('--only');
  return i >= 0 ? (process.argv[i + 1] ?? '').split(',') : null;
})();
const REQUESTS = numberArg('requests', 1500);
const WINDOWS = numberArg('windows', 2);
const WARMUP = numberArg('warmup', 6000);
const IDLE_SECONDS = numberArg('idle-seconds', 15);
// The real rate the combined figures are for: main.ts's fixed rate.
const RATE = numberArg('rate', 1500);
const DEFAULT_SAMPLED_PER_SECOND = 10;
const DEFAULT_RECORDED_PER_SECOND = 20;

interface AutocannonResult {
  '2xx': number;
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
// autocannon ships no types; this is the part of its programmatic API used here.
const autocannon = createRequire(__filename)('autocannon') as Autocannon;

interface Part {
  key: string;
  name: string;
  nodeArgs: string[];
  env: Record<string, string>;
}

function parts(endpoint: string): Part[] {
  const headroom = (key: string, name: string, env: Record<string, string>): Part => ({
    key,
    name,
    nodeArgs: ['--require', './agent/dist/register.js'],
    // Under valgrind every callback takes ~50× its time: at the default 100 ms threshold the
    // slowed app would "stall" all the time and pay for snapshots it never takes at real speed.
    env: { OTEL_SERVICE_NAME: 'bench-instructions', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, HEADROOM_STALL_THRESHOLD_MS: '60000', ...env },
  });
  const all: Part[] = [
    { key: 'bare', name: 'bare', nodeArgs: [], env: {} },
    headroom('light', 'Headroom, every request light', { HEADROOM_TRACES_PER_SECOND: '0', HEADROOM_RECORDED_TRACES_PER_SECOND: '0' }),
    headroom('sampled', 'Headroom, every request sampled', { HEADROOM_TRACES_PER_SECOND: '100000', HEADROOM_RECORDED_TRACES_PER_SECOND: '0' }),
    headroom('recorded', 'Headroom, every request recorded', { HEADROOM_TRACES_PER_SECOND: '0', HEADROOM_RECORDED_TRACES_PER_SECOND: '100000' }),
    {
      key: 'otel',
      name: 'OpenTelemetry auto-instrumentation',
      nodeArgs: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
      env: { OTEL_SERVICE_NAME: 'bench-instructions-otel', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    },
  ];
  return ONLY ? all.filter((p) => ONLY.includes(p.key)) : all;
}

interface Measured {
  idlePerSecond: number;
  perRequest: number[];
}

function callgrindControl(args: string[]): void {
  execFileSync('callgrind_control', args, { stdio: 'ignore' });
}

/** Dumps the counts since the last dump and returns their total (the dump's `summary:` line). */
async function dumpTotal(pid: number, dir: string): Promise<number> {
  const before = new Set(readdirSync(dir));
  callgrindControl(['-d', String(pid)]);
  for (let i = 0; i < 600; i++) {
    const fresh = readdirSync(dir).filter((f) => !before.has(f) && f.startsWith(`cg.${pid}.`));
    for (const file of fresh) {
      const match = /^summary: (\d+)$/m.exec(readFileSync(path.join(dir, file), 'utf8'));
      if (match) return Number(match[1]);
    }
    await sleep(100);
  }
  throw new Error('callgrind wrote no dump within 60 s');
}

/**
 * Sends `amount` requests; returns how many were answered 2xx (the ones counted). A request
 * now and then times out while valgrind translates code anew: counted out, and fatal only in a
 * measured window that lost more than 1 %.
 */
async function requests(url: string, amount: number, measured: boolean): Promise<number> {
  const r = await autocannon({ url, connections: 10, amount, timeout: 120 });
  if (measured && r['2xx'] < 0.99 * amount) throw new Error(`${url}: ${r['2xx']} of ${amount} answered 2xx (${r.non2xx} other, ${r.errors} errors)`);
  return r['2xx'];
}

async function measure(part: Part, dir: string): Promise<Measured> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'valgrind',
    ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', `--callgrind-out-file=${dir}/cg.%p`, process.execPath, ...part.nodeArgs, APP],
    { cwd: ROOT, env: { ...process.env, ...part.env, PORT: String(port), NODE_ENV: 'production' }, stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const pid = child.pid as number;
  const url = `http://127.0.0.1:${port}${ROUTE}`;
  try {
    // Uninstrumented, valgrind still runs the app several times slower: minutes to start.
    for (let i = 0; ; i++) {
      try {
        await waitFor(`http://127.0.0.1:${port}/`, part.name, child);
        break;
      } catch (error) {
        if (i >= 10 || child.exitCode !== null) throw error;
      }
    }
    process.stderr.write(`${part.name}: warming up\n`);
    await requests(url, WARMUP, false);
    callgrindControl(['-i', 'on', String(pid)]);
    await requests(url, 300, false); // valgrind translates the code anew once counting is on
    await dumpTotal(pid, dir);
    let t0 = performance.now();
    await sleep(IDLE_SECONDS * 1000);
    const idlePerSecond = (await dumpTotal(pid, dir)) / ((performance.now() - t0) / 1000);
    const perRequest: number[] = [];
    for (let w = 0; w < WINDOWS; w++) {
      process.stderr.write(`${part.name}: window ${w + 1}/${WINDOWS}\n`);
      t0 = performance.now();
      const answered = await requests(url, REQUESTS, true);
      const seconds = (performance.now() - t0) / 1000;
      const total = await dumpTotal(pid, dir);
      perRequest.push((total - idlePerSecond * seconds) / answered);
    }
    return { idlePerSecond, perRequest };
  } finally {
    await stop(child);
  }
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

async function main(): Promise<void> {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-bench-instructions-'));
  const collector = await startCollector(path.join(dir, 'headroom.db'));
  const results = new Map<string, Measured>();
  const list = parts(collector.endpoint);
  try {
    for (const part of list) results.set(part.key, await measure(part, dir));
  } finally {
    await stop(collector.child);
    rmSync(dir, { recursive: true, force: true });
  }

  const k = (n: number): string => fmt(n / 1000, 0);
  const spread = (values: number[]): string => `${fmt((100 * (Math.max(...values) - Math.min(...values))) / mean(values), 1)} %`;
  const rows = list.map((part) => {
    const m = results.get(part.key) as Measured;
    return [part.name, k(mean(m.perRequest)), spread(m.perRequest), k(m.idlePerSecond)];
  });
  console.log(`bench/agent-overhead/instructions — express 5 app, route ${ROUTE}: instructions per request under callgrind (all threads)`);
  console.log(machineLine());
  console.log(`${WARMUP} requests of warm-up, then ${WINDOWS} windows of ${REQUESTS} requests (10 connections), less the idle rate over each window`);
  console.log('');
  console.log(table(['measured', 'k instructions / request', 'spread of windows', 'idle k instructions / s'], rows));

  const bare = results.get('bare');
  const light = results.get('light');
  const sampled = results.get('sampled');
  const recorded = results.get('recorded');
  const otel = results.get('otel');
  if (bare) {
    const at = (m: Measured, rate: number): number => mean(m.perRequest) + m.idlePerSecond / rate;
    const bareAt = at(bare, RATE);
    const combined: string[][] = [['bare', k(bareAt), '1.00×']];
    if (otel) combined.push(['OpenTelemetry auto-instrumentation', k(at(otel, RATE)), `${(at(otel, RATE) / bareAt).toFixed(2)}×`]);
    if (light && sampled && recorded) {
      const l = mean(light.perRequest);
      const headroom =
        l +
        (Math.min(DEFAULT_SAMPLED_PER_SECOND, RATE) / RATE) * (mean(sampled.perRequest) - l) +
        (Math.min(DEFAULT_RECORDED_PER_SECOND, RATE) / RATE) * (mean(recorded.perRequest) - l) +
        light.idlePerSecond / RATE;
      combined.push(['Headroom agent (default budgets)', k(headroom), `${(headroom / bareAt).toFixed(2)}×`]);
    }
    console.log('');
    console.log(`at ${RATE} req/s (per-second work shared among that many requests; Headroom: 10 sampled and 20 recorded traces a second, the rest light):`);
    console.log(table(['variant', 'k instructions / request', 'ratio to bare'], combined));
  }
  console.log('');
  console.log(`reproduce: node --import tsx bench/agent-overhead/instructions.ts --route ${ROUTE} --requests ${REQUESTS} --windows ${WINDOWS} --rate ${RATE}${ONLY ? ` --only ${ONLY.join(',')}` : ''}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
