// The optional ingest token on the OTLP port. OTel SDKs send it with
// OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <token>". A wrong or missing token gets
// 401 with a google.rpc.Status body (code 16, UNAUTHENTICATED), in JSON or protobuf as the
// request was, as the OTLP/HTTP specification asks of every error response.
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { errors } from '../errors';
import { encodeStatus } from '../receiver/decode/protobuf';
import { bearerToken, tokenMatches } from './tokens';

const UNAUTHENTICATED = 16;

function statusBody(isJson: boolean, message: string): { contentType: string; body: Buffer } {
  if (isJson) {
    return { contentType: 'application/json', body: Buffer.from(JSON.stringify({ code: UNAUTHENTICATED, message })) };
  }
  return { contentType: 'application/x-protobuf', body: Buffer.from(encodeStatus(UNAUTHENTICATED, message)) };
}

export function withIngestToken(expected: string | null, handle: RequestListener): RequestListener {
  return function ingest(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (expected === null || tokenMatches(expected, bearerToken(req))) {
      handle(req, res);
      return;
    }
    const isJson = (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json');
    const { contentType, body } = statusBody(isJson, `${errors.apiIngestUnauthorized.code}: ${errors.apiIngestUnauthorized.message}`);
    // The body is not read: discard it, and close the connection so an unread upload
    // does not hold the socket.
    req.resume();
    res.writeHead(401, {
      'Content-Type': contentType,
      'Content-Length': body.length,
      'WWW-Authenticate': 'Bearer realm="headroom-otlp"',
      Connection: 'close',
    });
    res.end(body);
  };
}
