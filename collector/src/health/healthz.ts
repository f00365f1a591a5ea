// GET /healthz: 200 while the collector serves, with the database's state, for process
// supervisors and load balancers. Left outside the dashboard token on purpose. 503 while
// writes to the database fail (a damaged file, a full disk): the collector still answers,
// but it stores nothing, and a supervisor or a check must see that. 503 too once a query found
// the file damaged: what it holds can no longer all be read, and only an operator can mend it.
import type { Request, Response } from 'express';
import type { Storage, StoreFailure } from '../store/storage';

export interface HealthResponse {
  status: 'ok' | 'failing';
  /** Seconds since the collector started. */
  uptime: number;
  db: { path: string; bytes: number; queueDepth: number; queueCapacity: number; lastBatchMs: number | null };
  /**
   * Why writes fail, while they do (HR_STORE_FAILING), or that a query found the file damaged
   * (HR_STORE_DAMAGED, until a restart), with the path and what to do.
   */
  error?: StoreFailure;
}

export function healthzHandler(storage: Storage, dbPath: string, startedAt: number) {
  return function healthz(_req: Request, res: Response<HealthResponse>): void {
    const stats = storage.stats();
    // Failing writes first (agents are refused meanwhile); else a damaged file a query found.
    const failure = storage.writeFailure?.() ?? storage.readFailure?.() ?? null;
    res.setHeader('Cache-Control', 'no-store');
    res.status(failure ? 503 : 200).json({
      status: failure ? 'failing' : 'ok',
      uptime: Math.round((Date.now() - startedAt) / 1000),
      db: {
        path: dbPath,
        bytes: stats.databaseBytes,
        queueDepth: stats.queueDepth,
        queueCapacity: stats.queueCapacity,
        lastBatchMs: stats.lastBatchMs,
      },
      ...(failure && { error: failure }),
    });
  };
}
