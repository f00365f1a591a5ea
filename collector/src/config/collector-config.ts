// The collector's settings and their defaults. `startCollector` takes a CollectorConfig in
// which only the database path is required; everything else falls back to the defaults here,
// so tests and embedders write `{ dbPath, otlpPort: 0, httpPort: 0 }` and nothing more.
import type { AlertSettings } from '../alerts';
import type { AdvisorOptions } from '../advisor/thresholds';
import { DEFAULT_INGEST_LIMITS } from '../receiver/ingest-limits';
import { DEFAULT_CONNECTIONS, type ConnectionSettings } from '../web/connection-limits';
import type { RetentionSettings } from '../store/storage';

export interface LiveSettings {
  /** At most one aggregate push per service per this many ms. */
  coalesceMs: number;
  /** Above this many bytes waiting for one client, frames to it are dropped until it drains. */
  maxBufferedBytes: number;
  /** Keepalive: a client that has not answered the previous ping by the next one is cut. */
  pingIntervalMs: number;
  /** Connections beyond this are refused (503), so many tabs or a runaway script cannot pile up. */
  maxClients: number;
}

export interface CollectorConfig {
  /** SQLite file; its directory is created when missing. */
  dbPath: string;
  /** Address both ports bind to. Loopback unless the operator says otherwise. */
  host?: string;
  /** OTLP/HTTP receiver port; 0 picks a free one (read it back from `otlpUrl`). */
  otlpPort?: number;
  /** Dashboard, query API, live stream, /healthz and /metrics; 0 picks a free one. */
  httpPort?: number;
  retention?: Partial<RetentionSettings>;
  /** Request body cap on the OTLP port, after decompression too. */
  maxBodyBytes?: number;
  /** When set, OTLP requests must carry `Authorization: Bearer <ingestToken>`. */
  ingestToken?: string | null;
  /**
   * Host names (and *.domain patterns, lower case) the HTTP port answers to besides loopback
   * names, and, when bound beyond loopback, IP addresses and the bound name: the DNS rebinding
   * guard (web/host-check.ts). A reverse proxy that forwards its own Host needs its name here.
   */
  allowedHosts?: string[];
  /** When set, /api, /metrics and /ws need it (Bearer header or `token` parameter; never a cookie). */
  dashboardToken?: string | null;
  /** Write-queue capacity handed to the store, in items (spans, points, events). */
  queueCapacity?: number;
  /**
   * Routes (transactions) a service may add in any 24 hours; past that, new ones are stored as
   * "METHOD (other routes)" (store/sqlite/route-budget.ts). Default 1 000.
   */
  maxNewRoutesPerDay?: number;
  /**
   * Services the collector holds; items of new ones past it are refused in partial_success
   * (receiver/ingest-limits.ts). Default 500.
   */
  maxServices?: number;
  /** Instances per service that reported in the last 10 minutes; new ones past it are refused. Default 1 000. */
  maxInstancesPerService?: number;
  /**
   * Worker threads that decode and normalise trace requests (receiver/trace-workers); 0 does
   * it in the collector's thread. Default: one per core beyond the first, at most 4.
   */
  traceWorkers?: number;
  live?: Partial<LiveSettings>;
  /**
   * Per port: open connections (`--max-connections`), per client address
   * (`--max-connections-per-address`), and the timeouts a slow client would
   * abuse (web/connection-limits.ts); tests shorten the timeouts.
   */
  connections?: Partial<ConnectionSettings>;
  /**
   * Folder of the built dashboard (with index.html). Default: dashboard/dist of the
   * @headroom/dashboard package when built; null serves the plain "API is up" page.
   */
  dashboardDir?: string | null;
  /** How long close() waits for in-flight requests before cutting connections. */
  drainTimeoutMs?: number;
  /** Advisor thresholds over the defaults (docs/advisor.md); `--advisor-config FILE`. */
  advisor?: AdvisorOptions;
  /** Alert rules file, evaluation interval, notification grouping and delivery timeouts. */
  alerts?: AlertSettings;
}

export type ResolvedConfig = Required<
  Omit<CollectorConfig, 'retention' | 'live' | 'connections' | 'queueCapacity' | 'maxNewRoutesPerDay' | 'traceWorkers' | 'dashboardDir' | 'advisor' | 'alerts'>
> & {
  /** undefined: look for the built dashboard. */
  dashboardDir: string | null | undefined;
  retention: RetentionSettings;
  live: LiveSettings;
  connections: ConnectionSettings;
  queueCapacity: number | undefined;
  /** undefined: the store's default. */
  maxNewRoutesPerDay: number | undefined;
  /** undefined: the receiver's default for this machine. */
  traceWorkers: number | undefined;
  advisor: AdvisorOptions;
  alerts: AlertSettings;
};

const DAY_MS = 86_400_000;

export const DEFAULTS = {
  dbPath: './headroom-data/headroom.db',
  host: '127.0.0.1',
  otlpPort: 4318,
  httpPort: 8080,
  retention: { rawMs: 3 * DAY_MS, rollupMs: 30 * DAY_MS },
  maxBodyBytes: 20 * 1024 * 1024,
  live: { coalesceMs: 500, maxBufferedBytes: 1024 * 1024, pingIntervalMs: 30_000, maxClients: 256 },
  drainTimeoutMs: 5_000,
  ...DEFAULT_INGEST_LIMITS,
} as const;

export function resolveConfig(config: CollectorConfig): ResolvedConfig {
  return {
    dbPath: config.dbPath,
    host: config.host ?? DEFAULTS.host,
    otlpPort: config.otlpPort ?? DEFAULTS.otlpPort,
    httpPort: config.httpPort ?? DEFAULTS.httpPort,
    retention: { ...DEFAULTS.retention, ...config.retention },
    maxBodyBytes: config.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    ingestToken: config.ingestToken || null,
    dashboardToken: config.dashboardToken || null,
    allowedHosts: config.allowedHosts ?? [],
    queueCapacity: config.queueCapacity,
    maxNewRoutesPerDay: config.maxNewRoutesPerDay,
    maxServices: config.maxServices ?? DEFAULTS.maxServices,
    maxInstancesPerService: config.maxInstancesPerService ?? DEFAULTS.maxInstancesPerService,
    traceWorkers: config.traceWorkers,
    live: { ...DEFAULTS.live, ...config.live },
    connections: { ...DEFAULT_CONNECTIONS, ...config.connections },
    dashboardDir: config.dashboardDir,
    drainTimeoutMs: config.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs,
    advisor: config.advisor ?? {},
    alerts: config.alerts ?? {},
  };
}
