// Counts the HTTP port's requests by handler and status, for /metrics. The handler is a
// fixed set of names, never the raw path: paths carry service names and trace ids, and a
// label per value would grow without bound.
import type { NextFunction, Request, Response } from 'express';

export type HttpHandler = 'api' | 'ws' | 'healthz' | 'metrics' | 'dashboard';

export interface HttpRequestCounter {
  middleware(req: Request, res: Response, next: NextFunction): void;
  /** `${handler} ${status}` → count. */
  counts(): Map<string, number>;
  count(handler: HttpHandler, status: number): void;
}

export function handlerOf(path: string): HttpHandler {
  if (path === '/api' || path.startsWith('/api/')) return 'api';
  if (path === '/ws') return 'ws';
  if (path === '/healthz') return 'healthz';
  if (path === '/metrics') return 'metrics';
  return 'dashboard';
}

export function createHttpRequestCounter(): HttpRequestCounter {
  const counts = new Map<string, number>();
  function count(handler: HttpHandler, status: number): void {
    const key = `${handler} ${status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return {
    middleware(req, res, next) {
      // Read the path now: mounted routers rewrite req.url while they run.
      const handler = handlerOf(req.path);
      res.once('finish', () => count(handler, res.statusCode));
      next();
    },
    counts: () => counts,
    count,
  };
}
