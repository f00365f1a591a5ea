// A failed trace's error and kind, read the same way for the trace list (errorMessage and its
// errorKind filter) and the Errors page's groups, so a group's link lists exactly its traces.
import { errorKindOf, httpStatusOf, type ErrorKind } from '../../error-kind';
import { spanErrorParts, spanErrorText, type SpanErrorParts } from '../../span-error';
import { parseSpanEvents } from '../json-rows';
import type { StatementCache } from './statement-cache';

/** Failed traces of a range read at most, newest first: the Errors page's groups and the errorKind filter. */
export const MAX_ERROR_TRACES = 5000;

/** A root's response status, stable name first (json_extract over `attributes`). */
export const ROOT_HTTP_STATUS_SQL = `coalesce(json_extract(attributes, '$."http.response.status_code"'), json_extract(attributes, '$."http.status_code"'))`;

export interface TraceError {
  /** TraceSummary.errorMessage: `type: message` in one line, cut for a list row. */
  text: string | null;
  kind: ErrorKind;
}

/**
 * The error of a failed trace: the first failing span that recorded one, the root's own first
 * (through the trace index; at most 20 failing spans looked at), else the root's HTTP status.
 */
export function failedTraceError(stmts: StatementCache, traceId: Buffer, rootHttpStatus: unknown): TraceError {
  const rows = stmts
    .get(`SELECT status_message, events FROM spans WHERE trace_id = ? AND status_code = 2 ORDER BY is_root DESC, start_ns LIMIT 20`)
    .all(traceId) as { status_message: string | null; events: string | null }[];
  for (const r of rows) {
    const events = parseSpanEvents(r.events);
    const parts: SpanErrorParts | null = spanErrorParts(r.status_message, events);
    if (parts !== null) return { text: spanErrorText(r.status_message, events), kind: errorKindOf(parts, null) };
  }
  return { text: null, kind: errorKindOf(null, httpStatusOf(rootHttpStatus)) };
}
