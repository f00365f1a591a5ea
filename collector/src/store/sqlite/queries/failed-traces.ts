// A failed trace's error and kind, read the same way for the trace list (errorMessage and its
// errorKind filter) and the Errors page's groups, so a group's link lists exactly its traces.
import { errorKindOf, failedCallKindOf, failedCallText, httpStatusOf, type ErrorKind, type FailedCall } from '../../error-kind';
import { spanErrorParts, spanErrorText, type SpanErrorParts } from '../../span-error';
import { parseSpanEvents } from '../json-rows';
import type { StatementCache } from './statement-cache';

/**
 * Failed traces of a range read at most, newest first: the Errors page's groups and the
 * errorKind filter. Each costs an index seek or two (its failing spans): 2,000 keep a day's
 * groups within the query API's 50 ms (bench/query: 5,000 took 67–75 ms).
 */
export const MAX_ERROR_TRACES = 2000;

/** A root's response status, stable name first (json_extract over `attributes`). */
const ROOT_HTTP_STATUS_SQL = `coalesce(json_extract(attributes, '$."http.response.status_code"'), json_extract(attributes, '$."http.status_code"'))`;

export interface TraceError {
  /** TraceSummary.errorMessage: `type: message` in one line, cut for a list row. */
  text: string | null;
  kind: ErrorKind;
}

/** Failing spans looked at per trace, its root's first. */
const MAX_FAILING_SPANS = 20;
/** Traces one statement reads (a fixed count of ids, padded: one prepared statement). */
const CHUNK = 250;
const NO_TRACE = Buffer.alloc(0);
const IDS = Array.from({ length: CHUNK }, () => '?').join(',');
/** OTLP's SPAN_KIND_CLIENT: an outgoing call. */
const CLIENT = 3;
/** A failing client span's HTTP call, when it is one (json_extract only for client spans). */
const CALL_SQL = (stable: string, older: string) => `CASE WHEN kind = ${CLIENT} THEN coalesce(json_extract(attributes, '$."${stable}"'), json_extract(attributes, '$."${older}"')) END`;
const FAILING_SPANS_SQL = `SELECT trace_id, status_message, events,
    ${CALL_SQL('http.response.status_code', 'http.status_code')} AS call_status, ${CALL_SQL('http.request.method', 'http.method')} AS call_method,
    ${CALL_SQL('server.address', 'net.peer.name')} AS call_host, ${CALL_SQL('server.port', 'net.peer.port')} AS call_port
  FROM spans WHERE trace_id IN (${IDS}) AND status_code = 2 ORDER BY trace_id, is_root DESC, start_ns`;
const ROOT_STATUS_SQL = `SELECT trace_id, ${ROOT_HTTP_STATUS_SQL} AS http_status FROM spans WHERE trace_id IN (${IDS}) AND is_root = 1`;

interface FailingSpan {
  status_message: string | null;
  events: string | null;
}

/** A failing span as read for a trace whose root said nothing: its HTTP call's, for a client span. */
interface FailingSpanRow extends FailingSpan {
  trace_id: Buffer;
  call_status: unknown;
  call_method: unknown;
  call_host: unknown;
  call_port: unknown;
}

/** The first failing client span's HTTP call that answered an error status. */
function failedCallOf(spans: readonly FailingSpanRow[]): FailedCall | null {
  for (const span of spans.slice(0, MAX_FAILING_SPANS)) {
    const status = httpStatusOf(span.call_status);
    if (status === null || typeof span.call_host !== 'string' || span.call_host === '') continue;
    const port = Number(span.call_port);
    return { method: typeof span.call_method === 'string' ? span.call_method : 'HTTP', host: span.call_host, port: Number.isInteger(port) && port > 0 ? port : null, status };
  }
  return null;
}

/** Rows of a statement over trace ids, CHUNK ids a run, by trace (latin1 of the id). */
function rowsByTrace<R extends { trace_id: Buffer }>(stmts: StatementCache, sql: string, traceIds: readonly Buffer[]): Map<string, R[]> {
  const statement = stmts.get(sql);
  const byTrace = new Map<string, R[]>();
  for (let i = 0; i < traceIds.length; i += CHUNK) {
    const ids = traceIds.slice(i, i + CHUNK);
    while (ids.length < CHUNK) ids.push(NO_TRACE);
    for (const row of statement.all(...ids) as R[]) {
      const key = row.trace_id.toString('latin1');
      let rows = byTrace.get(key);
      if (rows === undefined) byTrace.set(key, (rows = []));
      rows.push(row);
    }
  }
  return byTrace;
}

/** A failed trace's root as its list read it: its own status message and events say why, most often. */
export interface FailedRoot {
  trace_id: Buffer;
  status_message: string | null;
  events: string | null;
}

/**
 * The errors of failed traces, in their order: for each, the first failing span that recorded
 * one, the root's own first (at most 20 failing spans looked at), else the root's HTTP status
 * with the first failing HTTP call's answer (`GET pricing:8443 answered 503`), else the status.
 * The root's own is read with the list; the other spans only for traces whose root said
 * nothing, CHUNK traces a statement (through the trace index), and the roots' status only for
 * those still unexplained. Each distinct error's kind is worked out once. (A statement per
 * trace, with the status read for each, took 101 ms over 5,000 traces of bench/query's day,
 * this 89 ms; most of it is the seeks.)
 */
export function failedTraceErrors(stmts: StatementCache, roots: readonly FailedRoot[]): TraceError[] {
  const kinds = new Map<string, ErrorKind>();
  const errorOf = (span: FailingSpan): TraceError | null => {
    const events = parseSpanEvents(span.events);
    const parts: SpanErrorParts | null = spanErrorParts(span.status_message, events);
    if (parts === null) return null;
    const key = `${parts.type ?? ''}\u0000${parts.message}`;
    let kind = kinds.get(key);
    if (kind === undefined) kinds.set(key, (kind = errorKindOf(parts, null)));
    return { text: spanErrorText(span.status_message, events), kind };
  };
  const errors = roots.map(errorOf);
  const silent = roots.filter((_, i) => errors[i] === null).map((r) => r.trace_id);
  if (silent.length === 0) return errors as TraceError[];
  const spansOf = rowsByTrace<FailingSpanRow>(stmts, FAILING_SPANS_SQL, silent);
  roots.forEach((root, i) => {
    if (errors[i] !== null) return;
    // Roots first (this one said nothing; a trace through two services has two), then by start.
    const spans = spansOf.get(root.trace_id.toString('latin1')) ?? [];
    for (let j = 0; j < spans.length && j < MAX_FAILING_SPANS && errors[i] === null; j++) errors[i] = errorOf(spans[j] as FailingSpan);
  });
  const bare = roots.filter((_, i) => errors[i] === null).map((r) => r.trace_id);
  const statusOf = bare.length > 0 ? rowsByTrace<{ trace_id: Buffer; http_status: unknown }>(stmts, ROOT_STATUS_SQL, bare) : new Map<string, { http_status: unknown }[]>();
  return errors.map((error, i) => {
    if (error !== null) return error;
    const key = (roots[i] as FailedRoot).trace_id.toString('latin1');
    const httpStatus = httpStatusOf(statusOf.get(key)?.[0]?.http_status);
    // No message anywhere: a downstream that answered an error says more than the status alone.
    const call = failedCallOf(spansOf.get(key) ?? []);
    return call !== null ? { text: failedCallText(call), kind: failedCallKindOf(call, httpStatus) } : { text: null, kind: errorKindOf(null, httpStatus) };
  });
}
