// startCollector: the collector process in one call. Opens the store, serves OTLP/HTTP on one
// port (the receiver as a plain request listener) and the dashboard, query API, live stream,
// /healthz and /metrics on the other, and closes it all in order: stop accepting, let
// in-flight requests finish, flush pending writes, close the database.
import http from 'node:http';
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createAlerting, type Alerting } from './alerts';
import { createAdvisor, type Advisor } from './advisor';
import { resolveConfig, type CollectorConfig, type ResolvedConfig } from './config/collector-config';
import { errors, headroomError } from './errors';
import { createHttpRequestCounter } from './health/http-request-counter';
import { createLiveHub, type LiveHub } from './live/live-hub';
import { createOtlpReceiver, type OtlpReceiver } from './receiver';
import { openSqliteStorage } from './store/sqlite';
import { createPrivateFolder } from './store/sqlite/private-file';
import type { Storage } from './store/storage';
import { limitConnections, serverOptions } from './web/connection-limits';
import { createHostCheck } from './web/host-check';
import { createHttpApp } from './web/http-app';
import { withIngestGuard } from './web/ingest-auth';
import { findDashboardDist } from './web/static-dashboard';
import { wsUpgradeHandler } from './web/ws-upgrade';

export type { CollectorConfig } from './config/collector-config';

export interface RunningCollector {
  /** e.g. http://127.0.0.1:4318 — what OTEL_EXPORTER_OTLP_ENDPOINT should be. */
  otlpUrl: string;
  /** e.g. http://127.0.0.1:8080 — the dashboard, /api, /ws, /healthz, /metrics. */
  httpUrl: string;
  storage: Storage;
  /** Idempotent; resolves once the database is closed. */
  close(): Promise<void>;
}

interface PortRole {
  what: string;
  flag: string;
  env: string;
}

const OTLP_ROLE: PortRole = { what: 'OTLP receiver', flag: '--otlp-port', env: 'HEADROOM_OTLP_PORT' };
const HTTP_ROLE: PortRole = { what: 'dashboard/API', flag: '--http-port', env: 'HEADROOM_HTTP_PORT' };

