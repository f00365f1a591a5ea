// `headroom start --host 0.0.0.0` as a real child process: without tokens it warns on stderr
// (HR_CONFIG_EXPOSED, naming the missing tokens); its banner names this machine, not 0.0.0.0;
// and its HTTP port answers IP addresses and this machine's name but not a foreign Host.
// These collectors listen on every interface for the second or two the test needs.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { hostname } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTempDir, type TempDir } from './support/collector-harness';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'collector', 'src', 'cli.ts');

interface Started {
  stdout: string;
  stderr: string;
  otlpUrl: string;
  httpUrl: string;
  stop(): Promise<number | null>;
}

/**
 * Starts the CLI, resolves once the banner is out; stop() sends SIGTERM and waits until the
 * process exited and its output is all read (stderr and stdout are separate pipes: read
 * stderr after stop(), when nothing more can come).
 */
function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'start', '--otlp-port', '0', '--http-port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, HEADROOM_INGEST_TOKEN: '', HEADROOM_DASHBOARD_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exit = new Promise<number | null>((resolve) => child.once('close', resolve));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const otlp = /OTLP endpoint:\s+(http:\/\/\S+)/.exec(stdout);
      const web = /Dashboard:\s+(http:\/\/\S+?)\/?(\s|$)/.exec(stdout);
      if (!otlp || !web || !/Database:/.test(stdout)) return;
      resolve({
        stdout,
        get stderr() {
          return stderr;
        },
        otlpUrl: otlp[1] as string,
        httpUrl: web[1] as string,
        stop() {
          child.kill('SIGTERM');
          return exit;
        },
      });
    });
    void exit.then((code) => reject(new Error(`exited ${code} before starting: ${stderr}`)));
  });
}

function statusWithHost(port: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/api/services', headers: { Host: host }, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

describe('headroom start beyond loopback', () => {
  let tmp: TempDir;

  before(() => {
    tmp = makeTempDir();
  });

  after(() => {
    tmp.remove();
  });

  it('warns without tokens, and prints an endpoint other machines can use', async () => {
    const started = await start(['--host', '0.0.0.0', '--db', path.join(tmp.path, 'open.db')]);
    try {
      const otlp = new URL(started.otlpUrl);
      const web = new URL(started.httpUrl);
      assert.equal(otlp.hostname, hostname().toLowerCase());
      assert.equal(web.hostname, hostname().toLowerCase());
      assert.doesNotMatch(started.stdout, /0\.0\.0\.0:\d/);
      assert.match(started.stdout, /OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/\S+:\d+; listening on 0\.0\.0\.0\)/);

      // Reached by address or by this machine's name: served; by a rebinding name: not.
      assert.equal(await statusWithHost(web.port, `127.0.0.1:${web.port}`), 200);
      assert.equal(await statusWithHost(web.port, `192.168.7.20:${web.port}`), 200);
      assert.equal(await statusWithHost(web.port, `${hostname()}:${web.port}`), 200);
      assert.equal(await statusWithHost(web.port, `evil.example:${web.port}`), 421);
    } finally {
      assert.equal(await started.stop(), 0);
    }
    const warning = started.stderr.split('\n').find((line) => line.includes('HR_CONFIG_EXPOSED'));
    assert.ok(warning, started.stderr);
    assert.match(warning, /^headroom: HR_CONFIG_EXPOSED: .*listening on 0\.0\.0\.0/);
    assert.match(warning, /HEADROOM_DASHBOARD_TOKEN.*HEADROOM_INGEST_TOKEN/);
    assert.match(warning, /alert destinations/);
  });

  it('names only the token that is missing, and says nothing with both or on loopback', async () => {
    const [ingestOnly, both, loopback] = await Promise.all([
      start(['--host', '0.0.0.0', '--db', path.join(tmp.path, 'ingest.db')], { HEADROOM_INGEST_TOKEN: 'ingest-0123' }),
      start(['--host', '0.0.0.0', '--db', path.join(tmp.path, 'both.db')], { HEADROOM_INGEST_TOKEN: 'ingest-0123', HEADROOM_DASHBOARD_TOKEN: 'dash-0123' }),
      start(['--db', path.join(tmp.path, 'loopback.db')]),
    ]);
    assert.deepEqual(await Promise.all([ingestOnly.stop(), both.stop(), loopback.stop()]), [0, 0, 0]);
    assert.match(loopback.otlpUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(ingestOnly.stderr, /HR_CONFIG_EXPOSED: .*without a dashboard token \(HEADROOM_DASHBOARD_TOKEN\), so/);
    assert.doesNotMatch(ingestOnly.stderr, /HEADROOM_INGEST_TOKEN/);
    assert.doesNotMatch(both.stderr, /HR_CONFIG_EXPOSED/);
    assert.doesNotMatch(loopback.stderr, /HR_CONFIG_EXPOSED/);
    assert.match(loopback.stderr, /stopped, database closed/, 'stderr read to its end');
  });
});
