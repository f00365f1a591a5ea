// Bearer tokens for the two ports. Compared through SHA-256 digests with timingSafeEqual, so
// neither the length nor the content of the expected token leaks through response timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { parseHostHeader } from './host-names';

/**
 * The token cookie's name, per port: browsers send a host's cookies to every port of it
 * (RFC 6265 §8.5), so one name would reach the apps on the host's other ports and be
 * overwritten by a second collector. The port is the one the browser used (the Host header,
 * already checked by host-check.ts: two SSH tunnels to collectors on 8080 differ there), else
 * the port the request came in on.
 */
export function tokenCookieName(req: IncomingMessage): string {
  const port = parseHostHeader(req.headers.host)?.port ?? req.socket.localPort ?? 0;
  return `headroom_token_${port}`;
}

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

function cookieToken(req: IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return null;
  const name = tokenCookieName(req);
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return null;
    }
  }
  return null;
}

function queryToken(req: IncomingMessage): string | null {
  const url = new URL(req.url ?? '/', 'http://localhost');
  return url.searchParams.get('token');
}

export type TokenSource = 'header' | 'query' | 'cookie';

/**
 * The dashboard token of a request, from (in this order) an `Authorization: Bearer` header,
 * a `token` query parameter (how a browser gets in the first time, and how a WebSocket
 * client that cannot set headers sends it) or the cookie the collector set afterwards.
 */
export function dashboardToken(req: IncomingMessage): { token: string; source: TokenSource } | null {
  const header = bearerToken(req);
  if (header !== null) return { token: header, source: 'header' };
  const query = queryToken(req);
  if (query !== null) return { token: query, source: 'query' };
  const cookie = cookieToken(req);
  if (cookie !== null) return { token: cookie, source: 'cookie' };
  return null;
}

/** The cookie that lets the browser's later requests (assets, /api, /ws) carry the token. */
export function tokenCookie(req: IncomingMessage, token: string): string {
  // HttpOnly: page script never needs it. SameSite=Strict: other sites cannot ride on it,
  // which also covers cross-site WebSocket hijacking. No Secure: the collector speaks plain HTTP.
  return `${tokenCookieName(req)}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000`;
}
