// Headers on every response of the HTTP port. The dashboard loads only its own files and
// talks only to its own origin (HTTP and the /ws stream), so the policy can be strict:
// no inline script, nothing from elsewhere. Inline styles stay allowed because chart
// libraries set element styles and they cannot run code. connect-src 'self' covers the /ws
// stream too: CSP Level 3 (§6.7.2.8, "Does url match expression in origin with redirect
// count?") lets 'self' match ws:/wss: on the page's own host and port (Chromium 71, Firefox
// 2018, Safari 16); `ws: wss:` would let a page talk to any WebSocket server.
import type { ServerResponse } from 'node:http';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
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
