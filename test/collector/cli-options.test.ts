import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration, parsePort, parseSize } from '../../collector/src/config/parse-units';
import { parseStartCommand, startHelp, START_SETTINGS, tokenFlagWarning } from '../../collector/src/config/start-options';
import { HeadroomError } from '../../collector/src/errors';

function failsWith(fn: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof HeadroomError);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  });
}

describe('units', () => {
  it('parses durations', () => {
    assert.equal(parseDuration('3d'), 3 * 86_400_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('2w'), 14 * 86_400_000);
    for (const bad of ['', '3', 'd', '0d', '-1d', '1.5d', '3 days', '3y']) assert.equal(parseDuration(bad), null, bad);
  });

  it('parses sizes in decimal and binary units', () => {
    assert.equal(parseSize('20MiB'), 20 * 1024 * 1024);
    assert.equal(parseSize('20mb'), 20_000_000);
    assert.equal(parseSize('1048576'), 1048576);
    assert.equal(parseSize('1.5KiB'), 1536);
    for (const bad of ['', '0', 'MiB', '-1MiB', '20 parsecs', '1e9']) assert.equal(parseSize(bad), null, bad);
  });

  it('parses ports', () => {
    assert.equal(parsePort('0'), 0);
    assert.equal(parsePort('65535'), 65535);
    for (const bad of ['65536', '-1', 'http', '80.5', '']) assert.equal(parsePort(bad), null, bad);
  });
});

