// `headroom start` flags and their HEADROOM_* environment equivalents, in one table: the
// parser, the validation and the --help text all come from it, so they cannot drift apart.
// A flag wins over its environment variable; both win over the defaults.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { loadThresholdsFile } from '../advisor/thresholds';
import { DEFAULT_ENGINE } from '../alerts/engine';
import { hostPattern } from '../alerts/notify/destination-policy';
import { errors, headroomError, HeadroomError } from '../errors';
import { DEFAULT_CONNECTIONS } from '../web/connection-limits';
import { DEFAULTS, type CollectorConfig } from './collector-config';
import { parseDuration, parsePort, parseSize } from './parse-units';

interface StartSetting {
  flag: string;
  env: string;
  /** Placeholder in --help. */
  value: string;
  help: string;
  /** Applies a raw value to the config; returns an explanation when the value is bad. */
  apply(config: CollectorConfig, raw: string): string | null;
  /** A secret: never repeated in an error, and warned about when given as a flag. */
  secret?: true;
  /** Another setting (its flag) that sets the same value: giving both is an error. */
  excludes?: string;
}

const DAY_MS = 86_400_000;
const MIN_BODY_BYTES = 64 * 1024;

function formatDays(ms: number): string {
  return `${ms / DAY_MS}d`;
}

const HOUR_MS = 3_600_000;
// Each evaluation pass reads the store once per rule; more often than a second buys nothing, as
// the series are per-minute rollups.
const MIN_ALERT_INTERVAL_MS = 1000;

function formatDuration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}

/** A duration flag of the alert engine, within [min, max]. */
function alertDuration(min: number, max: number, set: (config: CollectorConfig, ms: number) => void) {
  return (config: CollectorConfig, raw: string): string | null => {
    const ms = parseDuration(raw);
    if (ms === null || ms < min || ms > max) return `must be a duration from ${formatDuration(min)} to ${max === HOUR_MS ? '1h' : '1d'}, such as 30s or 5m`;
    set(config, ms);
    return null;
  };
}

/** A whole-number flag within [min, max]. */
function wholeNumber(min: number, max: number, set: (config: CollectorConfig, n: number) => void) {
  return (config: CollectorConfig, raw: string): string | null => {
    const n = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= min && n <= max)) return `must be a whole number from ${min} to ${max}`;
    set(config, n);
    return null;
  };
}

// Host names as RFC 1123 allows them; anything else must be an IP literal.
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function token(set: (config: CollectorConfig, value: string) => void) {
  return (config: CollectorConfig, raw: string): string | null => {
    if (raw.length === 0 || /\s/.test(raw)) return 'must be a non-empty token without spaces';
    set(config, raw);
    return null;
  };
}

/**
 * A token read from a file, as Kubernetes and Docker mount secrets (`/run/secrets/<name>`): read
 * once at start, its trailing line break trimmed (editors and `echo` add one). What the file
 * holds is never repeated in an error; its path is.
 */
