// GET /healthz: 200 while the collector serves, with the database's state, for process
// supervisors and load balancers. 503 while writes to the database fail (a damaged file, a full
// disk): the collector still answers, but it stores nothing, and a supervisor or a check must see
// that. 503 too once a query found the file damaged: what it holds can no longer all be read, and
// only an operator can mend it.
//
// A probe carries no secret, so the status and the failure's code are open to anyone. The
// detail (the database's path and size, the failure's message, which names the path, and the
// ingest caps' counts) says where the data lives and how the collector is used: with a
// dashboard token set it needs that token, as /api and /metrics do. Without one everything on
// this port is open anyway, so the detail is shown to all.
import type { Request, Response } from 'express';
import type { ReceiverStats } from '../receiver';
import type { IngestLimitSettings } from '../receiver/ingest-limits';
import type { Storage, StoreFailure } from '../store/storage';
import { isDashboardRequestAllowed } from '../web/dashboard-auth';

export interface HealthResponse {
  status: 'ok' | 'failing';
  /** Seconds since the collector started. */
  uptime: number;
  /** Detail: only with the dashboard token when one is set. */
  db?: { path: string; bytes: number; queueDepth: number; queueCapacity: number; lastBatchMs: number | null };
  /**
   * Why writes fail, while they do (HR_STORE_FAILING), or that a query found the file damaged
   * (HR_STORE_DAMAGED, until a restart); its message (with the path and what to do) is detail.
   */
  error?: Omit<StoreFailure, 'message'> & { message?: string };
  /** Detail: the services the caps count, the caps, and the items refused past them. */
  ingest?: { services: number; maxServices: number; maxInstancesPerService: number; itemsOverLimit: { services: number; instances: number } };
}

export interface HealthzOptions {
  storage: Storage;
  dbPath: string;
  startedAt: number;
  dashboardToken: string | null;
  receiver(): ReceiverStats;
  limits: IngestLimitSettings;
}

function ingestDetail(stats: ReceiverStats, limits: IngestLimitSettings): NonNullable<HealthResponse['ingest']> {
  const signals = [stats.traces, stats.metrics, stats.logs];
  return {
    services: stats.services ?? 0,
    maxServices: limits.maxServices,
    maxInstancesPerService: limits.maxInstancesPerService,
    itemsOverLimit: {
      services: signals.reduce((n, s) => n + s.overServiceLimit, 0),
      instances: signals.reduce((n, s) => n + s.overInstanceLimit, 0),
    },
  };
}

export function healthzHandler(options: HealthzOptions) {
  const { storage } = options;
  return function healthz(req: Request, res: Response<HealthResponse>): void {
    // Failing writes first (agents are refused meanwhile); else a damaged file a query found.
    const failure = storage.writeFailure?.() ?? storage.readFailure?.() ?? null;
    const detail = isDashboardRequestAllowed(options.dashboardToken, req);
    res.setHeader('Cache-Control', 'no-store');
    const body: HealthResponse = { status: failure ? 'failing' : 'ok', uptime: Math.round((Date.now() - options.startedAt) / 1000) };
    if (detail) {
      const stats = storage.stats();
      body.db = {
        path: options.dbPath,
        bytes: stats.databaseBytes,
        queueDepth: stats.queueDepth,
        queueCapacity: stats.queueCapacity,
        lastBatchMs: stats.lastBatchMs,
      };
      body.ingest = ingestDetail(options.receiver(), options.limits);
    }
    if (failure) {
      const { message: _message, ...open } = failure;
      body.error = detail ? failure : open;
    }
    res.status(failure ? 503 : 200).json(body);
  };
}
