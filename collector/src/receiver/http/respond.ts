// OTLP/HTTP responses: Export*ServiceResponse on success, google.rpc.Status on failure, each
// in the encoding of the request ("The server MUST use the same Content-Type in the response
// as it received in the request", OTLP specification, OTLP/HTTP Response).
import type http from 'node:http';
import type { ErrorInfo } from '../../errors';
import type { Signal } from '../decode/otlp-types';
import { encodeExportResponse, encodeStatus, exportResponseJson, type PartialSuccess } from '../decode/protobuf';

export type Encoding = 'protobuf' | 'json';

const CONTENT_TYPE: Record<Encoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

// google.rpc.Code values for the Status body.
const GRPC_CODE: Record<number, number> = {
  400: 3, // INVALID_ARGUMENT
  404: 5, // NOT_FOUND
  405: 12, // UNIMPLEMENTED
  413: 8, // RESOURCE_EXHAUSTED
  415: 3, // INVALID_ARGUMENT
  429: 8, // RESOURCE_EXHAUSTED
  500: 13, // INTERNAL
  503: 14, // UNAVAILABLE
};

function send(res: http.ServerResponse, status: number, encoding: Encoding, body: Uint8Array | string, headers: Record<string, string>): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'Content-Type': CONTENT_TYPE[encoding], 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

export function sendExportResponse(res: http.ServerResponse, signal: Signal, encoding: Encoding, partial: PartialSuccess | null): void {
  const body = encoding === 'protobuf' ? encodeExportResponse(signal, partial) : exportResponseJson(signal, partial);
  send(res, 200, encoding, body, {});
}

export function sendError(
  res: http.ServerResponse,
  status: number,
  encoding: Encoding,
  info: ErrorInfo,
  detail?: string,
  headers: Record<string, string> = {},
): void {
  // The Headroom code leads the message, so a user can search for it.
  const message = `${info.code}: ${detail ? `${info.message}: ${detail}` : info.message}`;
  const code = GRPC_CODE[status] ?? 2; // UNKNOWN
  const body = encoding === 'protobuf' ? encodeStatus(code, message) : JSON.stringify({ code, message });
  send(res, status, encoding, body, headers);
}
