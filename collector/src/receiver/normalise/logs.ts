// ExportLogsServiceRequest → Headroom EventRecords.
// The agent sends its events (stalls, process starts and stops, uncaught errors, cluster workers' exits) as log records named
// `headroom.<type>` — in the LogRecord's event_name field (proto field 12, OTLP ≥ 1.5) or the
// older `event.name` attribute. Every other log record is accepted and counted but NOT stored:
// Headroom is not a log store, and refusing them would make senders retry for nothing.
import type { EventType, IngestBatch } from '../../model';
import type { ExportLogsServiceRequest, LogRecord } from '../decode/otlp-types';
import { ATTRIBUTE_LIMITS, reportAttributeCut, reportValueCuts, takeValueCuts } from './attribute-limits';
import { anyValue, attributes, droppedAttributes, num, str } from './attributes';
import { Outcome } from './outcome';
import { noteInstance, normaliseResource } from './resource';
import { boundRouteAttribute, httpMethod, transactionName } from './transaction-name';
import { idHex, toBigInt } from './values';

const EVENT_TYPES: ReadonlyMap<string, EventType> = new Map(Object.entries({
  'headroom.eventloop.stall': 'stall',
  'headroom.process.start': 'start',
  'headroom.process.restart': 'restart',
  'headroom.process.uncaught_exception': 'uncaught_exception',
  'headroom.process.unhandled_rejection': 'unhandled_rejection',
  // A cluster primary's agent: one of its workers exited (code or signal, meant or not).
  'headroom.process.worker_exit': 'worker_exit',
  // The process is ending (signal, process.exit, empty loop or crash): it is gone from then on.
  'headroom.process.stop': 'stop',
} satisfies Record<string, EventType>));

function eventName(record: LogRecord): string | null {
  if (record.eventName) return record.eventName;
  for (const kv of record.attributes ?? []) {
    if (kv.key === 'event.name') {
      const v = anyValue(kv.value);
      return typeof v === 'string' ? v : null;
    }
  }
  return null;
}

function message(record: LogRecord, attrs: ReturnType<typeof attributes>): string | null {
  const body = anyValue(record.body);
  if (typeof body === 'string' && body !== '') return body;
  return str(attrs, 'exception.message');
}

export function normaliseLogs(req: ExportLogsServiceRequest, batch: IngestBatch, receivedNs: bigint): Outcome {
  const out = new Outcome();
  for (const rl of req.resourceLogs ?? []) {
    const res = normaliseResource(rl.resource);
    if (res.cut) out.cut++;
    let records = 0;
    let latest = 0n;
    for (const sl of rl.scopeLogs ?? []) {
      for (const record of sl.logRecords ?? []) {
        out.received++;
        records++;
        // Most log records are not Headroom events: look at the name before anything else.
        const type = EVENT_TYPES.get(eventName(record) ?? '');
        if (!type) {
          out.ignored++;
          continue;
        }
        takeValueCuts(); // an event.name read above, of a record that may be ignored, is not this one's
        const attrs = attributes(record.attributes);
        boundRouteAttribute(attrs);
        const count = record.attributes ? record.attributes.length : 0;
        if (count > ATTRIBUTE_LIMITS.count) reportAttributeCut('log record attributes', res.service, `a log record with ${count} attributes, the first ${ATTRIBUTE_LIMITS.count} kept`);
        // Time 0 means unknown (logs data model): fall back to the observed time, then arrival.
        let timeNs = toBigInt(record.timeUnixNano);
        if (timeNs <= 0n) timeNs = toBigInt(record.observedTimeUnixNano);
        if (timeNs <= 0n) timeNs = receivedNs;
        const durationMs = num(attrs, 'headroom.stall.duration_ms');
        const dropped = droppedAttributes(record.attributes, record.droppedAttributesCount);
        batch.events.push({
          service: res.service,
          instanceId: res.instanceId,
          type,
          timeNs,
          // Invalid ids mean "not associated with a trace" (logs.proto), not a bad record.
          traceId: idHex(record.traceId, 16),
          spanId: idHex(record.spanId, 8),
          // The agent sends the method of the request the stall ran in (older agents: none).
          route: transactionName(httpMethod(attrs), str(attrs, 'http.route')),
          durationMs,
          message: message(record, attrs),
          attributes: attrs,
          ...(dropped > 0 && { droppedAttributes: dropped }),
        });
        if (timeNs > latest) latest = timeNs;
        if (reportValueCuts(res.service) > 0 || count > ATTRIBUTE_LIMITS.count) out.cut++;
      }
    }
    if (records > 0) {
      noteInstance(batch, res, latest > 0n ? latest : receivedNs, records);
      if (res.serviceMissing) out.warn(`resource without service.name stored as ${res.service}`);
    }
  }
  return out;
}
