// Who may send to the OTLP port: the optional ingest token, and no web page of a site this
// collector does not answer to. OTel SDKs send the token with
// OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <token>". A refusal is a google.rpc.Status
// body, in JSON or protobuf as the request was, as the OTLP/HTTP specification asks of every
// error response.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { errors, type ErrorInfo } from '../errors';
import { encodeStatus } from '../receiver/decode/protobuf';
import type { HostCheck } from './host-check';
import { bearerToken, tokenMatches } from './tokens';

// google.rpc.Code
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;

function refuse(req: IncomingMessage, res: ServerResponse, status: number, code: number, info: ErrorInfo, headers: Record<string, string>): void {
  const isJson = (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
  const message = `${info.code}: ${info.message}`;
  const body = isJson ? Buffer.from(JSON.stringify({ code, message })) : Buffer.from(encodeStatus(code, message));
  // The body is not read: discard it, and close the connection so an unread upload
  // does not hold the socket.
  req.resume();
  res.writeHead(status, {
    'Content-Type': isJson ? 'application/json' : 'application/x-protobuf',
    'Content-Length': body.length,
    Connection: 'close',
    ...headers,
  });
  res.end(body);
}

// Against DNS rebinding: a page on evil.example:4318 whose name then resolves to this machine
// is the OTLP port's own origin, so its POST needs no CORS preflight. Browsers send Origin
// with it; agents send none. Like the dashboard port's Host check (host-check.ts), a page may
// send only from a name this collector answers to: loopback, --allowed-hosts, and beyond
// loopback the bound address. "null" (a sandboxed frame, a file) is no such name.
function originAllowed(check: HostCheck, origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && check(url.host);
  } catch {
    return false;
  }
}

export function withIngestGuard(options: { token: string | null; hostCheck: HostCheck }, handle: RequestListener): RequestListener {
  const { token, hostCheck } = options;
  return function ingest(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (!originAllowed(hostCheck, req.headers.origin)) {
      refuse(req, res, 403, PERMISSION_DENIED, errors.otlpForbiddenOrigin, {});
      return;
    }
    if (token !== null && !tokenMatches(token, bearerToken(req))) {
      refuse(req, res, 401, UNAUTHENTICATED, errors.apiIngestUnauthorized, { 'WWW-Authenticate': 'Bearer realm="headroom-otlp"' });
      return;
    }
    handle(req, res);
  };
}