function urlOf(server: http.Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function listen(server: http.Server, port: number, host: string, role: PortRole): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const where = `${host}:${port} (${role.what})`;
      if (error.code === 'EADDRINUSE') {
        reject(headroomError(errors.configPortInUse, `${where} is taken by another process; choose another with ${role.flag} or ${role.env}`));
      } else if (error.code === 'EACCES') {
        reject(headroomError(errors.configListen, `${where}: permission denied (ports below 1024 need privileges); choose another with ${role.flag}`));
      } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') {
        reject(headroomError(errors.configListen, `${where}: address not available on this machine; check --host or HEADROOM_HOST`));
      } else {
        reject(headroomError(errors.configListen, `${where}: ${error.message}`, error));
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** Stops accepting, waits up to `timeoutMs` for open requests, then cuts what is left. */
function closeServer(server: http.Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function ensureDatabaseFolder(dbPath: string): void {
  try {
    createPrivateFolder(path.dirname(dbPath));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw headroomError(errors.configDbPath, `cannot create the folder of ${dbPath} (${reason}); choose another with --db or HEADROOM_DB`, error);
  }
}

interface Servers {
  otlp: http.Server;
  receiver: OtlpReceiver;
  http: http.Server;
  hub: LiveHub;
}

function createServers(storage: Storage, settings: ResolvedConfig, dbPath: string, alerting: Alerting, advisor: Advisor): Servers {
  const startedAt = Date.now();
  const receiver = createOtlpReceiver({
    storage,
    maxBodyBytes: settings.maxBodyBytes,
    limits: { maxServices: settings.maxServices, maxInstancesPerService: settings.maxInstancesPerService, forgetAfterMs: settings.retention.rollupMs },
    ...(settings.traceWorkers !== undefined && { traceWorkers: settings.traceWorkers }),
  });
  // Which names this collector answers to: the HTTP port's Host, the OTLP port's page origins.
  const hostCheck = createHostCheck({ bindHost: settings.host, allowedHosts: settings.allowedHosts, machineName: hostname() });
  const connections = settings.connections;
  const otlp = http.createServer(serverOptions(connections), withIngestGuard({ token: settings.ingestToken, hostCheck }, receiver.handle));
  const otlpConnections = limitConnections(otlp, connections, 'OTLP');

  const requests = createHttpRequestCounter();
  const hub = createLiveHub({ storage, settings: settings.live });
  const app = createHttpApp({
    storage,
    dbPath,
    dashboardToken: settings.dashboardToken,
    dashboardDist: settings.dashboardDir === undefined ? findDashboardDist() : settings.dashboardDir,
    requests,
    hostCheck,
    ingestLimits: { maxServices: settings.maxServices, maxInstancesPerService: settings.maxInstancesPerService },
    startedAt,
    advisor,
    alertsRouter: alerting.router,
    otlpUrl: () => urlOf(otlp),
    ingestTokenRequired: settings.ingestToken !== null && settings.ingestToken !== undefined,
    metrics: {
      receiver: () => receiver.stats(),
      store: () => storage.stats(),
      live: () => hub.stats(),
      alertStoreWriteFailures: () => alerting.store.writeFailures(),
      http: requests,
      connections: () => ({ otlp: { ...otlpConnections }, http: { ...httpConnections } }),
      startedAt,
    },
  });
  const server = http.createServer(serverOptions(connections), app);
  const httpConnections = limitConnections(server, connections, 'dashboard/API');
  server.on('upgrade', wsUpgradeHandler(hub, settings.dashboardToken, requests, hostCheck, settings.allowedHosts));
  return { otlp, receiver, http: server, hub };
}

async function closeServers(servers: Servers, drainTimeoutMs: number): Promise<void> {
  await Promise.all([
    // The trace workers stop once the OTLP requests they were decoding are answered.
    closeServer(servers.otlp, drainTimeoutMs).finally(() => servers.receiver.close()),
    closeServer(servers.http, drainTimeoutMs),
    servers.hub.close(),
  ]);
}

export async function startCollector(config: CollectorConfig): Promise<RunningCollector> {
  const settings = resolveConfig(config);
  const dbPath = path.resolve(settings.dbPath);
  ensureDatabaseFolder(dbPath);
  const storage = openSqliteStorage({
    path: dbPath,
    retention: settings.retention,
    ...(settings.queueCapacity !== undefined && { queueCapacity: settings.queueCapacity }),
    ...(settings.maxNewRoutesPerDay !== undefined && { maxNewRoutesPerDay: settings.maxNewRoutesPerDay }),
  });
  let servers: Servers | null = null;
  let alerting: Alerting | null = null;
  try {
    // One advisor for the API and for advisor.finding alert rules.
    const advisor = createAdvisor(storage, settings.advisor);
    alerting = createAlerting({
      storage,
      dbPath,
      reads: storage.reads,
      settings: settings.alerts,
      findings: advisor,
      retentionMs: settings.retention.rollupMs,
      // The hub is made next; transitions only happen after start().
      onTransition: (transition) => servers?.hub.publishAlert(transition),
    });
    servers = createServers(storage, settings, dbPath, alerting, advisor);
    await listen(servers.otlp, settings.otlpPort, settings.host, OTLP_ROLE);
    await listen(servers.http, settings.httpPort, settings.host, HTTP_ROLE);
  } catch (error) {
    if (servers !== null) await closeServers(servers, settings.drainTimeoutMs).catch(() => undefined);
    await alerting?.close().catch(() => undefined);
    await storage.close().catch(() => undefined);
    throw error;
  }

  const running = servers;
  const alerts = alerting;
  alerts.start(urlOf(running.http));
  async function shutdown(): Promise<void> {
    await closeServers(running, settings.drainTimeoutMs);
    await alerts.close();
    await storage.close();
  }

  let closing: Promise<void> | null = null;
  return {
    otlpUrl: urlOf(running.otlp),
    httpUrl: urlOf(running.http),
    storage,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
