// Process-level test harness for the agent: the real collector (startCollector on ports 0,
// SQLite in a temp dir), apps run as child processes under the built agent, and polling of
// the collector's HTTP API until the data arrives.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TraceResponse, TracesResponse, TransactionsResponse } from '../../../collector/src/api-types';
import { startCollector, type RunningCollector } from '../../../collector/src/server';

export const REPO = resolve(__dirname, '../../..');
export const REGISTER = join(REPO, 'agent/dist/register.js');
export const FIXTURES = join(__dirname, '../fixtures');

export interface TestCollector {
  collector: RunningCollector;
  api<T>(path: string): Promise<T>;
  close(): Promise<void>;
}

/** A port free on 127.0.0.1 right now: for a collector started later, at an address the app already sends to. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A collector on a temporary database; `ingestToken`: OTLP requests must carry it. */
export async function startTestCollector(options: { ingestToken?: string; otlpPort?: number } = {}): Promise<TestCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'headroom-agent-test-'));
  const collector = await startCollector({ dbPath: join(dir, 'headroom.db'), otlpPort: options.otlpPort ?? 0, httpPort: 0, ingestToken: options.ingestToken ?? null });
  return {
    collector,
    async api<T>(path: string): Promise<T> {
      await collector.storage.flush();
      const res = await fetch(`${collector.httpUrl}${path}`);
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    async close() {
      await collector.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RunningApp {
  child: ChildProcess;
  port: number;
  base: string;
  stderr: () => string;
  stdout: () => string;
  /** Sends a signal (default SIGTERM) and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const LISTEN_TIMEOUT_MS = 45_000;

export function runApp(script: string, env: Record<string, string>, options: { agent?: boolean; waitForListen?: boolean; nodeArgs?: string[] } = {}): Promise<RunningApp> {
  const args = [...(options.nodeArgs ?? []), ...(options.agent === false ? [script] : ['--require', REGISTER, script])];
  const child = spawn(process.execPath, args, {
    cwd: FIXTURES,
    env: { PATH: process.env.PATH ?? '', OTEL_METRIC_EXPORT_INTERVAL: '500', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) =>
    child.on('exit', (code, signal) => resolveExit({ code, signal })),
  );
  const app = (port: number): RunningApp => ({
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    stderr: () => err,
    stdout: () => out,
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  });
  if (options.waitForListen === false) return Promise.resolve(app(0));
  return new Promise((resolveApp, reject) => {
    // A bound for a start on a crowded machine (several ESM apps at once start in seconds each),
    // not a speed check. An app that does not listen is killed: left running, its pipes would
    // keep the test process, and the whole run, alive.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`app did not listen within ${LISTEN_TIMEOUT_MS} ms; stdout: ${out}; stderr: ${err}`));
    }, LISTEN_TIMEOUT_MS);
    const onData = (): void => {
      const m = /listening (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolveApp(app(Number(m[1])));
    };
    child.stdout!.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`app exited before listening; stderr: ${err}`));
    });
  });
}

/** Polls `probe` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function randomHex(bytes: number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += Math.floor(Math.random() * 256).toString(16).padStart(2, '0');
  return s;
}

/** A W3C traceparent with the sampled flag, so the agent keeps that trace whole. */
export function sampledTraceparent(): { traceId: string; header: string } {
  const traceId = randomHex(16);
  return { traceId, header: `00-${traceId}-${randomHex(8)}-01` };
}

export const RANGE = (): string => `from=${Date.now() - 10 * 60_000}&to=${Date.now() + 60_000}`;

/** Both trace budgets at 0: every request is light (as on a busy process). */
export const LIGHT_BUDGETS = { HEADROOM_TRACES_PER_SECOND: '0', HEADROOM_RECORDED_TRACES_PER_SECOND: '0' };

/** An app reporting to the test collector as `service`. */
export function runServiceApp(collector: TestCollector, script: string, service: string, env: Record<string, string> = {}): Promise<RunningApp> {
  return runApp(script, { OTEL_EXPORTER_OTLP_ENDPOINT: collector.collector.otlpUrl, OTEL_SERVICE_NAME: service, ...env });
}

/**
 * One app per service, started together, each driven by `drive` once it is up; the apps by
 * service name (all started ones are in the map even if one fails, for the caller to stop).
 */
export async function runServiceApps(
  collector: TestCollector,
  services: { service: string; script: string; env?: Record<string, string> }[],
  drive: (app: RunningApp, service: string) => Promise<void>,
  apps: Map<string, RunningApp> = new Map(),
): Promise<Map<string, RunningApp>> {
  await Promise.all(
    services.map(async ({ service, script, env }) => {
      const app = await runServiceApp(collector, script, service, env);
      apps.set(service, app);
      await drive(app, service);
    }),
  );
  return apps;
}

/** The service's requests by route (`route → count`) once at least `total` have arrived. */
export async function requestsByRoute(collector: TestCollector, service: string, total: number): Promise<Record<string, number>> {
  const res = await eventually(async () => {
    const r = await collector.api<TransactionsResponse>(`/api/services/${service}/transactions?${RANGE()}`);
    return r.transactions.reduce((n, t) => n + t.requests, 0) >= total ? r : undefined;
  }, `${total} requests of ${service}`);
  return Object.fromEntries(res.transactions.map((t) => [t.route, t.requests] as const).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A stored trace of the service's `route` (the newest), once one is listed. */
export async function traceOfRoute(collector: TestCollector, service: string, route: string): Promise<TraceResponse> {
  const list = await eventually(async () => {
    const r = await collector.api<TracesResponse>(`/api/traces?service=${service}&route=${encodeURIComponent(route)}&${RANGE()}`);
    return r.traces.length > 0 ? r : undefined;
  }, `a ${route} trace of ${service}`);
  return collector.api<TraceResponse>(`/api/traces/${list.traces[0]?.traceId as string}`);
}
