// The dashboard token guard for the HTTP port: the page, its assets, /api, /metrics and /ws.
// /healthz stays open so a process supervisor can probe without a secret.
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { ApiError } from '../api-types';
import { errors } from '../errors';
import { dashboardToken, tokenCookie, tokenMatches } from './tokens';

export function isDashboardRequestAllowed(expected: string | null, req: IncomingMessage): boolean {
  if (expected === null) return true;
  const given = dashboardToken(req);
  return given !== null && tokenMatches(expected, given.token);
}

export function dashboardAuth(expected: string | null) {
  return function checkDashboardToken(req: Request, res: Response, next: NextFunction): void {
    if (expected === null) {
      next();
      return;
    }
    const given = dashboardToken(req);
    if (given !== null && tokenMatches(expected, given.token)) {
      if (given.source === 'query') {
        res.setHeader('Set-Cookie', tokenCookie(req, given.token));
        // A page opened as /?token=… is sent on without the token, so it stays out of the
        // address bar and the history; the cookie carries it from now on.
        if (req.method === 'GET' && !req.path.startsWith('/api/') && req.accepts('html') === 'html') {
          const url = new URL(req.originalUrl, 'http://localhost');
          url.searchParams.delete('token');
          res.redirect(303, url.pathname + url.search);
          return;
        }
      }
      next();
      return;
    }
    res.setHeader('WWW-Authenticate', 'Bearer realm="headroom"');
    if (req.path.startsWith('/api/') || req.path === '/metrics') {
      const body: ApiError = { error: { code: errors.apiUnauthorized.code, message: errors.apiUnauthorized.message } };
      res.status(401).json(body);
      return;
    }
    res
      .status(401)
      .type('text/plain')
      .send(`${errors.apiUnauthorized.code}: this Headroom collector needs its dashboard token: open /?token=<token> once.\n`);
  };
}
