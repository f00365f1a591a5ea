// GET /healthz: 200 while the collector serves, with the database's state, for process
// supervisors and load balancers. Left outside the dashboard token on purpose.
import type { Request, Response } from 'express';
import type { Storage } from '../store/storage';

export interface HealthResponse {
  status: 'ok';
  /** Seconds since the collector started. */
  uptime: number;
  db: { path: string; bytes: number; queueDepth: number; queueCapacity: number; lastBatchMs: number | null };
}

export function healthzHandler(storage: Storage, dbPath: string, startedAt: number) {
  return function healthz(_req: Request, res: Response<HealthResponse>): void {
    const stats = storage.stats();
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      status: 'ok',
      uptime: Math.round((Date.now() - startedAt) / 1000),
      db: {
        path: dbPath,
        bytes: stats.databaseBytes,
        queueDepth: stats.queueDepth,
        queueCapacity: stats.queueCapacity,
        lastBatchMs: stats.lastBatchMs,
      },
    });
  };
}
