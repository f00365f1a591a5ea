// A failed span's error in one line, for lists: the exception it recorded (the `exception` span
// event of the semantic conventions, with exception.type and exception.message), else its
// status message. The dashboard's trace view reads the same two places (shape/trace-errors.ts).

export interface SpanEventLike {
  name: string;
  attributes: Record<string, unknown>;
}

/** Longest text a list row carries; the trace itself has the whole message. */
const MAX_CHARS = 300;

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

export function spanErrorText(statusMessage: string | null, events: readonly SpanEventLike[]): string | null {
  for (const e of events) {
    if (e.name !== 'exception') continue;
    const type = text(e.attributes['exception.type']);
    const message = text(e.attributes['exception.message']);
    const line = type && message ? `${type}: ${message}` : type || message;
    if (line) return line.slice(0, MAX_CHARS);
  }
  const status = text(statusMessage);
  return status ? status.slice(0, MAX_CHARS) : null;
}
