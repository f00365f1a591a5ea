// OTLP/HTTP responses: Export*ServiceResponse on success, google.rpc.Status on failure, each
// in the encoding of the request ("The server MUST use the same Content-Type in the response
// as it received in the request", OTLP specification, OTLP/HTTP Response). A 400's Status
// carries a google.rpc.BadRequest naming the bad data (OTLP/HTTP Failures: "The
// `Status.details` field in the response SHOULD contain a `BadRequest`"); other failures are
// not about the data and carry no details.
import type http from 'node:http';
import type { ErrorInfo } from '../../errors';
import { bodyViolation, type FieldViolation } from '../field-violation';
import type { Signal } from '../decode/otlp-types';
import { BAD_REQUEST_TYPE_URL, encodeExportResponse, encodeStatus, exportResponseJson, type PartialSuccess } from '../decode/protobuf';

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

function statusBody(status: number, encoding: Encoding, info: ErrorInfo, detail: string | undefined, violations: readonly FieldViolation[]) {
  // The Headroom code leads the message, so a user can search for it.
  const message = `${info.code}: ${detail ? `${info.message}: ${detail}` : info.message}`;
  const code = GRPC_CODE[status] ?? 2; // UNKNOWN
  if (encoding === 'protobuf') return encodeStatus(code, message, violations);
  if (violations.length === 0) return JSON.stringify({ code, message });
  // proto3 JSON mapping of a google.protobuf.Any: the message's own JSON fields plus "@type".
  const badRequest = { '@type': BAD_REQUEST_TYPE_URL, fieldViolations: violations.map(({ field, description }) => ({ field, description })) };
  return JSON.stringify({ code, message, details: [badRequest] });
}

/** A failure that is not about the data (404, 405, 413, 415, 429, 5xx): a Status without details. */
export function sendError(
  res: http.ServerResponse,
  status: number,
  encoding: Encoding,
  info: ErrorInfo,
  detail?: string,
  headers: Record<string, string> = {},
): void {
  send(res, status, encoding, statusBody(status, encoding, info, detail, []), headers);
}

/**
 * 400: bad data. The Status details hold one BadRequest with the violations; when the caller
 * has none, one for the whole body with the detail, so no 400 goes out without a BadRequest.
 */
export function sendBadRequest(
  res: http.ServerResponse,
  encoding: Encoding,
  info: ErrorInfo,
  detail: string | undefined,
  violations: readonly FieldViolation[],
  headers: Record<string, string> = {},
): void {
  const named = violations.length > 0 ? violations : [bodyViolation(detail ?? info.message)];
  send(res, 400, encoding, statusBody(400, encoding, info, detail, named), headers);
}
