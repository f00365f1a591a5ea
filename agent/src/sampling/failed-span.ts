// Whether a finished span is a failure worth keeping its trace for, by the collector's rule for a
// failed trace (collector/src/store/counted-failure.ts): a request the service served (a server
// or consumer span) that failed, or any other span only when its code threw (an `exception`
// event). OTel's HTTP semantic conventions mark a client span failed for every 4xx it is
// answered, a server span only for 5xx: a start-up fetch answered 404 that the app went on from
// is no failure, and keeping it whole spent the error-trace budget (error-trace-cap.ts) on a
// trace the Errors page and the failed traces list leave out.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export function isFailedSpan(span: ReadableSpan): boolean {
  const failed = span.status.code === SpanStatusCode.ERROR;
  if (span.kind === SpanKind.SERVER) {
    if (failed) return true;
    // A 5xx answer whose span no instrumentation marked failed.
    const status = span.attributes['http.response.status_code'];
    return typeof status === 'number' && status >= 500;
  }
  if (span.kind === SpanKind.CONSUMER) return failed;
  return failed && span.events.some((e) => e.name === 'exception');
}