function tokenFile(set: (config: CollectorConfig, value: string) => void) {
  return (config: CollectorConfig, raw: string): string | null => {
    if (raw.trim().length === 0) return 'must be a file path';
    let text: string;
    try {
      text = readFileSync(raw, 'utf8');
    } catch (error) {
      return `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
    }
    const value = text.replace(/[\r\n]+$/, '');
    if (value.length === 0) return 'names an empty file';
    if (/\s/.test(value)) return 'names a file whose token has spaces or line breaks (only the trailing line break is trimmed)';
    set(config, value);
    return null;
  };
}

/**
 * A token's two settings: the token itself (a secret, warned about as a flag) and a file that
 * holds it (a mounted secret); giving both is an error.
 */
function tokenSettings(name: 'ingest' | 'dashboard', key: 'ingestToken' | 'dashboardToken', help: string): StartSetting[] {
  const flag = `${name}-token`;
  const env = `HEADROOM_${name.toUpperCase()}_TOKEN`;
  const set = (config: CollectorConfig, value: string): void => {
    config[key] = value;
  };
  return [
    { flag, env, value: 'TOKEN', help: `${help}; prefer the variable or a file: a flag shows in ps`, secret: true, excludes: `${flag}-file`, apply: token(set) },
    {
      flag: `${flag}-file`,
      env: `${env}_FILE`,
      value: 'FILE',
      help: `the ${name} token from a file (a mounted secret), read at start, its trailing line break trimmed`,
      apply: tokenFile(set),
    },
  ];
}

/** A comma-separated list of host names and *.domain patterns, or what is wrong with it. */
function hostList(raw: string): string[] | string {
  const parts = raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const patterns = parts.map(hostPattern);
  const bad = parts.filter((_p, i) => patterns[i] === null);
  if (parts.length === 0) return 'must list at least one host name';
  if (bad.length > 0) return `has what is no host name or *.domain pattern: ${bad.map((b) => JSON.stringify(b)).join(', ')}`;
  return patterns as string[];
}

export const START_SETTINGS: readonly StartSetting[] = [
  {
    flag: 'db',
    env: 'HEADROOM_DB',
    value: 'PATH',
    help: `SQLite database file (default ${DEFAULTS.dbPath}); its folder is created if missing`,
    apply(config, raw) {
      if (raw.trim().length === 0) return 'must be a file path';
      config.dbPath = raw;
      return null;
    },
  },
  {
    flag: 'otlp-port',
    env: 'HEADROOM_OTLP_PORT',
    value: 'N',
    help: `OTLP/HTTP receiver port (default ${DEFAULTS.otlpPort}; 0 = any free port)`,
    apply(config, raw) {
      const port = parsePort(raw);
      if (port === null) return 'must be a port number, 0 to 65535';
      config.otlpPort = port;
      return null;
    },
  },
  {
    flag: 'http-port',
    env: 'HEADROOM_HTTP_PORT',
    value: 'N',
    help: `dashboard, API, live stream, /healthz, /metrics port (default ${DEFAULTS.httpPort}; 0 = any free port)`,
    apply(config, raw) {
      const port = parsePort(raw);
      if (port === null) return 'must be a port number, 0 to 65535';
      config.httpPort = port;
      return null;
    },
  },
  {
    flag: 'host',
    env: 'HEADROOM_HOST',
    value: 'ADDR',
    help: `address both ports bind to (default ${DEFAULTS.host}; 0.0.0.0 exposes them to the network)`,
    apply(config, raw) {
      if (isIP(raw) === 0 && !HOSTNAME.test(raw)) return 'must be an IP address or a host name';
      config.host = raw;
      return null;
    },
  },
  {
    flag: 'allowed-hosts',
    env: 'HEADROOM_ALLOWED_HOSTS',
    value: 'LIST',
    help: 'names the dashboard/API port answers to besides loopback ones, comma-separated (apm.example.com,*.corp.example), e.g. a reverse proxy\'s; others get 421',
    apply(config, raw) {
      const patterns = hostList(raw);
      if (typeof patterns === 'string') return patterns;
      config.allowedHosts = patterns;
      return null;
    },
  },
  {
    flag: 'retention-raw',
    env: 'HEADROOM_RETENTION_RAW',
    value: 'DURATION',
    help: `how long raw spans and events are kept (default ${formatDays(DEFAULTS.retention.rawMs)})`,
    apply(config, raw) {
      const ms = parseDuration(raw);
      if (ms === null) return 'must be a duration such as 12h, 3d or 2w';
      config.retention = { ...config.retention, rawMs: ms };
      return null;
    },
  },
  {
    flag: 'retention-rollups',
    env: 'HEADROOM_RETENTION_ROLLUPS',
    value: 'DURATION',
    help: `how long per-minute and hourly rollups are kept (default ${formatDays(DEFAULTS.retention.rollupMs)})`,
    apply(config, raw) {
      const ms = parseDuration(raw);
      if (ms === null) return 'must be a duration such as 7d, 30d or 12w';
      config.retention = { ...config.retention, rollupMs: ms };
      return null;
    },
  },
  {
    flag: 'max-body',
    env: 'HEADROOM_MAX_BODY',
    value: 'SIZE',
    help: 'largest OTLP request body, also after decompression (default 20MiB)',
    apply(config, raw) {
      const bytes = parseSize(raw);
      if (bytes === null) return 'must be a size such as 4MiB, 20MiB or 1048576';
      // One batch of an OTel SDK is tens of KiB: a smaller cap refuses every agent ("1" meant as 1 MiB).
      if (bytes < MIN_BODY_BYTES) return `is ${bytes} bytes, below the least that holds an OTLP batch (64KiB); write the unit, e.g. 4MiB`;
      config.maxBodyBytes = bytes;
      return null;
    },
  },
  {
    flag: 'max-new-routes',
    env: 'HEADROOM_MAX_NEW_ROUTES',
    value: 'N',
    help: 'routes a service may add per 24 hours; later new ones are stored as "METHOD (other routes)" (default 1000)',
    apply(config, raw) {
      const n = /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
      if (!(n >= 1)) return 'must be a whole number from 1 to 9999999';
      config.maxNewRoutesPerDay = n;
      return null;
    },
  },
  {
    flag: 'max-services',
    env: 'HEADROOM_MAX_SERVICES',
    value: 'N',
    help: `services the collector holds; items of new ones past it are refused (default ${DEFAULTS.maxServices})`,
    apply: wholeNumber(1, 1_000_000, (config, n) => {
      config.maxServices = n;
    }),
  },
  {
    flag: 'max-instances',
    env: 'HEADROOM_MAX_INSTANCES',
    value: 'N',
    help: `instances per service that reported in the last 10 minutes; items of new ones past it are refused (default ${DEFAULTS.maxInstancesPerService})`,
    apply: wholeNumber(1, 1_000_000, (config, n) => {
      config.maxInstancesPerService = n;
    }),
  },
  {
    flag: 'max-connections',
    env: 'HEADROOM_MAX_CONNECTIONS',
    value: 'N',
    help: `open connections per port (OTLP, dashboard/API); past it new ones are closed at once (default ${DEFAULT_CONNECTIONS.maxConnections}; mind ulimit -n)`,
    apply: wholeNumber(1, 1_000_000, (config, n) => {
      config.connections = { ...config.connections, maxConnections: n };
    }),
  },
  {
    flag: 'max-connections-per-address',
    env: 'HEADROOM_MAX_CONNECTIONS_PER_ADDRESS',
    value: 'N',
    help: `open connections per client address and port (an IPv6 client is its /64); past it that client's new ones are closed at once; raise it for a reverse proxy in front, whose users are all one address (default ${DEFAULT_CONNECTIONS.maxConnectionsPerAddress})`,
    apply: wholeNumber(1, 1_000_000, (config, n) => {
      config.connections = { ...config.connections, maxConnectionsPerAddress: n };
    }),
  },
  {
    flag: 'trace-workers',
    env: 'HEADROOM_TRACE_WORKERS',
    value: 'N',
    help: 'threads decoding trace requests beside the one writing SQLite, 0 to 16 (default: one per core beyond the first, at most 4; 0 = none)',
    apply(config, raw) {
      const n = /^\d{1,2}$/.test(raw) ? Number(raw) : NaN;
      if (!(n >= 0 && n <= 16)) return 'must be a whole number from 0 to 16';
      config.traceWorkers = n;
      return null;
    },
  },
  {
    flag: 'alert-rules',
    env: 'HEADROOM_ALERT_RULES',
    value: 'FILE',
    help: 'JSON file of alert destinations and rules, applied at start (see docs/alerts.md)',
    apply(config, raw) {
      if (raw.trim().length === 0) return 'must be a file path';
      config.alerts = { ...config.alerts, rulesFile: raw };
      return null;
    },
  },
  {
    flag: 'alert-hosts',
    env: 'HEADROOM_ALERT_HOSTS',
    value: 'LIST',
    help: 'host names alert destinations may use, comma-separated (hooks.slack.com,*.example.com); default any host but link-local addresses',
    apply(config, raw) {
      const patterns = hostList(raw);
      if (typeof patterns === 'string') return patterns;
      config.alerts = { ...config.alerts, allowedHosts: patterns };
      return null;
    },
  },
  {
    flag: 'alert-interval',
    env: 'HEADROOM_ALERT_INTERVAL',
    value: 'DURATION',
    help: `how often every alert rule is evaluated, 1s to 1h (default ${formatDuration(DEFAULT_ENGINE.intervalMs)})`,
    apply: alertDuration(MIN_ALERT_INTERVAL_MS, HOUR_MS, (config, ms) => {
      config.alerts = { ...config.alerts, intervalMs: ms };
    }),
  },
  {
    flag: 'alert-group-interval',
    env: 'HEADROOM_ALERT_GROUP_INTERVAL',
    value: 'DURATION',
    help: `at most one notification per rule and destination per this time, 1s to 1d; a first firing goes out at once (default ${formatDuration(DEFAULT_ENGINE.groupIntervalMs)})`,
    apply: alertDuration(MIN_ALERT_INTERVAL_MS, DAY_MS, (config, ms) => {
      config.alerts = { ...config.alerts, groupIntervalMs: ms };
    }),
  },
  {
    flag: 'advisor-config',
    env: 'HEADROOM_ADVISOR_CONFIG',
    value: 'FILE',
    help: 'JSON file of advisor thresholds over the defaults (see docs/advisor.md)',
    apply(config, raw) {
      if (raw.trim().length === 0) return 'must be a file path';
      try {
        config.advisor = loadThresholdsFile(raw);
      } catch (error) {
        if (error instanceof HeadroomError) return `is not usable: ${error.message}`;
        throw error;
      }
      return null;
    },
  },
  ...tokenSettings('ingest', 'ingestToken', 'require "Authorization: Bearer TOKEN" on the OTLP port'),
  ...tokenSettings('dashboard', 'dashboardToken', 'require TOKEN for the API, /metrics and the live stream (the dashboard asks for it once; or open http://host:port/?token=TOKEN)'),
];

export interface StartCommand {
  help: boolean;
  config: CollectorConfig;
  /** The secret settings given as flags (without --), for tokenFlagWarning. */
  tokenFlags: string[];
}

function describeParseError(error: unknown): string {
  // parseArgs messages are multi-line for some cases; keep the first line, as the CLI
  // promises one-line errors.
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() ?? message;
}

/** Parses `headroom start` arguments (without the command) and the environment. */
export function parseStartCommand(args: string[], env: NodeJS.ProcessEnv): StartCommand {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const setting of START_SETTINGS) options[setting.flag] = { type: 'string' };

  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args, options, strict: true, allowPositionals: false }));
  } catch (error) {
    throw headroomError(errors.cliBadFlag, describeParseError(error));
  }

  const config: CollectorConfig = { dbPath: DEFAULTS.dbPath };
  const tokenFlags: string[] = [];
  if (values.help === true) return { help: true, config, tokenFlags };

  /** Where each setting given came from: its flag or its variable. */
  const sources = new Map<string, string>();
  for (const setting of START_SETTINGS) {
    const fromFlag = values[setting.flag];
    const fromEnv = env[setting.env];
    if (typeof fromFlag === 'string') sources.set(setting.flag, `--${setting.flag}`);
    else if (fromEnv !== undefined && fromEnv !== '') sources.set(setting.flag, setting.env);
  }
  // A token and its file both given: which one was meant cannot be guessed.
  for (const setting of START_SETTINGS) {
    const other = setting.excludes === undefined ? undefined : sources.get(setting.excludes);
    const mine = sources.get(setting.flag);
    if (mine === undefined || other === undefined) continue;
    const code = mine.startsWith('--') || other.startsWith('--') ? errors.cliBadFlag : errors.configBadValue;
    throw headroomError(code, `${mine} and ${other} both give the token; give one of them`);
  }

  for (const setting of START_SETTINGS) {
    const fromFlag = values[setting.flag];
    const fromEnv = env[setting.env];
    const raw = typeof fromFlag === 'string' ? fromFlag : fromEnv;
    if (raw === undefined || (raw === '' && fromFlag === undefined)) continue;
    const problem = setting.apply(config, raw);
    if (problem !== null) {
      const source = typeof fromFlag === 'string' ? `--${setting.flag}` : setting.env;
      const code = typeof fromFlag === 'string' ? errors.cliBadFlag : errors.configBadValue;
      // The error goes to the terminal and the service's log: a bad token is still (nearly) the secret.
      throw headroomError(code, `${source} ${setting.secret ? '(value not shown)' : JSON.stringify(raw)} ${problem}`);
    }
    if (setting.secret && typeof fromFlag === 'string') tokenFlags.push(setting.flag);
  }
  return { help: false, config, tokenFlags };
}

