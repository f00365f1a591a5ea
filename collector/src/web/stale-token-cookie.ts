// Earlier collectors kept the dashboard token in a cookie (`headroom_token_<port>`, before that
// `headroom_token`). Browsers send a host's cookies to every port of it (RFC 6265 §8.5), so that
// cookie went to every app on the host; it no longer authenticates anything, and a request that
// still carries one is answered with a Set-Cookie that expires it, so browsers drop it.
import type { IncomingMessage, ServerResponse } from 'node:http';

const NAME = /^headroom_token(_\d{1,5})?$/;

/** Names of the old token cookies the request carries. */
export function staleTokenCookies(req: IncomingMessage): string[] {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return [];
  const names = new Set<string>();
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (NAME.test(name)) names.add(name);
  }
  return [...names];
}

/** Adds a Set-Cookie expiring each old token cookie the request carries (same name and Path=/ as set). */
export function expireStaleTokenCookies(req: IncomingMessage, res: ServerResponse): void {
  const names = staleTokenCookies(req);
  if (names.length === 0) return;
  const previous = res.getHeader('Set-Cookie');
  const kept = previous === undefined ? [] : Array.isArray(previous) ? previous : [String(previous)];
  res.setHeader('Set-Cookie', [...kept, ...names.map((name) => `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`)]);
}
