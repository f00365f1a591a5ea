// The errors of a trace, for showing up front: each failing span (status ERROR) with what it
// recorded — its exception or status message, by the collector's one rule for both the trace
// list's `errorMessage` and this view (collector/src/store/span-error.ts), else the HTTP
// status code — so nobody has to click through the spans to learn why a request failed.

import type { SpanView } from '@headroom/collector/api-types';
import { spanErrorParts } from '../../../collector/src/store/span-error';

export interface TraceError {
  spanId: string;
  spanName: string;
  service: string;
  /** The exception's type, when one was recorded. */
  type: string | null;
  /** The exception's message, the status message, or what little is known. */
  message: string;
}

function errorOf(span: SpanView): TraceError {
  const base = { spanId: span.spanId, spanName: span.name, service: span.service };
  const recorded = spanErrorParts(span.status.message, span.events);
  if (recorded !== null) return { ...base, ...recorded };
  const code = span.attributes['http.response.status_code'] ?? span.attributes['http.status_code'];
  return { ...base, type: null, message: typeof code === 'number' ? `HTTP ${code}, no message recorded` : 'no message recorded' };
}

/** Failing spans in waterfall order, the ones that say why first (a bare 500 on the root last). */
export function traceErrors(spans: readonly SpanView[]): TraceError[] {
  const found = spans.filter((s) => s.status.code === 2).map(errorOf);
  const silent = (e: TraceError) => e.type === null && e.message.endsWith('no message recorded');
  return [...found.filter((e) => !silent(e)), ...found.filter(silent)];
}
