// `headroom start --host 0.0.0.0` as a real child process: without tokens it warns on stderr
// (HR_CONFIG_EXPOSED, naming the missing tokens); its banner names this machine, not 0.0.0.0;
// and its HTTP port answers IP addresses and this machine's name but not a foreign Host.
// These collectors listen on every interface for the second or two the test needs.
import assert from 'node:assert/strict';
import http from 'node:http';
import { hostname } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCli, type CliCollector } from './support/cli-process';
import { makeTempDir, type TempDir } from './support/collector-harness';

/** The CLI with no token from this process's environment unless `env` gives one. */
function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliCollector> {
  return startCli(args, { HEADROOM_INGEST_TOKEN: '', HEADROOM_DASHBOARD_TOKEN: '', ...env });
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
      assert.doesNotMatch(started.stdout(), /0\.0\.0\.0:\d/);
      assert.match(started.stdout(), /OTEL_EXPORTER_OTLP_ENDPOINT=http:\/\/\S+:\d+; listening on 0\.0\.0\.0\)/);

      // Reached by address or by this machine's name: served; by a rebinding name: not.
      assert.equal(await statusWithHost(web.port, `127.0.0.1:${web.port}`), 200);
      assert.equal(await statusWithHost(web.port, `192.168.7.20:${web.port}`), 200);
      assert.equal(await statusWithHost(web.port, `${hostname()}:${web.port}`), 200);
      assert.equal(await statusWithHost(web.port, `evil.example:${web.port}`), 421);
    } finally {
      assert.equal(await started.stop(), 0);
    }
    const warning = started.stderr().split('\n').find((line) => line.includes('HR_CONFIG_EXPOSED'));
    assert.ok(warning, started.stderr());
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
    assert.match(ingestOnly.stderr(), /HR_CONFIG_EXPOSED: .*without a dashboard token \(HEADROOM_DASHBOARD_TOKEN\), so/);
    assert.doesNotMatch(ingestOnly.stderr(), /HEADROOM_INGEST_TOKEN/);
    assert.doesNotMatch(both.stderr(), /HR_CONFIG_EXPOSED/);
    assert.doesNotMatch(loopback.stderr(), /HR_CONFIG_EXPOSED/);
    assert.match(loopback.stderr(), /stopped, database closed/, 'stderr read to its end');
  });
});
