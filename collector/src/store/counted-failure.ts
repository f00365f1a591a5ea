// Whether a failed local root is a failure of the service, in one rule for everything that says
// "failed": the Errors page's groups, the traces list's error, errorKind and notable filters, its
// rows' `error`, and the live stream's trace frames (the SQL function counted_failure runs this
// same function: sqlite/counted-failure-sql.ts).
//
// A request the service served (a server or consumer span) failed when its span says so. Any
// other root — a client call or an internal span with no request around it (a cron job, a
// start-up check) — failed only when code threw (it recorded an `exception` event): OTel's HTTP
// semantic conventions mark a client span failed for every 4xx it is answered, a server span
// only for 5xx, so a start-up fetch answered 404 that the app went on from is no failure, and a
// request that failed for such a call is counted by its own server span.

/** OTLP's span kinds whose failure is a request the service failed: SERVER and CONSUMER. */
const SERVER = 2;
const CONSUMER = 5;
/** OTLP's STATUS_CODE_ERROR. */
const ERROR = 2;

/**
 * `kind` and `statusCode` as OTLP numbers; `eventsJson` the span's stored events (`[{ n, … }]`,
 * receiver/normalise), read only for a failed root that is no request. A damaged events column
 * counts as no exception.
 */
export function countsAsFailure(kind: number, statusCode: number, eventsJson: string | null): boolean {
  if (statusCode !== ERROR) return false;
  if (kind === SERVER || kind === CONSUMER) return true;
  if (eventsJson === null || !eventsJson.includes('"exception"')) return false;
  try {
    const events: unknown = JSON.parse(eventsJson);
    return Array.isArray(events) && events.some((e: unknown) => typeof e === 'object' && e !== null && (e as { n?: unknown }).n === 'exception');
  } catch {
    return false;
  }
}