/**
 * One line for stderr when tokens were given as flags, or null: a process's command line is
 * readable by every user of the machine (ps, /proc/<pid>/cmdline), its environment only by its
 * own user and root (/proc/<pid>/environ is mode 0400).
 */
export function tokenFlagWarning(tokenFlags: readonly string[]): string | null {
  if (tokenFlags.length === 0) return null;
  const settings = tokenFlags.map((flag) => START_SETTINGS.find((s) => s.flag === flag) as StartSetting);
  return (
    `headroom: ${errors.configTokenInArgs.code}: ${errors.configTokenInArgs.message}: ` +
    `${settings.map((s) => `--${s.flag}`).join(' and ')} can be read by every user of this machine (ps); ` +
    `set ${settings.map((s) => s.env).join(' and ')} in the environment instead`
  );
}

export function startHelp(): string {
  const lines = [
    'Usage: headroom start [options]',
    '',
    'Starts the collector: the OTLP/HTTP receiver, the SQLite store, the dashboard with its',
    'query API and live stream. Every option can also be set by its environment variable.',
    '',
    'Options:',
  ];
  const width = Math.max(...START_SETTINGS.map((s) => s.flag.length + s.value.length + 3));
  for (const setting of START_SETTINGS) {
    const left = `--${setting.flag} ${setting.value}`.padEnd(width);
    lines.push(`  ${left}  ${setting.help}`);
    lines.push(`  ${''.padEnd(width)}  env ${setting.env}`);
  }
  lines.push(`  ${'-h, --help'.padEnd(width)}  show this help`);
  return lines.join('\n');
}
