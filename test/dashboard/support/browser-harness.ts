// The dashboard's browser-test rig: a real collector (ports 0, temp database), a real fastify
// app running under the real Headroom agent (a child process, `--require
// @headroom/agent/register`), and headless Chromium driven by playwright-core.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startCollector, type CollectorConfig, type RunningCollector } from '../../../collector/src/server';

const ROOT = path.resolve(__dirname, '..', '..', '..');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

/** The built SPA is what the collector serves; build it once if this file runs on its own. */
export function ensureDashboardBuilt(): void {
  if (existsSync(path.join(ROOT, 'dashboard', 'dist', 'index.html'))) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], {
    cwd: path.join(ROOT, 'dashboard'),
    stdio: 'ignore',
  });
}

export interface TestCollector extends RunningCollector {
  dbPath: string;
  httpPort: number;
}

export async function startTestCollector(dbPath: string, httpPort = 0, extra: Partial<CollectorConfig> = {}): Promise<TestCollector> {
  const running = await startCollector({ dbPath, host: '127.0.0.1', otlpPort: 0, httpPort, ...extra });
  return { ...running, dbPath, httpPort: Number(new URL(running.httpUrl).port) };
}

export function makeTempDir(): { path: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'headroom-dashboard-'));
  return { path: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface AgentApp {
  url: string;
  get(p: string): Promise<number>;
  stop(): Promise<void>;
}

/** Starts test/dashboard/fixtures/shop-app.js under the agent, sending to `otlpUrl`. */
export async function startAgentApp(otlpUrl: string, service: string, env: Record<string, string> = {}): Promise<AgentApp> {
  const register = path.join(ROOT, 'agent', 'dist', 'register.js');
  if (!existsSync(register)) throw new Error(`${register} is missing: run the build (npm run build) first`);
  const child: ChildProcess = spawn(process.execPath, ['--require', register, path.join(__dirname, '..', 'fixtures', 'shop-app.js')], {
    env: {
      ...process.env,
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      HEADROOM_STALL_THRESHOLD_MS: '100',
      SLOW_MS: '250',
      HEADROOM_APDEX_T: '100',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += String(d);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the agent app did not start: ${stderr}`));
    }, 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the agent app exited (${code}): ${stderr}`));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    async get(p: string) {
      const res = await fetch(url + p);
      await res.arrayBuffer();
      return res.status;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A collector on a temporary database and a browser for the tests of this file, started before
 * them and closed after them (read them inside tests: they exist once `before` ran); `extra`
 * sets collector options (e.g. a small route budget).
 */
export function useCollectorAndBrowser(extra: Partial<CollectorConfig> = {}): { readonly collector: TestCollector; readonly browser: Browser } {
  let dir: ReturnType<typeof makeTempDir> | undefined;
  let collector: TestCollector | undefined;
  let browser: Browser | undefined;
  before(async () => {
    ensureDashboardBuilt();
    dir = makeTempDir();
    collector = await startTestCollector(path.join(dir.path, 'headroom.db'), 0, extra);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await collector?.close();
    dir?.remove();
  });
  return {
    get collector(): TestCollector {
      if (!collector) throw new Error('the collector starts in before()');
      return collector;
    },
    get browser(): Browser {
      if (!browser) throw new Error('the browser starts in before()');
      return browser;
    },
  };
}

/** Polls `read` until `ok` holds (or fails with the last value seen). */
export async function eventually<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${String(lastError)}` : ''}`);
}

export async function api<T>(baseUrl: string, p: string): Promise<T> {
  const res = await fetch(baseUrl + p);
  if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`);
  return (await res.json()) as T;
}
