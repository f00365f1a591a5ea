// /api/alerts: rules (CRUD, mute), their states, the history of transitions, destinations
// (secrets are write-only), deliveries with every attempt, and "send test notification".
// Changing requests must be JSON (415 otherwise): a cross-site HTML form cannot send that
// without a CORS preflight, so a page on another site cannot change rules (a collector without
// a dashboard token would otherwise take a form posted to it from any page the user opens).
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type {
  AlertDeliveriesResponse,
  AlertDestination,
  AlertDestinationCreated,
  AlertDestinationsResponse,
  AlertHistoryResponse,
  AlertRule,
  AlertRuleWithState,
  AlertRulesResponse,
} from '../api-types';
import { errors, HeadroomError } from '../errors';
import { apiErrorHandler } from '../query/api-router';
import { ApiHttpError, notFound } from '../query/api-error';
import { limitParam, rangeParams, stringParam, type RawQuery } from '../query/query-params';
import type { AlertStore, DestinationAttempts, StoredDestination, StoredRule } from './alert-store';
import { seriesLink } from './dashboard-link';
import { maskedUrl, urlToStore } from './destination-url';
import { toRule, type AlertEngine } from './engine';
import { ANY_HOST, type DestinationPolicy } from './notify/destination-policy';
import { newRuleId, newSecret, parseDestination, parseRule } from './rule-schema';
import { storedRuleProblem } from './stored-rule-problems';

type IdParams = { id: string };

function query(req: Request): RawQuery {
  return req.query as RawQuery;
}

/** Whether a service has sent anything the store holds (Storage.knownService). */
export type KnownService = (service: string) => boolean;

function withState(stored: StoredRule, engine: AlertEngine, knownService: KnownService): AlertRuleWithState {
  const rule = toRule(stored);
  const problem = storedRuleProblem(stored);
  const notice = knownService(rule.service) ? null : unseenServiceNotice(rule);
  return { rule, state: engine.state(rule.id), link: seriesLink(rule), ...(problem !== null && { problem }), ...(notice !== null && { notice }) };
}

/**
 * A rule for a service never seen is kept (services deploy after their alerts), but says so:
 * a typo ("shpo") would otherwise wait forever, silently.
 */
function unseenServiceNotice(rule: AlertRule): string {
  return `no data from service ${JSON.stringify(rule.service)} has been seen yet: the rule is kept and evaluated as for a service with no traffic until it reports (a window without data: noData "${rule.noData}"). If the service should be running, check the name against GET /api/services`;
}

function viewDestination(d: StoredDestination, attempts: Map<string, DestinationAttempts>): AlertDestination {
  const a = attempts.get(d.id);
  const ok = a !== undefined && a.lastStatusCode !== null && a.lastStatusCode >= 200 && a.lastStatusCode < 300;
  const health = a === undefined ? null : { failing: !ok, ...a };
  // The URL masked (a Slack webhook URL is itself a secret); the full one stays server-side.
  return { id: d.id, type: d.type, url: maskedUrl(d.url, d.type), hasSecret: d.secret !== null, source: d.source, health };
}

function alertNotFound(what: string): ApiHttpError {
  return new ApiHttpError(404, errors.alertNotFound, what);
}

