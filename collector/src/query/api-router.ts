// The query API: JSON under /api, one route per question the dashboard asks. Every route
// reads its parameters through query-params (bounded, 400 on anything odd) and answers with
// a type from api-types straight from the Storage interface.
import { Router, type NextFunction, type Request, type Response } from 'express';
import { createAdvisor, type Advisor } from '../advisor';
import type {
  AdvisorResponse,
  DeploymentsResponse,
  ErrorGroupsResponse,
  EventsResponse,
  InstanceSeriesResponse,
  InstancesResponse,
  ServiceSeriesResponse,
  ServicesResponse,
  StallsResponse,
  TimeBreakdownResponse,
  TraceResponse,
  TracesResponse,
  TransactionsResponse,
} from '../api-types';
import { errors } from '../errors';
import { StoreDamagedError, type Storage } from '../store/storage';
import { ApiHttpError, badParam, notFound } from './api-error';
import { bucketSizeFor } from './bucket-size';
import {
  booleanParam,
  DEFAULT_TRANSACTIONS_LIMIT,
  deployWindowParam,
  eventTypeParam,
  limitParam,
  matchedRoutesParam,
  nonNegativeNumberParam,
  offsetParam,
  rangeParams,
  serviceParam,
  stringParam,
  traceIdParam,
  traceSortParam,
  transactionRouteParam,
  wholeMinutes,
  type RawQuery,
} from './query-params';

type ServiceParams = { service: string };

function unknownService(service: string): ApiHttpError {
  return notFound(`no data from service ${JSON.stringify(service)} has been seen (GET /api/services lists the services with data in a range)`);
}

function query(req: Request): RawQuery {
  return req.query as RawQuery;
}

