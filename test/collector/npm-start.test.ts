// `npm start` as a user runs it: npm → sh -c "node collector/dist/cli.js start" → the collector.
// npm forwards a SIGTERM to its child (the shell) alone, so a SIGTERM to npm's process left the
// collector running as an orphan, holding the ports and the database; it now stops as on
// SIGTERM (launcher-exit.ts). A Ctrl-C that reaches the collector twice (the terminal's and
// npm's forwarded copy) is one stop, not an exit without the flush (cli.ts). The real npm and
// the built collector (dist/, as npm start runs it; `npm test` builds it first).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { startCli, type CliCollector } from './support/cli-process';
import { makeTempDir } from './support/collector-harness';

const ROOT = path.resolve(__dirname, '..', '..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The collector's own pid, as it wrote it into its database (store-lock.ts reads the same). */
function collectorPid(dbPath: string): number {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  try {
    return Number(db.prepare(`SELECT value FROM meta WHERE key = 'collector_pid'`).pluck().get());
  } finally {
    db.close();
  }
}

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`never, in ${ms} ms: ${what}`);
}

/**
 * A request still being sent, which keeps a stop draining (up to 5 s), so a second signal comes
 * while it runs. Returns what ends it.
 */
async function requestBeingSent(url: string): Promise<() => void> {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  socket.on('error', () => undefined);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
  return () => socket.destroy();
}

test('a SIGTERM to npm\'s process of `npm start` stops the collector too, with its clean close', { timeout: 60_000 }, async (t) => {
  assert.ok(existsSync(path.join(ROOT, 'collector', 'dist', 'cli.js')), 'collector/dist/cli.js is built (npx tsc -b)');
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const dbPath = path.join(dir.path, 'headroom.db');
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, HEADROOM_DB: dbPath, HEADROOM_OTLP_PORT: '0', HEADROOM_HTTP_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  npm.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  // The collector writes to the same pipe, inherited through npm and the shell: it is read after npm has gone.
  npm.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const npmExit = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
  let pid = 0;
  t.after(() => {
    if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
    if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
  });

  await until('the collector started', () => /Database:/.test(stdout), 30_000);
  const dashboard = /Dashboard:\s+(http:\/\/\S+?)\/?(\s|$)/.exec(stdout)?.[1] as string;
  pid = collectorPid(dbPath);
  assert.notEqual(pid, npm.pid, 'npm runs the collector as a process of its own');
  assert.equal((await fetch(`${dashboard}/healthz`)).status, 200);

  npm.kill('SIGTERM');
  await npmExit;
  await until('the collector gone after npm', () => !alive(pid), 15_000);
  assert.match(stderr, /headroom: npm's process that started it \(pid \d+\) ended: stopping, flushing pending writes…/);
  assert.match(stderr, /headroom: stopped, database closed/);
  await assert.rejects(fetch(`${dashboard}/healthz`), 'the dashboard port is closed');
});

/** A collector (`headroom start`) that took a SIGINT and is still draining a request being sent. */
async function stoppingCollector(t: TestContext): Promise<CliCollector> {
  const dir = makeTempDir();
  t.after(() => dir.remove());
  const collector = await startCli(['--db', path.join(dir.path, 'headroom.db')]);
  t.after(() => collector.stop());
  t.after(await requestBeingSent(collector.httpUrl));
  collector.child.kill('SIGINT');
  await until('the first SIGINT taken', () => /SIGINT: stopping/.test(collector.stderr()), 10_000);
  return collector;
}

test('the same signal twice within a second (Ctrl-C under npm: the terminal\'s and npm\'s copy) is one stop, with the flush', { timeout: 60_000 }, async (t) => {
  const collector = await stoppingCollector(t);
  collector.child.kill('SIGINT');
  assert.equal(await collector.exit, 0, collector.stderr());
  assert.doesNotMatch(collector.stderr(), /again: exiting without waiting for the flush/);
  assert.match(collector.stderr(), /headroom: stopped, database closed/);
});

test('a second signal more than a second after the first still exits at once, without waiting for the flush', { timeout: 60_000 }, async (t) => {
  const collector = await stoppingCollector(t);
  await new Promise((r) => setTimeout(r, 1500));
  collector.child.kill('SIGINT');
  assert.equal(await collector.exit, 1);
  assert.match(collector.stderr(), /headroom: SIGINT again: exiting without waiting for the flush/);
});
