// Headers on every response of the HTTP port. The dashboard loads only its own files and
// talks only to its own origin (HTTP and the /ws stream), so the policy can be strict:
// no inline script, nothing from elsewhere. Inline styles stay allowed because chart
// libraries set element styles and they cannot run code.
import type { ServerResponse } from 'node:http';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  // A dashboard URL may carry ?token=…; never hand it to another site.
  res.setHeader('Referrer-Policy', 'no-referrer');
}
