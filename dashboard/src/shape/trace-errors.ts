// The errors of a trace, for showing up front: each failing span (status ERROR) with what it
// recorded — the `exception` span event (semantic conventions: exception.type,
// exception.message), else the status message, else the HTTP status code — so nobody has to
// click through the spans to learn why a request failed. (The trace list's one-line
// `errorMessage` is the collector's reading of the same places: store/span-error.ts.)

import type { SpanView } from '@headroom/collector/api-types';

export interface TraceError {
  spanId: string;
  spanName: string;
  service: string;
  /** The exception's type, when one was recorded. */
  type: string | null;
  /** The exception's message, the status message, or what little is known. */
  message: string;
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

function errorOf(span: SpanView): TraceError {
  const base = { spanId: span.spanId, spanName: span.name, service: span.service };
  for (const e of span.events) {
    if (e.name !== 'exception') continue;
    const type = text(e.attributes['exception.type']);
    const message = text(e.attributes['exception.message']);
    if (type || message) return { ...base, type: type || null, message: message || text(span.status.message) };
  }
  const status = text(span.status.message);
  if (status) return { ...base, type: null, message: status };
  const code = span.attributes['http.response.status_code'] ?? span.attributes['http.status_code'];
  return { ...base, type: null, message: typeof code === 'number' ? `HTTP ${code}, no message recorded` : 'no message recorded' };
}

/** Failing spans in waterfall order, the ones that say why first (a bare 500 on the root last). */
export function traceErrors(spans: readonly SpanView[]): TraceError[] {
  const found = spans.filter((s) => s.status.code === 2).map(errorOf);
  const silent = (e: TraceError) => e.type === null && e.message.endsWith('no message recorded');
  return [...found.filter((e) => !silent(e)), ...found.filter(silent)];
}
