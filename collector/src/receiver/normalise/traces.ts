// ExportTraceServiceRequest → SpanRecords (hot path: ~one call per span; runs in the trace
// workers, receiver/trace-workers, unless they are turned off).
import type { Attributes, IngestBatch } from '../../model';
import type { ExportTraceServiceRequest, Span } from '../decode/otlp-types';
import { attributes, str } from './attributes';
import { Outcome } from './outcome';
import { boundName } from './name-limits';
import { noteInstance, normaliseResource } from './resource';
import { httpMethod, transactionName } from './transaction-name';
import { idHex, toBigInt } from './values';

// SQLite INTEGER is signed 64-bit; OTLP fixed64 times are unsigned (the store clamps the same way).
const MAX_I64 = 9_223_372_036_854_775_807n;

function epochMs(ns: bigint): number {
  return Number((ns < 0n ? 0n : ns > MAX_I64 ? MAX_I64 : ns) / 1_000_000n);
}

/** The store's `events` column: `[{ t: epoch ms, n: name, a: attributes }]`, or null for none. */
function eventsJson(span: Span): string | null {
  const list = span.events;
  if (!list || list.length === 0) return null;
  return JSON.stringify(list.map((ev) => ({ t: epochMs(toBigInt(ev.timeUnixNano)), n: ev.name ?? '', a: attributes(ev.attributes) })));
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
  return transactionName(httpMethod(attrs), route);
}

export function normaliseTraces(req: ExportTraceServiceRequest, batch: IngestBatch, receivedNs: bigint): Outcome {
  const out = new Outcome();
  for (const rs of req.resourceSpans ?? []) {
    const res = normaliseResource(rs.resource);
    let latest = 0n;
    let spans = 0;
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
        const stall = attrs['headroom.stall'];
        const queueWait = attrs['headroom.queue_wait.duration_ms'];
        batch.spans.push({
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
          statusMessage: span.status?.message ?? '',
          route: spanRoute(span.kind ?? 0, attrs),
          stall: stall === true || stall === 'true',
          ...(typeof queueWait === 'number' && Number.isFinite(queueWait) && queueWait >= 0 && { queueWaitMs: queueWait }),
          attributesJson: JSON.stringify(attrs),
          eventsJson: eventsJson(span),
        });
        if (endNs > latest) latest = endNs;
      }
    }
    if (spans > 0) {
      noteInstance(batch, res, latest > 0n ? latest : receivedNs);
      if (res.serviceMissing) out.warn(`resource without service.name stored as ${res.service}`);
    }
  }
  return out;
}
