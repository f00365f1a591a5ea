// The OpenTelemetry instrumentations, loaded one by one: only those that are enabled and whose
// target package is installed. `getNodeAutoInstrumentations()` requires all ~40 instrumentation
// packages (and, at import, the cloud resource detectors) whatever the app uses: ≈20 MB of RSS
// and start-up time for code that never runs. The switches keep its meaning: programmatic
// `enabled` first, then OTEL_NODE_DISABLED_INSTRUMENTATIONS, then
// OTEL_NODE_ENABLED_INSTRUMENTATIONS (when set, only those), then the default exclusions.
// A package named in OTEL_NODE_ENABLED_INSTRUMENTATIONS is loaded even when its target is not
// found (a target installed somewhere the lookup below does not see).
import type { Instrumentation, InstrumentationConfig } from '@opentelemetry/instrumentation';
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface Entry {
  /** The class exported by `@opentelemetry/instrumentation-<name>`. */
  className: string;
  /** Packages the instrumentation patches; empty: Node built-ins or globals, always loaded. */
  targets: readonly string[];
  /** Loaded only where this holds (e.g. only inside AWS Lambda). */
  when?: (env: Env) => boolean;
}

type Env = Record<string, string | undefined>;

/**
 * Mirrors auto-instrumentations-node 0.81's InstrumentationMap (a test keeps the two in step,
 * targets included).
 */
export const INSTRUMENTATIONS: Readonly<Record<string, Entry>> = {
  amqplib: { className: 'AmqplibInstrumentation', targets: ['amqplib'] },
  'aws-lambda': { className: 'AwsLambdaInstrumentation', targets: [], when: (env) => Boolean(env._HANDLER && env.LAMBDA_TASK_ROOT) },
  'aws-sdk': { className: 'AwsInstrumentation', targets: ['@aws-sdk/middleware-stack', '@smithy/middleware-stack', '@smithy/core', '@aws-sdk/smithy-client', '@smithy/smithy-client'] },
  bunyan: { className: 'BunyanInstrumentation', targets: ['bunyan'] },
  'cassandra-driver': { className: 'CassandraDriverInstrumentation', targets: ['cassandra-driver'] },
  connect: { className: 'ConnectInstrumentation', targets: ['connect'] },
  cucumber: { className: 'CucumberInstrumentation', targets: ['@cucumber/cucumber'] },
  dataloader: { className: 'DataloaderInstrumentation', targets: ['dataloader'] },
  dns: { className: 'DnsInstrumentation', targets: [] },
  express: { className: 'ExpressInstrumentation', targets: ['express'] },
  fs: { className: 'FsInstrumentation', targets: [] },
  'generic-pool': { className: 'GenericPoolInstrumentation', targets: ['generic-pool'] },
  graphql: { className: 'GraphQLInstrumentation', targets: ['graphql'] },
  grpc: { className: 'GrpcInstrumentation', targets: ['@grpc/grpc-js'] },
  hapi: { className: 'HapiInstrumentation', targets: ['@hapi/hapi'] },
  'host-metrics': { className: 'HostMetricsInstrumentation', targets: [] },
  http: { className: 'HttpInstrumentation', targets: [] },
  ioredis: { className: 'IORedisInstrumentation', targets: ['ioredis'] },
  kafkajs: { className: 'KafkaJsInstrumentation', targets: ['kafkajs'] },
  knex: { className: 'KnexInstrumentation', targets: ['knex'] },
  koa: { className: 'KoaInstrumentation', targets: ['koa'] },
  'lru-memoizer': { className: 'LruMemoizerInstrumentation', targets: ['lru-memoizer'] },
  memcached: { className: 'MemcachedInstrumentation', targets: ['memcached'] },
  mongodb: { className: 'MongoDBInstrumentation', targets: ['mongodb'] },
  mongoose: { className: 'MongooseInstrumentation', targets: ['mongoose'] },
  mysql2: { className: 'MySQL2Instrumentation', targets: ['mysql2'] },
  mysql: { className: 'MySQLInstrumentation', targets: ['mysql'] },
  'nestjs-core': { className: 'NestInstrumentation', targets: ['@nestjs/core'] },
  net: { className: 'NetInstrumentation', targets: [] },
  openai: { className: 'OpenAIInstrumentation', targets: ['openai'] },
  oracledb: { className: 'OracleInstrumentation', targets: ['oracledb'] },
  pg: { className: 'PgInstrumentation', targets: ['pg', 'pg-pool'] },
  pino: { className: 'PinoInstrumentation', targets: ['pino'] },
  redis: { className: 'RedisInstrumentation', targets: ['redis', '@redis/client', '@node-redis/client'] },
  restify: { className: 'RestifyInstrumentation', targets: ['restify'] },
  router: { className: 'RouterInstrumentation', targets: ['router'] },
  'runtime-node': { className: 'RuntimeNodeInstrumentation', targets: [] },
  'socket.io': { className: 'SocketIoInstrumentation', targets: ['socket.io'] },
  tedious: { className: 'TediousInstrumentation', targets: ['tedious'] },
  undici: { className: 'UndiciInstrumentation', targets: [] },
  winston: { className: 'WinstonInstrumentation', targets: ['winston'] },
};

