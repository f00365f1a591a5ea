// Bearer tokens for the two ports. Compared through SHA-256 digests with timingSafeEqual, so
// neither the length nor the content of the expected token leaks through response timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export function tokenMatches(expected: string, given: string | null): boolean {
  if (given === null) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? (match[1] as string) : null;
}

function queryToken(req: IncomingMessage): string | null {
  const url = new URL(req.url ?? '/', 'http://localhost');
  return url.searchParams.get('token');
}

/**
 * The dashboard token of a request: an `Authorization: Bearer` header (the dashboard's fetches,
 * scripts), else a `token` query parameter (where headers cannot be set: a browser's WebSocket,
 * a scraper). Never a cookie: browsers send a host's cookies to every port of it (RFC 6265
 * §8.5), so a cookie would hand the token to every app and dev server on the same host.
 */
export function dashboardToken(req: IncomingMessage): string | null {
  return bearerToken(req) ?? queryToken(req);
}
