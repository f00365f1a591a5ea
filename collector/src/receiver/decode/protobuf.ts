// OTLP/protobuf: request decoding and response encoding with protobufjs (hot path).
import { BufferReader, type Type } from 'protobufjs';
import { bodyViolation, type FieldViolation } from '../field-violation';
import { locateProtobufFault } from './protobuf-fault';
import { otlpTypes } from './proto-root';
import { DecodeError, type DecodedRequest, type Signal } from './otlp-types';

function requestType(signal: Signal): Type {
  const t = otlpTypes();
  return signal === 'traces' ? t.traceRequest : signal === 'metrics' ? t.metricsRequest : t.logsRequest;
}

class OtlpReader extends BufferReader {
  constructor(buffer: Buffer) {
    super(buffer);
    // Unknown fields are ignored (the spec says receivers MUST); do not keep their bytes.
    this.discardUnknown = true;
  }

  // Proto3 strings must be UTF-8; protobufjs checks that in JS, and one bad byte in one
  // attribute would cost the sender the whole request (400). Decode them as Node does instead
  // (native, invalid sequences become U+FFFD): faster, and the rest of the data is kept.
  override stringVerify(): string {
    return this.string();
  }
}

export function decodeProtobuf<S extends Signal>(signal: S, body: Uint8Array): DecodedRequest[S] {
  const buffer = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const type = requestType(signal);
  try {
    // protobufjs returns Message objects whose fields match otlp-types.ts (fixed64 as Long,
    // bytes as Buffer, oneof names through virtual getters); the cast is the library boundary.
    return type.decode(new OtlpReader(buffer)) as unknown as DecodedRequest[S];
  } catch (err) {
    const reason = (err as Error).message;
    const violation = locateProtobufFault(type, new OtlpReader(buffer)) ?? bodyViolation(`not a valid ${type.name}: ${reason}`);
    throw new DecodeError(`invalid protobuf: ${reason}`, [violation]);
  }
}

export interface PartialSuccess {
  rejected: number;
  message: string;
}

const REJECTED_FIELD: Record<Signal, string> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

export function encodeExportResponse(signal: Signal, partial: PartialSuccess | null): Uint8Array {
  const t = otlpTypes();
  const type = signal === 'traces' ? t.traceResponse : signal === 'metrics' ? t.metricsResponse : t.logsResponse;
  const payload = partial
    ? { partialSuccess: { [REJECTED_FIELD[signal]]: partial.rejected, errorMessage: partial.message } }
    : {};
  return type.encode(type.fromObject(payload)).finish();
}

/** The type URL of a BadRequest in an Any (google/protobuf/any.proto: `type.googleapis.com/` + full name). */
export const BAD_REQUEST_TYPE_URL = 'type.googleapis.com/google.rpc.BadRequest';

/** google.rpc.Status; with violations, its details hold one BadRequest as a google.protobuf.Any. */
export function encodeStatus(code: number, message: string, violations: readonly FieldViolation[] = []): Uint8Array {
  const { status, badRequest } = otlpTypes();
  const details =
    violations.length === 0
      ? []
      : // `type_url`, not `typeUrl`: protobufjs's bundled any.proto keeps the proto field names.
        [{ type_url: BAD_REQUEST_TYPE_URL, value: badRequest.encode(badRequest.fromObject({ fieldViolations: violations })).finish() }];
  return status.encode(status.fromObject({ code, message, details })).finish();
}

/** JSON form of the same responses (proto3 JSON mapping: int64 as a decimal string). */
export function exportResponseJson(signal: Signal, partial: PartialSuccess | null): string {
  if (!partial) return '{}';
  return JSON.stringify({
    partialSuccess: { [REJECTED_FIELD[signal]]: String(partial.rejected), errorMessage: partial.message },
  });
}