export function createAlertsRouter(store: AlertStore, engine: AlertEngine, now: () => number = Date.now, knownService: KnownService = () => true, policy: DestinationPolicy = ANY_HOST): Router {
  const router = Router();
  router.use((req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    // DELETE needs no body (and no HTML form can send one); POST and PUT must say JSON, body or not.
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if ((req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH') && type !== 'application/json') {
      const sent = type === undefined || type === '' ? 'none' : JSON.stringify(type.slice(0, 100));
      res.status(415).json({ error: { code: errors.apiContentType.code, message: `${errors.apiContentType.message}: send Content-Type: application/json, not ${sent}` } });
      return;
    }
    next();
  });
  router.use(express.json({ limit: '64kb', strict: false }));

  const known = (): Set<string> => new Set(store.destinations().map((d) => d.id));

  router.get('/rules', (_req, res: Response<AlertRulesResponse>) => {
    res.json({ rules: store.rules().map((r) => withState(r, engine, knownService)) });
  });

  router.post('/rules', (req, res: Response<AlertRuleWithState>) => {
    const spec = parseRule(req.body, { fallbackId: newRuleId(), knownDestinations: known() });
    if (store.rule(spec.id) !== null) throw new ApiHttpError(409, errors.alertConflict, `rule ${JSON.stringify(spec.id)} exists; use PUT /api/alerts/rules/${spec.id} to change it`);
    res.status(201).json(withState(engine.putRule(spec, 'api'), engine, knownService));
  });

  router.get('/rules/:id', (req: Request<IdParams>, res: Response<AlertRuleWithState>) => {
    const stored = store.rule(req.params.id);
    if (stored === null) throw alertNotFound(`rule ${JSON.stringify(req.params.id)}`);
    res.json(withState(stored, engine, knownService));
  });

  router.put('/rules/:id', (req: Request<IdParams>, res: Response<AlertRuleWithState>) => {
    const existing = store.rule(req.params.id);
    if (existing === null) throw alertNotFound(`rule ${JSON.stringify(req.params.id)}`);
    if (existing.source === 'file') throw new ApiHttpError(409, errors.alertReadOnly, `rule ${JSON.stringify(req.params.id)}`);
    const spec = parseRule(req.body, { fallbackId: req.params.id, knownDestinations: known() });
    if (spec.id !== req.params.id) throw new ApiHttpError(400, errors.alertBadRule, 'id in the body differs from the id in the path');
    // Through the engine: a destination the change stops telling gets the resolve of a firing alert.
    res.json(withState(engine.putRule(spec, 'api'), engine, knownService));
  });

  router.delete('/rules/:id', (req: Request<IdParams>, res) => {
    const existing = store.rule(req.params.id);
    if (existing === null) throw alertNotFound(`rule ${JSON.stringify(req.params.id)}`);
    if (existing.source === 'file') throw new ApiHttpError(409, errors.alertReadOnly, `rule ${JSON.stringify(req.params.id)}`);
    engine.deleteRule(req.params.id);
    res.status(204).end();
  });

  for (const [path, muted] of [['mute', true], ['unmute', false]] as const) {
    router.post(`/rules/:id/${path}`, (req: Request<IdParams>, res: Response<AlertRuleWithState>) => {
      const stored = store.setMuted(req.params.id, muted, now());
      if (stored === null) throw alertNotFound(`rule ${JSON.stringify(req.params.id)}`);
      res.json(withState(stored, engine, knownService));
    });
  }

  router.get('/history', (req, res: Response<AlertHistoryResponse>) => {
    const q = query(req);
    const range = rangeParams(q, now());
    const ruleId = stringParam(q, 'ruleId', 64);
    const service = stringParam(q, 'service');
    res.json({
      ...range,
      transitions: store.transitions({ ...range, limit: limitParam(q), ...(ruleId !== undefined && { ruleId }), ...(service !== undefined && { service }) }),
    });
  });

  router.get('/deliveries', (req, res: Response<AlertDeliveriesResponse>) => {
    const q = query(req);
    const ruleId = stringParam(q, 'ruleId', 64);
    const destinationId = stringParam(q, 'destinationId', 64);
    res.json({ deliveries: store.deliveries({ limit: limitParam(q), ...(ruleId !== undefined && { ruleId }), ...(destinationId !== undefined && { destinationId }) }) });
  });

  router.get('/destinations', (_req, res: Response<AlertDestinationsResponse>) => {
    const attempts = store.destinationAttempts();
    res.json({ destinations: store.destinations().map((d) => viewDestination(d, attempts)) });
  });

  router.post('/destinations', (req, res: Response<AlertDestinationCreated>) => {
    const spec = parseDestination(req.body, '', policy);
    if (store.destination(spec.id) !== null) throw new ApiHttpError(409, errors.alertConflict, `destination ${JSON.stringify(spec.id)} exists`);
    // Every generic webhook is signed: without a given secret, one is made and shown once.
    const generated = spec.secret === null && spec.type === 'webhook' ? newSecret() : null;
    store.putDestination({ ...spec, secret: spec.secret ?? generated }, 'api');
    const saved = store.destination(spec.id) as StoredDestination;
    res.status(201).json({ destination: viewDestination(saved, store.destinationAttempts()), secret: generated });
  });

  router.put('/destinations/:id', (req: Request<IdParams>, res: Response<AlertDestination>) => {
    const existing = store.destination(req.params.id);
    if (existing === null) throw alertNotFound(`destination ${JSON.stringify(req.params.id)}`);
    if (existing.source === 'file') throw new ApiHttpError(409, errors.alertReadOnly, `destination ${JSON.stringify(req.params.id)}`);
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as { url?: unknown; type?: unknown };
    // The URL as the API showed it (masked), or none, keeps the stored one.
    const spec = parseDestination({ ...body, id: req.params.id, url: urlToStore(body.url, existing, body.type) }, '', policy);
    // The secret is write-only: left out, it stays as it was.
    store.putDestination({ ...spec, secret: spec.secret ?? existing.secret }, 'api');
    res.json(viewDestination(store.destination(spec.id) as StoredDestination, store.destinationAttempts()));
  });

  router.delete('/destinations/:id', (req: Request<IdParams>, res) => {
    const existing = store.destination(req.params.id);
    if (existing === null) throw alertNotFound(`destination ${JSON.stringify(req.params.id)}`);
    if (existing.source === 'file') throw new ApiHttpError(409, errors.alertReadOnly, `destination ${JSON.stringify(req.params.id)}`);
    // Only once no rule names it. Whatever is still queued or being retried for it is cancelled
    // (shown as such in the deliveries): a deleted destination is sent nothing more.
    const users = store.rules().filter((r) => r.spec.destinations.includes(req.params.id)).map((r) => r.spec.id);
    if (users.length > 0) throw new ApiHttpError(409, errors.alertConflict, `destination ${JSON.stringify(req.params.id)} is used by rule(s) ${users.join(', ')}`);
    engine.deleteDestination(req.params.id);
    res.status(204).end();
  });

  router.post('/destinations/:id/test', (req: Request<IdParams>, res) => {
    const id = engine.sendTest(req.params.id);
    if (id === null) throw alertNotFound(`destination ${JSON.stringify(req.params.id)}`);
    res.status(202).json({ deliveryId: id });
  });

  router.use((req) => {
    throw notFound(`no API route ${req.method} ${req.baseUrl}${req.path}`);
  });
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (error instanceof HeadroomError && (error.code === errors.alertBadRule.code || error.code === errors.alertBadDestination.code)) {
      res.status(400).json({ error: { code: error.code, message: error.message } });
      return;
    }
    const type = (error as { type?: unknown } | null)?.type;
    if (type === 'entity.parse.failed' || type === 'entity.too.large') {
      const info = error instanceof Error ? error.message : 'bad body';
      res.status(type === 'entity.too.large' ? 413 : 400).json({ error: { code: errors.alertBadRule.code, message: `${errors.alertBadRule.message}: body is not valid JSON (${info})` } });
      return;
    }
    apiErrorHandler(error, req, res, next);
  });
  return router;
}
