// What a 400 names as bad data: the google.rpc.BadRequest.FieldViolation entries the receiver
// sends in the Status details ("The `Status.details` field in the response SHOULD contain a
// `BadRequest` that describes the bad data", OTLP specification, OTLP/HTTP Failures).
//
// `field` is the path of the bad field as googleapis error_details.proto describes it: field
// names joined by dots, with `[i]` for an element of a repeated field — proto field names for
// a protobuf request (`resource_spans[0].scope_spans[1].spans[3].trace_id`), their JSON names
// for a JSON one (`resourceSpans[0].scopeSpans[1].spans[3].traceId`). Where the decoder cannot
// tell which field is bad (the bytes are not gzip, JSON or protobuf at all), it is BODY.

export interface FieldViolation {
  field: string;
  description: string;
}

/** The `field` of a violation that concerns the request body as a whole. */
export const BODY = '(body)';

export function bodyViolation(description: string): FieldViolation {
  return { field: BODY, description };
}
