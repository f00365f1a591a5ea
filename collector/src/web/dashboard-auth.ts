// The dashboard token guard for the HTTP port. What holds data needs the token: /api/..., /metrics
// (and /ws, checked at the upgrade, ws-upgrade.ts). The dashboard's shell and static files hold
// none and are served to anyone, the same with a token or without (the page asks for the token
// when the API answers 401), so the browser never needs a cookie. /healthz stays open so a
// process supervisor can probe without a secret; it gives its detail only with the token (healthz.ts).
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { ApiError } from '../api-types';
import { errors } from '../errors';
import { expireStaleTokenCookies } from './stale-token-cookie';
import { dashboardToken, tokenMatches } from './tokens';

export function isDashboardRequestAllowed(expected: string | null, req: IncomingMessage): boolean {
  return expected === null || tokenMatches(expected, dashboardToken(req));
}

// Express matches routes without regard to case and with an optional trailing slash, so
// /API/services and /metrics/ reach the same handlers: judge the path as the router does.
function holdsData(path: string): boolean {
  const p = path.toLowerCase().replace(/\/+$/, '');
  return p === '/api' || p.startsWith('/api/') || p === '/metrics';
}

export function dashboardAuth(expected: string | null) {
  return function checkDashboardToken(req: Request, res: Response, next: NextFunction): void {
    expireStaleTokenCookies(req, res);
    if (!holdsData(req.path) || isDashboardRequestAllowed(expected, req)) {
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="headroom"');
    const body: ApiError = { error: { code: errors.apiUnauthorized.code, message: errors.apiUnauthorized.message } };
    res.status(401).json(body);
  };
}