export function createApiRouter(storage: Storage, now: () => number = Date.now, advisor: Advisor = createAdvisor(storage)): Router {
  const router = Router();

  /** The `service` filter of a cross-service endpoint: a service never seen is a 404 there too. */
  const seenServiceFilter = (q: RawQuery): { service?: string } => {
    const raw = stringParam(q, 'service');
    if (raw === undefined) return {};
    const service = serviceParam(raw);
    if (!storage.knownService(service)) throw unknownService(service);
    return { service };
  };

  router.use((_req, res, next) => {
    // Figures change by the second; a cached answer is a wrong answer.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  // A service's own endpoints answer 404 for a service never seen, rather than a range of
  // nulls that reads like a quiet service (a typo in a URL or a script looks the same as an outage).
  router.use('/services/:service', (req: Request<ServiceParams>, _res, next) => {
    const service = serviceParam(req.params.service);
    if (!storage.knownService(service)) throw unknownService(service);
    next();
  });

  router.get('/services', (req, res: Response<ServicesResponse>) => {
    // Rollups count whole minutes: the rate and the echoed range are over those (as transactions).
    res.json(storage.services(wholeMinutes(rangeParams(query(req), now()))));
  });

  router.get('/services/:service/series', (req: Request<ServiceParams>, res: Response<ServiceSeriesResponse>) => {
    const range = rangeParams(query(req), now());
    const route = transactionRouteParam(query(req));
    const instanceId = stringParam(query(req), 'instance');
    const matchedRoutes = matchedRoutesParam(query(req));
    res.json(
      storage.serviceSeries({
        ...range,
        service: serviceParam(req.params.service),
        ...(route !== undefined && { route }),
        ...(instanceId !== undefined && { instanceId }),
        ...(matchedRoutes && { matchedRoutes }),
        bucketMs: bucketSizeFor(range.from, range.to),
      }),
    );
  });

  router.get('/services/:service/instances/series', (req: Request<ServiceParams>, res: Response<InstanceSeriesResponse>) => {
    const range = rangeParams(query(req), now());
    const instanceId = stringParam(query(req), 'instance');
    res.json(
      storage.instanceSeries({
        ...range,
        service: serviceParam(req.params.service),
        ...(instanceId !== undefined && { instanceId }),
        bucketMs: bucketSizeFor(range.from, range.to),
      }),
    );
  });

  router.get('/services/:service/transactions', (req: Request<ServiceParams>, res: Response<TransactionsResponse>) => {
    const q = query(req);
    res.json(storage.transactions({ ...wholeMinutes(rangeParams(q, now())), service: serviceParam(req.params.service), limit: limitParam(q, DEFAULT_TRANSACTIONS_LIMIT) }));
  });

  router.get('/services/:service/instances', (req: Request<ServiceParams>, res: Response<InstancesResponse>) => {
    res.json(storage.instances({ ...rangeParams(query(req), now()), service: serviceParam(req.params.service) }));
  });

  router.get('/services/:service/deployments', (req: Request<ServiceParams>, res: Response<DeploymentsResponse>) => {
    const q = query(req);
    res.json(storage.deployments({ ...rangeParams(q, now()), service: serviceParam(req.params.service), windowMs: deployWindowParam(q), now: now() }));
  });

  router.get('/services/:service/stalls', (req: Request<ServiceParams>, res: Response<StallsResponse>) => {
    const route = transactionRouteParam(query(req));
    res.json(storage.stalls({ ...rangeParams(query(req), now()), service: serviceParam(req.params.service), ...(route !== undefined && { route }) }));
  });

  router.get('/services/:service/errors', (req: Request<ServiceParams>, res: Response<ErrorGroupsResponse>) => {
    const range = rangeParams(query(req), now());
    res.json(storage.errorGroups({ ...range, service: serviceParam(req.params.service), bucketMs: bucketSizeFor(range.from, range.to) }));
  });

  router.get('/services/:service/time-breakdown', (req: Request<ServiceParams>, res: Response<TimeBreakdownResponse>) => {
    const route = transactionRouteParam(query(req));
    res.json(
      storage.timeBreakdown({ ...rangeParams(query(req), now()), service: serviceParam(req.params.service), ...(route !== undefined && { route }) }),
    );
  });

  router.get('/traces', (req, res: Response<TracesResponse>) => {
    const q = query(req);
    const service = seenServiceFilter(q);
    const route = stringParam(q, 'route');
    const minDurationMs = nonNegativeNumberParam(q, 'minDurationMs');
    const error = booleanParam(q, 'error');
    const errorKind = stringParam(q, 'errorKind');
    const notable = booleanParam(q, 'notable');
    if (notable === true && service.service === undefined) throw badParam('notable needs a service: the slow threshold is the service\'s');
    const sort = traceSortParam(q);
    const offset = offsetParam(q);
    res.json(
      storage.traces({
        ...rangeParams(q, now()),
        limit: limitParam(q),
        ...(notable !== undefined && { notable }),
        ...(sort !== undefined && { sort }),
        ...(offset > 0 && { offset }),
        ...service,
        ...(route !== undefined && { route }),
        ...(minDurationMs !== undefined && { minDurationMs }),
        ...(error !== undefined && { error }),
        ...(errorKind !== undefined && { errorKind }),
      }),
    );
  });

  router.get('/traces/:traceId', (req: Request<{ traceId: string }>, res: Response<TraceResponse>) => {
    const traceId = traceIdParam(req.params.traceId);
    const trace = storage.trace(traceId);
    if (trace === null) throw notFound(`no trace ${traceId} (it may have aged out of retention)`);
    res.json(trace);
  });

  router.get('/events', (req, res: Response<EventsResponse>) => {
    const q = query(req);
    const service = seenServiceFilter(q);
    const instanceId = stringParam(q, 'instance');
    const route = stringParam(q, 'route');
    const type = eventTypeParam(q);
    res.json(
      storage.events({
        ...rangeParams(q, now()),
        limit: limitParam(q),
        ...service,
        ...(instanceId !== undefined && { instanceId }),
        ...(route !== undefined && { route }),
        ...(type !== undefined && { type }),
      }),
    );
  });

  router.get('/advisor', (req, res: Response<AdvisorResponse>) => {
    const q = query(req);
    res.json(advisor.findings({ ...rangeParams(q, now()), ...seenServiceFilter(q) }));
  });

  router.use((req) => {
    throw notFound(`no API route ${req.method} ${req.baseUrl}${req.path}`);
  });

  router.use(apiErrorHandler);
  return router;
}

/** Express error handler for /api: ApiHttpError as its status and body, a damaged database 503, anything else a 500. */
export function apiErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  if (error instanceof ApiHttpError) {
    res.status(error.status).json(error.body());
    return;
  }
  // A read reached a damaged part of the database: not the request's fault, and not a bug of
  // ours either; the message names the file and what to do (logged once by the store).
  if (error instanceof StoreDamagedError) {
    res.status(503).json({ error: { code: error.code, message: error.message } });
    return;
  }
  // Body-parser style errors carry their own 4xx status (none expected on GET, but cheap to honour).
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    res.status(status).json({ error: { code: errors.apiBadParam.code, message: errors.apiBadParam.message } });
    return;
  }
  console.error(`headroom: ${errors.apiInternal.code}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  res.status(500).json({ error: { code: errors.apiInternal.code, message: errors.apiInternal.message } });
}
