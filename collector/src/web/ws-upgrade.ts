// The /ws upgrade on the HTTP port: path, Host, origin and dashboard token are checked before the
// WebSocket handshake, and a refusal is a plain HTTP answer on the raw socket.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { errors } from '../errors';
import type { HttpRequestCounter } from '../health/http-request-counter';
import type { LiveHub } from '../live/live-hub';
import { isDashboardRequestAllowed } from './dashboard-auth';
import { hostRefusalMessage, isListedHost, type HostCheck } from './host-check';

function refuse(socket: Duplex, status: number, reason: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `X-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

// Browsers always send Origin on a WebSocket handshake, and a page on another site could open
// one to localhost (cross-site WebSocket hijacking): accept only our own origin, or a name
// --allowed-hosts lists (a reverse proxy that sends the upstream's address as Host, nginx's
// default, leaves the browser's name only in Origin). Clients that are not browsers send no
// Origin and are judged by the token alone. Under DNS rebinding the Origin and the Host are the
// same foreign name: the Host check, made first, refuses those.
function originAllowed(req: IncomingMessage, allowedHosts: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    const host = new URL(origin).host;
    return host === req.headers.host || isListedHost(allowedHosts, host);
  } catch {
    return false;
  }
}

export function wsUpgradeHandler(hub: LiveHub, dashboardToken: string | null, requests: HttpRequestCounter, hostCheck: HostCheck, allowedHosts: readonly string[]) {
  return function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/ws') {
      requests.count('dashboard', 404);
      refuse(socket, 404, 'Not Found', 'WebSocket connections go to /ws\n');
      return;
    }
    if (!hostCheck(req.headers.host)) {
      requests.count('ws', 421);
      refuse(socket, 421, 'Misdirected Request', `${errors.apiHostNotAllowed.code}: ${hostRefusalMessage(req.headers.host)}\n`);
      return;
    }
    if (!originAllowed(req, allowedHosts)) {
      requests.count('ws', 403);
      refuse(socket, 403, 'Forbidden', `${errors.apiForbiddenOrigin.code}: ${errors.apiForbiddenOrigin.message}\n`);
      return;
    }
    if (!isDashboardRequestAllowed(dashboardToken, req)) {
      requests.count('ws', 401);
      refuse(socket, 401, 'Unauthorized', `${errors.apiUnauthorized.code}: ${errors.apiUnauthorized.message}\n`);
      return;
    }
    if (hub.isFull()) {
      requests.count('ws', 503);
      refuse(socket, 503, 'Service Unavailable', 'too many live connections\n');
      return;
    }
    requests.count('ws', 101);
    hub.handleUpgrade(req, socket, head);
  };
}
