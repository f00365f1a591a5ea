// What kind of failure a failed trace is, so that failures group by what went wrong: the
// exception type and its message with the parts that vary from one request to the next
// replaced ("user 123 not found" and "user 456 not found" are one kind), or the HTTP status
// when the trace recorded nothing better. Used by the Errors page's groups and the traces
// list's errorKind filter, so a group's link lists exactly its traces.
import type { SpanErrorParts } from './span-error';

export interface ErrorKind {
  /** The group's key and title: `type: pattern`, the pattern alone, or `HTTP 503`. */
  kind: string;
  type: string | null;
  /** The message with its variable parts replaced ('' when none was recorded). */
  pattern: string;
  /** The response status the kind came from, when nothing else was recorded. */
  httpStatus: number | null;
}

/** Longest pattern kept: a kind is a URL parameter of the traces filter (512 characters at most). */
const MAX_PATTERN_CHARS = 300;
const MAX_TYPE_CHARS = 150;

// Order matters: a URL's query string or an e-mail holds numbers and quotes of its own, and a
// UUID is hex, so the wider shapes are replaced before the narrower ones.
const REPLACEMENTS: readonly [RegExp, string][] = [
  // A URL's query string (its path stays: it says which call failed).
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#"'`]*)\?[^\s"'`]*/gi, '$1?<query>'],
  [/[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, '<email>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  // Timestamps whole: ISO 8601 (a date, its time and zone), and a JavaScript Date's toString
  // and toUTCString, whose day and month names would otherwise split one kind by the calendar.
  [/\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2}\b)?)?/g, '<time>'],
  [/\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4}(?: \([^)\n]*\))?/g, '<time>'],
  [/\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT\b/g, '<time>'],
  // Quoted values: "…", '…', `…` (a word's apostrophe, "can't", is no quote: it needs a space or start before it).
  [/"[^"\n]*"/g, '"<str>"'],
  [/(^|[\s(=:[,{])'[^'\n]*'/g, "$1'<str>'"],
  [/`[^`\n]*`/g, '`<str>`'],
  [/\b0x[0-9a-f]+\b/gi, '<hex>'],
  // Hex runs long enough to be hashes or object ids (with a digit: "deadbeef" alone is a word).
  [/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<hex>'],
  // Ids that mix letters and digits (ord_8f3kd9x, A1B2C3D4): six characters or more, but not
  // a number with its unit (5000ms, 512kb), which the number rule below takes.
  [/\b(?!\d+[a-z]{1,3}\b)(?=[\w-]*\d)(?=[\w-]*[a-z])[a-z0-9][\w-]{5,}\b/gi, '<id>'],
  [/\d+/g, '<n>'],
];

/** The message with numbers, ids, hex, quoted values, UUIDs, timestamps, e-mails and URLs' query strings replaced. */
export function normaliseErrorMessage(message: string): string {
  let out = message.replace(/\s+/g, ' ').trim();
  for (const [pattern, by] of REPLACEMENTS) out = out.replace(pattern, by);
  return out.slice(0, MAX_PATTERN_CHARS);
}

/**
 * The kind of a failed trace from its error (span-error.ts's parts of its first failing span
 * that recorded one) and its root's HTTP response status.
 */
export function errorKindOf(parts: SpanErrorParts | null, httpStatus: number | null): ErrorKind {
  const type = parts?.type ? parts.type.slice(0, MAX_TYPE_CHARS) : null;
  const pattern = parts ? normaliseErrorMessage(parts.message) : '';
  if (type !== null || pattern !== '') {
    return { kind: type !== null && pattern !== '' ? `${type}: ${pattern}` : (type ?? pattern), type, pattern, httpStatus: null };
  }
  if (httpStatus !== null) return { kind: `HTTP ${httpStatus}`, type: null, pattern: '', httpStatus };
  return { kind: 'no error recorded', type: null, pattern: '', httpStatus: null };
}

/** A downstream HTTP call that failed, read off a client span (stable or older attribute names). */
export interface FailedCall {
  method: string;
  host: string;
  port: number | null;
  status: number;
}

/** The call as a trace list row says it: `GET pricing.internal:8443 answered 503`. */
export function failedCallText(call: FailedCall): string {
  return `${call.method} ${call.host}${call.port !== null ? `:${call.port}` : ''} answered ${call.status}`;
}

/**
 * The kind of a failed trace that recorded no message, only its status, but called a downstream
 * that answered an error: `HTTP 503: GET <n>.<n>.<n>.<n>:8080 answered 503`. The host is
 * normalised as a message is (a downstream's pods are one kind); its port and both statuses are
 * kept: they say which service and how it failed.
 */
export function failedCallKindOf(call: FailedCall, httpStatus: number | null): ErrorKind {
  const pattern = failedCallText({ ...call, host: normaliseErrorMessage(call.host) }).slice(0, MAX_PATTERN_CHARS);
  return { kind: httpStatus !== null ? `HTTP ${httpStatus}: ${pattern}` : pattern, type: null, pattern, httpStatus };
}

/** A root span's response status, from the stable or the older attribute name. */
export function httpStatusOf(value: unknown): number | null {
  const n = typeof value === 'string' && /^\d{3}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 100 && n <= 599 ? n : null;
}