/** auto-instrumentations-node's own default exclusions. */
const EXCLUDED_BY_DEFAULT = new Set(['fs', 'host-metrics']);

export interface Selection {
  /** Short names (`http`, `express`, …) to load, with their config. */
  load: { name: string; config: InstrumentationConfig & { enabled?: boolean } }[];
  /** Names in the OTEL_NODE_* lists that are no instrumentation. */
  unknown: string[];
}

function envList(value: string | undefined): string[] | null {
  if (!value) return null;
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * Which instrumentations to load. `configs` is keyed by short name; `installed` says whether a
 * package can be found from the app. Pure, so the switch rules are unit-tested.
 */
export function selectInstrumentations(
  configs: Record<string, InstrumentationConfig & { enabled?: boolean }>,
  env: Env,
  installed: (pkg: string) => boolean,
): Selection {
  const enabledList = envList(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS);
  const disabledList = envList(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS) ?? [];
  const unknown = [...(enabledList ?? []), ...disabledList].filter((n) => !(n in INSTRUMENTATIONS));
  const load: Selection['load'] = [];
  for (const [name, entry] of Object.entries(INSTRUMENTATIONS)) {
    const config = configs[name] ?? {};
    let on: boolean;
    if (config.enabled === false) on = false;
    else if (config.enabled === true) on = true;
    else if (disabledList.includes(name)) on = false;
    else if (enabledList) on = enabledList.includes(name);
    else on = !EXCLUDED_BY_DEFAULT.has(name);
    if (!on) continue;
    const asked = config.enabled === true || (enabledList?.includes(name) ?? false);
    if (entry.when && !entry.when(env)) continue;
    if (!asked && entry.targets.length > 0 && !entry.targets.some(installed)) continue;
    load.push({ name, config });
  }
  return { load, unknown };
}

/**
 * Whether `pkg` is installed where the app's `require` would look: the node_modules folders
 * above the main script and above the working directory, and the global folders. Yarn PnP has
 * no such folders: there, everything counts as installed.
 */
export function installedFrom(bases: string[]): (pkg: string) => boolean {
  if (process.versions.pnp) return () => true;
  const dirs = new Set<string>();
  for (const base of bases) {
    try {
      for (const dir of createRequire(join(base, 'noop.js')).resolve.paths('x') ?? []) dirs.add(dir);
    } catch {
      // an unreadable base: the others still count
    }
  }
  return (pkg) => {
    for (const dir of dirs) if (existsSync(join(dir, pkg, 'package.json'))) return true;
    return false;
  };
}

/** Where the app's packages are looked up from: the main script's folder and the working directory. */
export function appBases(argv1: string | undefined): string[] {
  const bases = [process.cwd()];
  if (argv1) {
    try {
      bases.unshift(dirname(realpathSync(argv1)));
    } catch {
      bases.unshift(dirname(argv1));
    }
  }
  return bases;
}

type InstrumentationClass = new (config?: InstrumentationConfig) => Instrumentation;

// The instrumentation packages are dependencies of auto-instrumentations-node: resolved from
// there (they may sit in its own node_modules), without loading its index.
const fromAuto = createRequire(require.resolve('@opentelemetry/auto-instrumentations-node'));

/** Requires and constructs the selected instrumentations; a package that fails is reported and skipped. */
export function loadInstrumentations(selection: Selection, onError: (name: string, err: unknown) => void): Instrumentation[] {
  const out: Instrumentation[] = [];
  for (const { name, config } of selection.load) {
    const entry = INSTRUMENTATIONS[name];
    if (!entry) continue;
    try {
      const mod = fromAuto(`@opentelemetry/instrumentation-${name}`) as Record<string, InstrumentationClass | undefined>;
      const Ctor = mod[entry.className];
      if (!Ctor) throw new Error(`no export ${entry.className}`);
      out.push(new Ctor(config));
    } catch (err) {
      onError(name, err);
    }
  }
  return out;
}
