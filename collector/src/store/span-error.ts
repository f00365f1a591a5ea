// Why a failed span failed, in one rule for the collector's lists (TraceSummary.errorMessage) and
// the dashboard's trace view (dashboard/src/shape/trace-errors.ts imports this file): the
// `exception` span event of the semantic conventions (exception.type, exception.message), or
// the span's status message.
//
// An exception with a type is the most specific record. One without a type is often an
// instrumentation's generic wrapper (pg records "PostgreSQL error of type 'error' occurred
// (code: 42601)" while the status says `syntax error at or near "SELEC"`), so then a status
// message beside it wins, and the exception's text is used only when the status has none.

export interface SpanEventLike {
  name: string;
  attributes: Record<string, unknown>;
}

export interface SpanErrorParts {
  /** The exception's type, when one was recorded. */
  type: string | null;
  /** The message that says most; may be empty when only a type was recorded. */
  message: string;
}

/** Longest text a list row carries; the trace itself has the whole message. */
const MAX_CHARS = 300;

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** The type and message that best say why the span failed; null when it recorded neither. */
export function spanErrorParts(statusMessage: string | null, events: readonly SpanEventLike[]): SpanErrorParts | null {
  const status = text(statusMessage);
  let untyped = '';
  for (const e of events) {
    if (e.name !== 'exception') continue;
    const type = text(e.attributes['exception.type']);
    const message = text(e.attributes['exception.message']);
    if (type) return { type, message: message || status };
    if (message && !untyped) untyped = message;
  }
  const message = status || untyped;
  return message ? { type: null, message } : null;
}

/** The same in one line (`type: message`), cut for a list row. */
export function spanErrorText(statusMessage: string | null, events: readonly SpanEventLike[]): string | null {
  const parts = spanErrorParts(statusMessage, events);
  if (parts === null) return null;
  const line = parts.type && parts.message ? `${parts.type}: ${parts.message}` : parts.type || parts.message;
  return line.slice(0, MAX_CHARS);
}
