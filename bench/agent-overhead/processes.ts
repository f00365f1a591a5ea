// The processes bench/agent-overhead runs: a collector for the agents to send to, and the app
// (express, or fastify with --app fastify) under each variant, pinned to core 1. Shared by
// main.ts and interleaved.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sleep } from '../common/report';

export const ROOT = path.join(__dirname, '..', '..');

/** The apps under test, each a hello world (`/`) and 2 ms of async work (`/async`). */
const APPS = {
  express: { file: 'app.js', label: 'express 5 app' },
  fastify: { file: 'app-fastify.js', label: 'fastify 5 app' },
} as const;
type AppName = keyof typeof APPS;

/** `--app express` (the default) or `--app fastify`: which app main.ts and interleaved.ts load. */
export const APP_NAME: AppName = ((): AppName => {
  const i = process.argv.indexOf('--app');
  const name = i >= 0 ? process.argv[i + 1] : 'express';
  if (name !== 'express' && name !== 'fastify') throw new Error(`--app ${String(name)}: express or fastify`);
  return name;
})();
export const APP_LABEL = APPS[APP_NAME].label;
/** The option to repeat in a benchmark's "reproduce" line. */
export const APP_ARG = APP_NAME === 'express' ? '' : ` --app ${APP_NAME}`;

export interface Variant {
  name: string;
  nodeArgs: string[];
  env: Record<string, string>;
}

/** bare, plain OpenTelemetry auto-instrumentation (defaults), Headroom's agent (defaults). */
export function standardVariants(endpoint: string): Variant[] {
  return [
    { name: 'bare', nodeArgs: [], env: {} },
    {
      name: 'OpenTelemetry auto-instrumentation',
      nodeArgs: ['--require', '@opentelemetry/auto-instrumentations-node/register'],
      env: { OTEL_SERVICE_NAME: 'bench-otel', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    },
    {
      name: 'Headroom agent',
      nodeArgs: ['--require', './agent/dist/register.js'],
      env: { OTEL_SERVICE_NAME: 'bench-headroom', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
    },
  ];
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export function cpuTicks(pid: number): number {
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * CPU time of all the process's live threads in ns, from the scheduler's own accounting
 * (/proc/<pid>/task/<tid>/schedstat): exact, where /proc/<pid>/stat counts 10 ms ticks.
 */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return total;
}

export function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

export function getStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', () => resolve(0));
  });
}

export async function waitFor(url: string, what: string, child?: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child?.exitCode !== null && child?.exitCode !== undefined) throw new Error(`${what} exited with ${child.exitCode}`);
    if ((await getStatus(url)) === 200) return;
    await sleep(100);
  }
  throw new Error(`${what} did not answer ${url} within 30 s`);
}

export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

let appDir: string | undefined;
/**
 * The app in a folder of its own that has its framework and nothing else, as a hello-world app
 * is installed. Run from this repository it would see the root node_modules (pg, mysql2,
 * fastify, …) and the agents would load those packages' instrumentations too.
 */
function appFolder(): string {
  if (appDir) return appDir;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'headroom-bench-app-'));
  mkdirSync(path.join(dir, 'node_modules'));
  symlinkSync(path.join(ROOT, 'node_modules', APP_NAME), path.join(dir, 'node_modules', APP_NAME), 'dir');
  copyFileSync(path.join(__dirname, APPS[APP_NAME].file), path.join(dir, 'app.js'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  appDir = dir;
  return dir;
}

/** A `--require` of a variant as an absolute path: the app no longer runs from ROOT. */
function preload(arg: string): string {
  if (arg.startsWith('./')) return path.join(ROOT, arg);
  if (arg.startsWith('-') || path.isAbsolute(arg)) return arg;
  return createRequire(path.join(ROOT, 'package.json')).resolve(arg);
}

/** The app under one variant on core 1; answers on `base` once `waitFor` passes. */
export function startApp(variant: Variant, port: number): ChildProcess {
  const dir = appFolder();
  return spawn('taskset', ['-c', '1', process.execPath, ...variant.nodeArgs.map(preload), path.join(dir, 'app.js')], {
    cwd: dir,
    env: { ...process.env, ...variant.env, PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** A collector on core 0 with a throw-away database; its OTLP endpoint and HTTP URL. */
export async function startCollector(dbPath: string): Promise<{ child: ChildProcess; endpoint: string; httpUrl: string }> {
  const otlpPort = await freePort();
  const httpPort = await freePort();
  const child = spawn(
    'taskset',
    ['-c', '0', process.execPath, path.join(ROOT, 'collector/dist/cli.js'), 'start', '--db', dbPath, '--otlp-port', String(otlpPort), '--http-port', String(httpPort)],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  await waitFor(`${httpUrl}/healthz`, 'collector', child);
  return { child, endpoint: `http://127.0.0.1:${otlpPort}`, httpUrl };
}