describe('headroom start options', () => {
  it('defaults to loopback and the documented ports', () => {
    const { config, help } = parseStartCommand([], {});
    assert.equal(help, false);
    assert.deepEqual(config, { dbPath: './headroom-data/headroom.db' });
  });

  it('reads every flag', () => {
    const { config } = parseStartCommand(
      [
        '--db', '/tmp/x.db', '--otlp-port', '0', '--http-port', '9090', '--host', '0.0.0.0',
        '--retention-raw', '12h', '--retention-rollups', '60d', '--max-body', '4MiB',
        '--ingest-token', 'in-secret', '--dashboard-token', 'dash-secret', '--trace-workers', '0',
      ],
      {},
    );
    assert.deepEqual(config, {
      dbPath: '/tmp/x.db',
      otlpPort: 0,
      httpPort: 9090,
      host: '0.0.0.0',
      retention: { rawMs: 12 * 3_600_000, rollupMs: 60 * 86_400_000 },
      maxBodyBytes: 4 * 1024 * 1024,
      ingestToken: 'in-secret',
      dashboardToken: 'dash-secret',
      traceWorkers: 0,
    });
  });

  it('reads HEADROOM_* variables, and a flag wins over its variable', () => {
    const { config } = parseStartCommand(['--http-port', '9000'], {
      HEADROOM_DB: '/data/h.db',
      HEADROOM_HTTP_PORT: '7000',
      HEADROOM_OTLP_PORT: '4319',
      HEADROOM_HOST: '::1',
      HEADROOM_RETENTION_RAW: '1d',
      HEADROOM_MAX_BODY: '1MiB',
      HEADROOM_DASHBOARD_TOKEN: 'tok',
      HEADROOM_INGEST_TOKEN: '',
      HEADROOM_TRACE_WORKERS: '3',
    });
    assert.equal(config.dbPath, '/data/h.db');
    assert.equal(config.httpPort, 9000);
    assert.equal(config.otlpPort, 4319);
    assert.equal(config.host, '::1');
    assert.deepEqual(config.retention, { rawMs: 86_400_000 });
    assert.equal(config.maxBodyBytes, 1024 * 1024);
    assert.equal(config.dashboardToken, 'tok');
    assert.equal(config.ingestToken, undefined, 'an empty variable counts as unset');
    assert.equal(config.traceWorkers, 3);
  });

  it('rejects unknown flags, missing values and bad values in one line', () => {
    failsWith(() => parseStartCommand(['--port', '1'], {}), 'HR_CLI_BAD_FLAG', /Unknown option '--port'/);
    failsWith(() => parseStartCommand(['--otlp-port'], {}), 'HR_CLI_BAD_FLAG', /otlp-port/);
    failsWith(() => parseStartCommand(['extra'], {}), 'HR_CLI_BAD_FLAG', /extra/);
    failsWith(() => parseStartCommand(['--otlp-port', '99999'], {}), 'HR_CLI_BAD_FLAG', /--otlp-port "99999" must be a port number, 0 to 65535/);
    failsWith(() => parseStartCommand(['--retention-raw', '3 days'], {}), 'HR_CLI_BAD_FLAG', /--retention-raw "3 days" must be a duration/);
    failsWith(() => parseStartCommand(['--max-body', 'huge'], {}), 'HR_CLI_BAD_FLAG', /--max-body "huge" must be a size/);
    // QA4: "1" (meant as 1 MiB) was taken as a 1-byte cap that refused every agent.
    failsWith(() => parseStartCommand(['--max-body', '1'], {}), 'HR_CLI_BAD_FLAG', /--max-body "1" is 1 bytes, below the least that holds an OTLP batch \(64KiB\); write the unit/);
    failsWith(() => parseStartCommand(['--trace-workers', '17'], {}), 'HR_CLI_BAD_FLAG', /--trace-workers "17" must be a whole number from 0 to 16/);
    failsWith(() => parseStartCommand(['--trace-workers', '2.5'], {}), 'HR_CLI_BAD_FLAG', /must be a whole number/);
    failsWith(() => parseStartCommand(['--host', 'not a host'], {}), 'HR_CLI_BAD_FLAG', /--host "not a host" must be an IP address or a host name/);
    failsWith(() => parseStartCommand(['--dashboard-token', 'a b'], {}), 'HR_CLI_BAD_FLAG', /without spaces/);
    failsWith(() => parseStartCommand([], { HEADROOM_HTTP_PORT: 'eighty' }), 'HR_CONFIG_BAD_VALUE', /HEADROOM_HTTP_PORT "eighty" must be a port number/);
  });

  it('reads the alert evaluation and group intervals, within their bounds', () => {
    assert.deepEqual(parseStartCommand(['--alert-interval', '5s', '--alert-group-interval', '1m'], {}).config.alerts, { intervalMs: 5000, groupIntervalMs: 60_000 });
    assert.deepEqual(parseStartCommand([], { HEADROOM_ALERT_INTERVAL: '1h', HEADROOM_ALERT_GROUP_INTERVAL: '1d' }).config.alerts, { intervalMs: 3_600_000, groupIntervalMs: 86_400_000 });
    // Beside the rules file, not instead of it.
    assert.deepEqual(parseStartCommand(['--alert-rules', 'r.json', '--alert-interval', '30s'], {}).config.alerts, { rulesFile: 'r.json', intervalMs: 30_000 });
    failsWith(() => parseStartCommand(['--alert-interval', '100ms'], {}), 'HR_CLI_BAD_FLAG', /--alert-interval "100ms" must be a duration from 1s to 1h/);
    failsWith(() => parseStartCommand(['--alert-interval', '2h'], {}), 'HR_CLI_BAD_FLAG', /from 1s to 1h/);
    failsWith(() => parseStartCommand(['--alert-group-interval', '0s'], {}), 'HR_CLI_BAD_FLAG', /--alert-group-interval "0s" must be a duration from 1s to 1d/);
    failsWith(() => parseStartCommand([], { HEADROOM_ALERT_GROUP_INTERVAL: '5 minutes' }), 'HR_CONFIG_BAD_VALUE', /HEADROOM_ALERT_GROUP_INTERVAL "5 minutes" must be a duration/);
    assert.match(startHelp(), /--alert-interval DURATION +how often every alert rule is evaluated, 1s to 1h \(default 15s\)/);
    assert.match(startHelp(), /--alert-group-interval DURATION .*\(default 5m\)/);
  });

  it('reads the caps on services and instances, whole numbers from 1', () => {
    assert.deepEqual(parseStartCommand(['--max-services', '50', '--max-instances', '8'], {}).config, { dbPath: './headroom-data/headroom.db', maxServices: 50, maxInstancesPerService: 8 });
    const fromEnv = parseStartCommand([], { HEADROOM_MAX_SERVICES: '2000', HEADROOM_MAX_INSTANCES: '5000' }).config;
    assert.equal(fromEnv.maxServices, 2000);
    assert.equal(fromEnv.maxInstancesPerService, 5000);
    failsWith(() => parseStartCommand(['--max-services', '0'], {}), 'HR_CLI_BAD_FLAG', /--max-services "0" must be a whole number from 1 to 1000000/);
    failsWith(() => parseStartCommand([], { HEADROOM_MAX_INSTANCES: '1e3' }), 'HR_CONFIG_BAD_VALUE', /HEADROOM_MAX_INSTANCES "1e3" must be a whole number/);
    assert.match(startHelp(), /--max-services N +services the collector holds; .*\(default 500\)/);
    assert.match(startHelp(), /--max-instances N +instances per service .*\(default 1000\)/);
  });

  it('reads --max-connections and HEADROOM_MAX_CONNECTIONS, a whole number from 1', () => {
    assert.deepEqual(parseStartCommand(['--max-connections', '64'], {}).config.connections, { maxConnections: 64 });
    assert.deepEqual(parseStartCommand([], { HEADROOM_MAX_CONNECTIONS: '5000' }).config.connections, { maxConnections: 5000 });
    failsWith(() => parseStartCommand(['--max-connections', '0'], {}), 'HR_CLI_BAD_FLAG', /--max-connections "0" must be a whole number from 1 to 1000000/);
    assert.match(startHelp(), /--max-connections N +open connections per port .*\(default 1000; mind ulimit -n\)/);
  });

  it('reads --max-connections-per-address and its variable beside --max-connections', () => {
    const both = parseStartCommand(['--max-connections', '64', '--max-connections-per-address', '8'], {}).config.connections;
    assert.deepEqual(both, { maxConnections: 64, maxConnectionsPerAddress: 8 });
    assert.deepEqual(parseStartCommand([], { HEADROOM_MAX_CONNECTIONS_PER_ADDRESS: '4000' }).config.connections, { maxConnectionsPerAddress: 4000 });
    failsWith(() => parseStartCommand(['--max-connections-per-address', '0'], {}), 'HR_CLI_BAD_FLAG', /--max-connections-per-address "0" must be a whole number from 1/);
    assert.match(startHelp(), /--max-connections-per-address N +open connections per client address .*\(default 256\)/);
  });

  it('never repeats a bad token in its error, and names the tokens given as flags', () => {
    // An error line goes to the terminal and the service's log: a token with a stray space in
    // it is still the secret, all but a character.
    for (const [args, env] of [[['--dashboard-token', 'secret part'], {}], [[], { HEADROOM_INGEST_TOKEN: 'secret\tpart' }]] as const) {
      assert.throws(() => parseStartCommand([...args], env), (error: unknown) => {
        assert.ok(error instanceof HeadroomError);
        assert.match(error.message, /(--dashboard-token|HEADROOM_INGEST_TOKEN) \(value not shown\) must be a non-empty token without spaces/);
        assert.ok(!error.message.includes('secret'), error.message);
        return true;
      });
    }
    // A flag's value is in the process's command line, which every user of the machine can read (ps).
    assert.deepEqual(parseStartCommand(['--ingest-token', 'a', '--dashboard-token', 'b'], {}).tokenFlags, ['ingest-token', 'dashboard-token']);
    assert.deepEqual(parseStartCommand([], { HEADROOM_INGEST_TOKEN: 'a', HEADROOM_DASHBOARD_TOKEN: 'b' }).tokenFlags, []);
    assert.match(tokenFlagWarning(['dashboard-token']) ?? '', /^headroom: HR_CONFIG_TOKEN_IN_ARGS: .*--dashboard-token .*\(ps\).*HEADROOM_DASHBOARD_TOKEN/);
    assert.equal(tokenFlagWarning([]), null);
  });

  it('reads --allowed-hosts and HEADROOM_ALLOWED_HOSTS as lower-case names and *.domain patterns', () => {
    assert.deepEqual(parseStartCommand(['--allowed-hosts', 'APM.example.com, *.corp.example'], {}).config.allowedHosts, ['apm.example.com', '*.corp.example']);
    assert.deepEqual(parseStartCommand([], { HEADROOM_ALLOWED_HOSTS: 'apm.example.com' }).config.allowedHosts, ['apm.example.com']);
    assert.equal(parseStartCommand([], {}).config.allowedHosts, undefined);
    failsWith(() => parseStartCommand(['--allowed-hosts', 'apm.example.com,https://x'], {}), 'HR_CLI_BAD_FLAG', /--allowed-hosts .* "https:\/\/x"/);
    failsWith(() => parseStartCommand([], { HEADROOM_ALLOWED_HOSTS: ',' }), 'HR_CONFIG_BAD_VALUE', /must list at least one host name/);
  });

  it('documents every flag and its variable in --help', () => {
    assert.equal(parseStartCommand(['--help'], {}).help, true);
    const help = startHelp();
    for (const setting of START_SETTINGS) {
      assert.ok(help.includes(`--${setting.flag}`), setting.flag);
      assert.ok(help.includes(setting.env), setting.env);
    }
    // Both ports take 0 (any free port); the help said so of the OTLP port only (QA of the README).
    assert.equal(parseStartCommand(['--http-port', '0'], {}).config.httpPort, 0);
    assert.match(help, /--otlp-port N +.*0 = any free port/);
    assert.match(help, /--http-port N +.*0 = any free port/);
  });
});
