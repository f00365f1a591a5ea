// Bounds on the attributes an app sends, as the OpenTelemetry SDKs bound them (trace SDK spec,
// "Span Limits" and "Attribute Limits": AttributeCountLimit, EventCountLimit and
// AttributePerEventCountLimit default to 128; AttributeValueLengthLimit applies to strings and
// to each string of an array). A sender other than our agent may set no limits at all, and a
// span's attributes and events are stored whole and sent to every dashboard that opens its
// trace: one 5 MB `db.statement` or 10,000 attributes would otherwise cost that each time.
//
// The counts keep the SDK's defaults (128). The SDK sets no value length by default; here a
// string keeps 4,096 characters (UTF-16 code units, as JavaScript counts them): a Node stack
// trace (`exception.stacktrace`, 10 frames by default: ~1–2 KB) and a long SQL statement stay
// whole, a page of text is still readable, and a span can hold at most 128 × 4 KiB. Arrays keep
// their first 128 elements and nested key/value lists 128 keys, for the same reason.
// What is dropped is counted as OTLP counts it (`dropped_attributes_count`,
// `dropped_events_count`, added to what the sender dropped itself) and stored with the span,
// span event, event (log record) or instance (resource); the trace view shows a span's.
import { errors } from '../../errors';
import { quoteForLog } from '../../log-text';
import { CUT_MARK, cutName } from './cut-text';

export const ATTRIBUTE_LIMITS = {
  /** Characters of a string value (and of each string in an array or key/value list). */
  valueLength: 4096,
  /** Attributes of a span, span event, log record or resource; keys of a key/value list. */
  count: 128,
  /** Elements of an array value. */
  arrayLength: 128,
  /** Events of a span. */
  events: 128,
} as const;

/** What was cut: a value, the attributes of one kind of record, or a span's events. */
export type AttributeCutKind = 'value' | 'span attributes' | 'event attributes' | 'log record attributes' | 'resource attributes' | 'events';

// Values cut since the last takeValueCuts(), and the key of the first: anyValue() cuts deep
// inside a value, where neither the service nor the record is known; the normaliser reads
// this after each record (normalising is synchronous, and each thread has its own copy).
let valuesCut = 0;
let firstCut: { key: string; length: number } | null = null;

/** `value` within the value length, the last character being the mark; counted. */
export function cutValue(value: string): string {
  if (firstCut === null) firstCut = { key: '', length: value.length };
  valuesCut++;
  return cutName(value, ATTRIBUTE_LIMITS.valueLength);
}

/** Names the attribute whose value was cut first (attributes() knows the key, anyValue not). */
export function noteCutKey(key: string): void {
  if (firstCut !== null && firstCut.key === '') firstCut.key = key;
}

/** The values cut since the last call, and the first of them; resets both. */
export function takeValueCuts(): { count: number; key: string; length: number } | null {
  if (valuesCut === 0) return null;
  const taken = { count: valuesCut, key: firstCut?.key ?? '', length: firstCut?.length ?? 0 };
  valuesCut = 0;
  firstCut = null;
  return taken;
}

// Said once per kind and thread, as name cuts are (name-limits.ts): the first tells the
// operator which service sends what; a stream of them must not flood the log.
const warned = new Set<AttributeCutKind>();

/** Logs the first cut of its kind, naming the service and what was cut. */
export function reportAttributeCut(kind: AttributeCutKind, service: string, what: string): void {
  if (warned.has(kind)) return;
  warned.add(kind);
  console.error(
    `headroom: ${errors.otlpAttributeCut.code}: service ${quoteForLog(service)} sent ${what}; ` +
      `the same is done to every item past a limit (values ${ATTRIBUTE_LIMITS.valueLength} characters ending in ${CUT_MARK}, ` +
      `${ATTRIBUTE_LIMITS.count} attributes, ${ATTRIBUTE_LIMITS.events} events, counted as dropped), said only this once`,
  );
}

/** Logs (once) the values cut while normalising one record of `service`, and returns their count. */
export function reportValueCuts(service: string): number {
  const cuts = takeValueCuts();
  if (cuts === null) return 0;
  const key = cuts.key === '' ? 'an attribute' : `attribute ${quoteForLog(cuts.key)}`;
  reportAttributeCut('value', service, `a value of ${cuts.length} characters (${key}), cut to ${ATTRIBUTE_LIMITS.valueLength}`);
  return cuts.count;
}
