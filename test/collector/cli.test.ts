// `headroom` as a real child process: help, version, one-line errors with exit code 2,
// start-up output, and a SIGTERM that flushes what was sent before it.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { startCli } from './support/cli-process';
import { makeTempDir, sendTraces, serviceResource, type TempDir } from './support/collector-harness';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'collector', 'src', 'cli.ts');

function run(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function runToEnd(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = run(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}


function assertOneLineError(stderr: string, code: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected, got: ${stderr}`);
  assert.match(lines[0] as string, new RegExp(`^headroom: ${code}: `));
  assert.match(lines[0] as string, pattern);
}

describe('headroom command', () => {
  let tmp: TempDir;

  before(() => {
    tmp = makeTempDir();
  });

  after(() => {
    tmp.remove();
  });

  it('prints help and version', async () => {
    // Independent processes: run them side by side, each start-up costs a second or two.
    const [help, startHelp, version] = await Promise.all([runToEnd(['--help']), runToEnd(['start', '--help']), runToEnd(['--version'])]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: headroom <command>/);
    assert.equal(startHelp.code, 0);
    assert.match(startHelp.stdout, /--otlp-port N/);
    assert.match(startHelp.stdout, /HEADROOM_DB/);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('is installed as the headroom bin of the workspace (runs the built dist/)', async () => {
    const bin = path.join(ROOT, 'node_modules', '.bin', 'headroom');
    const child = spawn(bin, ['--version'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    assert.equal(await new Promise((resolve) => child.once('exit', resolve)), 0);
    assert.match(stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('rejects bad flags and values with one line and exit code 2', async () => {
    const [unknown, badPort, badEnv, command] = await Promise.all([
      runToEnd(['start', '--port', '80']),
      runToEnd(['start', '--http-port', 'eighty']),
      runToEnd(['start'], { HEADROOM_RETENTION_RAW: 'forever' }),
      runToEnd(['stop']),
    ]);
    assert.equal(unknown.code, 2);
    assertOneLineError(unknown.stderr, 'HR_CLI_BAD_FLAG', /Unknown option '--port'/);
    assert.equal(badPort.code, 2);
    assertOneLineError(badPort.stderr, 'HR_CLI_BAD_FLAG', /--http-port "eighty" must be a port number/);
    assert.equal(badEnv.code, 2);
    assertOneLineError(badEnv.stderr, 'HR_CONFIG_BAD_VALUE', /HEADROOM_RETENTION_RAW "forever" must be a duration/);
    assert.equal(command.code, 2);
    assertOneLineError(command.stderr, 'HR_CLI_UNKNOWN_COMMAND', /"stop"/);
  });

  it('says which port is busy and which flag changes it', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const result = await runToEnd(['start', '--db', path.join(tmp.path, 'busy.db'), '--otlp-port', String(port), '--http-port', '0']);
      assert.equal(result.code, 2);
      assertOneLineError(result.stderr, 'HR_CONFIG_PORT_IN_USE', new RegExp(`127\\.0\\.0\\.1:${port} \\(OTLP receiver\\).*--otlp-port`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses an unusable or corrupt database path clearly', async () => {
    const file = path.join(tmp.path, 'a-file');
    writeFileSync(file, 'not a folder');
    const corrupt = path.join(tmp.path, 'corrupt.db');
    writeFileSync(corrupt, Buffer.alloc(8192, 7));
    const [unusable, result] = await Promise.all([
      runToEnd(['start', '--db', path.join(file, 'headroom.db'), '--otlp-port', '0', '--http-port', '0']),
      runToEnd(['start', '--db', corrupt, '--otlp-port', '0', '--http-port', '0']),
    ]);
    assert.equal(unusable.code, 2);
    assertOneLineError(unusable.stderr, 'HR_CONFIG_DB_PATH', /--db/);
    assert.equal(result.code, 2);
    assertOneLineError(result.stderr, 'HR_STORE_OPEN', /corrupt\.db/);
  });

  it('starts, prints its URLs, and on SIGTERM flushes and exits 0 with the data kept', async () => {
    const db = path.join(tmp.path, 'kept.db');
    const first = await startCli(['--db', db]);
    assert.match(first.stdout(), /headroom \d+\.\d+\.\d+ collector started/);
    assert.match(first.otlpUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(first.httpUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(`${first.httpUrl}/healthz`)).status, 200);

    const [traceId] = await sendTraces(first.otlpUrl, serviceResource('kept', 'kept-1'), [
      { name: 'GET /kept', startMs: Date.now() - 1000, durationMs: 42, attributes: { 'http.route': '/kept' } },
    ]);
    // A dashboard still connected to the live stream does not hold the shutdown up: it is
    // told the collector is going away (1001).
    const live = new WebSocket(`${first.httpUrl.replace('http:', 'ws:')}/ws`);
    await new Promise((resolve) => live.once('message', resolve));
    const liveClosed = new Promise<number>((resolve) => live.once('close', (code) => resolve(code)));
    first.child.kill('SIGTERM');
    assert.equal(await first.exit, 0, first.stderr());
    assert.equal(await liveClosed, 1001);
    assert.match(first.stderr(), /stopped, database closed/);

    const second = await startCli(['--db', db]);
    try {
      const res = await fetch(`${second.httpUrl}/api/traces/${traceId}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { spans: { durationMs: number }[] };
      assert.equal(body.spans[0]?.durationMs, 42);
    } finally {
      second.child.kill('SIGINT');
      assert.equal(await second.exit, 0);
    }
  });
});
