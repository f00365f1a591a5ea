// ExportTraceServiceRequest → SpanRecords (hot path: ~one call per span; runs in the trace
// workers, receiver/trace-workers, unless they are turned off).
import type { Attributes, IngestBatch, SpanRecord } from '../../model';
import type { ExportTraceServiceRequest, Span } from '../decode/otlp-types';
import { ATTRIBUTE_LIMITS, cutValue, reportAttributeCut, reportValueCuts } from './attribute-limits';
import { attributes, droppedAttributes, str } from './attributes';
import { Outcome } from './outcome';
import { boundName, cutName, NAME_LIMITS } from './name-limits';
import { noteInstance, normaliseResource } from './resource';
import { httpMethod, transactionName } from './transaction-name';
import { idHex, toBigInt } from './values';

// The limits as plain numbers (read per span).
const MAX_ATTRIBUTES = ATTRIBUTE_LIMITS.count;
const MAX_EVENTS = ATTRIBUTE_LIMITS.events;
const MAX_VALUE = ATTRIBUTE_LIMITS.valueLength;
const MAX_ROUTE = NAME_LIMITS.route;

// SQLite INTEGER is signed 64-bit; OTLP fixed64 times are unsigned (the store clamps the same way).
const MAX_I64 = 9_223_372_036_854_775_807n;

/**
 * A span event's time as the span's start and end are kept: epoch ns, exact, as decimal text (a
 * JSON number past 2^53 would not be). Whole milliseconds put an event 0.3 ms after its span's
 * start at the start's millisecond, where the span's exact start is after it.
 */
function epochNsText(ns: bigint): string {
  return String(ns < 0n ? 0n : ns > MAX_I64 ? MAX_I64 : ns);
}

interface StoredEvent {
  t: string;
  n: string;
  a: Attributes;
  /** Attributes dropped (past the limit or by the sender), when any. */
  d?: number;
}

// Set by eventsJson when it dropped an event's attributes past the limit (read per span, below).
let eventAttributesCut = false;

/**
 * The store's `events` column: `[{ t: epoch ns as text, n: name, a: attributes, d?: dropped }]`, or
 * null for none. The first ATTRIBUTE_LIMITS.events events (the SDKs keep the first too).
 */
function eventsJson(list: Span['events'], service: string): string | null {
  if (!list || list.length === 0) return null;
  const n = Math.min(list.length, MAX_EVENTS);
  const out = new Array<StoredEvent>(n);
  for (let i = 0; i < n; i++) {
    const ev = list[i] as NonNullable<Span['events']>[number];
    const event: StoredEvent = { t: epochNsText(toBigInt(ev.timeUnixNano)), n: cutName(ev.name ?? '', NAME_LIMITS.span), a: attributes(ev.attributes) };
    const dropped = droppedAttributes(ev.attributes, ev.droppedAttributesCount);
    if (dropped > 0) {
      event.d = dropped;
      if (ev.attributes && ev.attributes.length > MAX_ATTRIBUTES) {
        eventAttributesCut = true;
        reportAttributeCut('event attributes', service, `a span event with ${ev.attributes.length} attributes, the first ${ATTRIBUTE_LIMITS.count} kept`);
      }
    }
    out[i] = event;
  }
  return JSON.stringify(out);
}

const SPAN_KIND_SERVER = 2;

/**
 * The transaction a span belongs to, named as its request metrics are ("GET /orders/:id"), so a
 * transaction's traces are found by its name: a span with an `http.route` (server spans, the
 * stall span inside a request), and a server span no route matched by its method alone ("GET").
 */
function spanRoute(kind: number, attrs: Attributes): string | null {
  const route = str(attrs, 'http.route');
  if (route === null && kind !== SPAN_KIND_SERVER) return null;
  // The attribute says what the route column says: cut the same way (name-limits.ts).
  if (route !== null && route.length > MAX_ROUTE && typeof attrs['http.route'] === 'string') attrs['http.route'] = boundName('route', route);
  return transactionName(httpMethod(attrs), route);
}

/** A count the sender reports (OTLP uint32): 0 unless a positive number. */
function senderCount(v: number | null | undefined): number {
  return typeof v === 'number' && v > 0 ? Math.floor(v) : 0;
}

