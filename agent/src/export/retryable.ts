// Whether a failed export may succeed later as it is. The OTLP exporter has already retried
// within its timeout; what is left is a collector that stayed unreachable, slow or failing
// (network errors, timeouts, 429 and 5xx answers: worth holding and sending again) or one that
// refused the request itself (other 4xx: bad data, too large, a wrong token — sending the same
// bytes again cannot help).
import type { ExportResult } from '@opentelemetry/core';

export function worthRetrying(result: ExportResult): boolean {
  const code = (result.error as { code?: unknown } | undefined)?.code;
  // OTLPExporterError carries the HTTP status as a number; Node's network errors a string.
  return !(typeof code === 'number' && code >= 400 && code < 500 && code !== 429);
}
