// ExportTraceServiceRequest → SpanRecords (hot path: ~one call per span).
import type { IngestBatch, SpanEventRecord } from '../../model';
import type { ExportTraceServiceRequest } from '../decode/otlp-types';
import { attributes, str } from './attributes';
import { Outcome } from './outcome';
import { noteInstance, normaliseResource } from './resource';
import { idHex, toBigInt } from './values';

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
        const events: SpanEventRecord[] = [];
        for (const ev of span.events ?? []) {
          events.push({ timeNs: toBigInt(ev.timeUnixNano), name: ev.name ?? '', attributes: attributes(ev.attributes) });
        }
        batch.spans.push({
          traceId,
          spanId,
          // A parent id that is not a valid span id is treated as absent (a root span).
          parentSpanId: idHex(span.parentSpanId, 8),
          service: res.service,
          instanceId: res.instanceId,
          name: span.name ?? '',
          kind: span.kind ?? 0,
          startNs,
          endNs,
          statusCode: span.status?.code ?? 0,
          statusMessage: span.status?.message ?? '',
          route: str(attrs, 'http.route'),
          attributes: attrs,
          events,
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