/** Logs (once per kind) a span's attributes or events past the count limits; counts the span as cut. */
function noteSpanCuts(out: Outcome, service: string, span: Span, eventCount: number): void {
  const attributeCount = span.attributes ? span.attributes.length : 0;
  if (attributeCount > ATTRIBUTE_LIMITS.count) {
    reportAttributeCut('span attributes', service, `a span with ${attributeCount} attributes, the first ${ATTRIBUTE_LIMITS.count} kept`);
  }
  if (eventCount > ATTRIBUTE_LIMITS.events) {
    reportAttributeCut('events', service, `a span with ${eventCount} events, the first ${ATTRIBUTE_LIMITS.events} kept`);
  }
  out.cut++;
}

export function normaliseTraces(req: ExportTraceServiceRequest, batch: IngestBatch, receivedNs: bigint): Outcome {
  const out = new Outcome();
  for (const rs of req.resourceSpans ?? []) {
    const res = normaliseResource(rs.resource);
    if (res.cut) out.cut++;
    let latest = 0n;
    let spans = 0;
    const rejectedBefore = out.rejected;
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        out.received++;
        spans++;
        const traceId = idHex(span.traceId, 16);
        const spanId = idHex(span.spanId, 8);
        if (!traceId || !spanId) {
          out.reject('spans with a missing or invalid trace/span id (16/8 bytes, not all zero)');
          continue;
        }
        const startNs = toBigInt(span.startTimeUnixNano);
        const endNs = toBigInt(span.endTimeUnixNano);
        if (startNs <= 0n || endNs < startNs) {
          out.reject('spans without a start time or ending before they start');
          continue;
        }
        const attrs = attributes(span.attributes);
        const route = spanRoute(span.kind ?? 0, attrs);
        const attributeCount = span.attributes ? span.attributes.length : 0;
        const eventCount = span.events ? span.events.length : 0;
        // What was dropped, past the limits or by the sender (rare: one comparison each when none).
        let droppedAttrs = 0;
        let droppedEvents = 0;
        if (attributeCount > MAX_ATTRIBUTES || span.droppedAttributesCount || eventCount > MAX_EVENTS || span.droppedEventsCount) {
          droppedAttrs = droppedAttributes(span.attributes, span.droppedAttributesCount);
          droppedEvents = Math.max(0, eventCount - MAX_EVENTS) + senderCount(span.droppedEventsCount);
        }
        const events = eventCount === 0 ? null : eventsJson(span.events, res.service);
        const statusMessage = span.status?.message ?? '';
        const stall = attrs['headroom.stall'];
        const queueWait = attrs['headroom.queue_wait.duration_ms'];
        const record: SpanRecord = {
          traceId,
          spanId,
          // A parent id that is not a valid span id is treated as absent (a root span).
          parentSpanId: idHex(span.parentSpanId, 8),
          service: res.service,
          instanceId: res.instanceId,
          name: boundName('span', span.name ?? ''),
          kind: span.kind ?? 0,
          startNs,
          endNs,
          statusCode: span.status?.code ?? 0,
          statusMessage: statusMessage.length > MAX_VALUE ? cutValue(statusMessage) : statusMessage,
          route,
          stall: stall === true || stall === 'true',
          attributesJson: JSON.stringify(attrs),
          eventsJson: events,
        };
        // Optional fields set only when present (rare): a literal with spreads is slower to build.
        if (typeof queueWait === 'number' && Number.isFinite(queueWait) && queueWait >= 0) record.queueWaitMs = queueWait;
        if (droppedAttrs > 0) record.droppedAttributes = droppedAttrs;
        if (droppedEvents > 0) record.droppedEvents = droppedEvents;
        batch.spans.push(record);
        if (endNs > latest) latest = endNs;
        // Cold unless something was cut: said once per kind, counted per span.
        const valuesCut = reportValueCuts(res.service);
        if (valuesCut > 0 || eventAttributesCut || attributeCount > MAX_ATTRIBUTES || eventCount > MAX_EVENTS) {
          eventAttributesCut = false;
          noteSpanCuts(out, res.service, span, eventCount);
        }
      }
    }
    if (spans > 0) {
      noteInstance(batch, res, latest > 0n ? latest : receivedNs, spans - (out.rejected - rejectedBefore));
      if (res.serviceMissing) out.warn(`resource without service.name stored as ${res.service}`);
    }
  }
  return out;
}
