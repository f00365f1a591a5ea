// The express app of the HTTP port: security headers, request counting and the Host check
// (host-check.ts) on everything, /healthz open (its detail behind the dashboard token:
// healthz.ts), then the dashboard token (when set) in front of /metrics and /api (the
// dashboard's shell and files hold no data and need none). The /ws upgrade is handled next to
// it, in server.ts.
import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { Advisor } from '../advisor';
import type { CollectorInfoResponse } from '../api-types';
import { metricsHandler, type MetricSources } from '../health/collector-metrics';
import { healthzHandler } from '../health/healthz';
import type { HttpRequestCounter } from '../health/http-request-counter';
import type { IngestLimitSettings } from '../receiver/ingest-limits';
import { createApiRouter } from '../query/api-router';
import type { Storage } from '../store/storage';
import { dashboardAuth } from './dashboard-auth';
import { hostGuard, type HostCheck } from './host-check';
import { setSecurityHeaders } from './security-headers';
import { dashboardRouter } from './static-dashboard';

export interface HttpAppOptions {
  storage: Storage;
  dbPath: string;
  dashboardToken: string | null;
  dashboardDist: string | null;
  requests: HttpRequestCounter;
  /** Which Host headers this port answers to (DNS rebinding guard). */
  hostCheck: HostCheck;
  metrics: MetricSources;
  /** The caps /healthz reports beside the counts of what they refused. */
  ingestLimits: IngestLimitSettings;
  startedAt: number;
  /** The advisor behind /api/advisor (one per collector, with its configured thresholds). */
  advisor?: Advisor;
  /** /api/alerts (mounted before the query API's catch-all 404). */
  alertsRouter?: Router;
  /** The OTLP port's URL, read when asked (the port is bound after the app is made). */
  otlpUrl?: () => string;
  /** Whether the OTLP port requires an ingest token: the "how to start the agent" guide says so. */
  ingestTokenRequired?: boolean;
}

export function createHttpApp(options: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(options.requests.middleware);
  app.use((_req: Request, res: Response, next: NextFunction) => {
    setSecurityHeaders(res);
    next();
  });
  app.use(hostGuard(options.hostCheck));
  app.get(
    '/healthz',
    healthzHandler({
      storage: options.storage,
      dbPath: options.dbPath,
      startedAt: options.startedAt,
      dashboardToken: options.dashboardToken,
      receiver: options.metrics.receiver,
      limits: options.ingestLimits,
    }),
  );
  app.use(dashboardAuth(options.dashboardToken));
  app.get('/metrics', metricsHandler(options.metrics));
  if (options.alertsRouter) app.use('/api/alerts', options.alertsRouter);
  const otlpUrl = options.otlpUrl;
  if (otlpUrl) {
    // Where apps should send: the dashboard's "how to start the agent" quotes it.
    app.get('/api/collector', (_req: Request, res: Response<CollectorInfoResponse>) => {
      res.setHeader('Cache-Control', 'no-store');
      res.json({ otlpUrl: otlpUrl(), ingestTokenRequired: options.ingestTokenRequired === true });
    });
  }
  app.use('/api', createApiRouter(options.storage, Date.now, options.advisor));
  app.use(dashboardRouter(options.dashboardDist));
  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('Not found\n');
  });
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const status = (error as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).type('text/plain').send(`${status}\n`);
      return;
    }
    console.error(`headroom: HTTP request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    res.status(500).type('text/plain').send('Internal error\n');
  });
  return app;
}
