// What makes a Headroom event the same event when its logs request arrives again (an OTLP
// exporter resends a request whose answer it did not get): the same service, instance and time
// (columns of the unique index events_ident, schema 7) and the same content, hashed here into
// the 64-bit `ident` column. Two unhandled rejections of one millisecond differ by message, so
// the content is all of it, not just the type.
//
// Migration 7 computes the identity of the events stored before it through the SQL function
// registered below, so this definition is frozen like a released migration: changing it would
// let a resend of an event stored earlier through.
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';

export interface EventContent {
  type: string;
  route: string | null;
  traceId: string | null;
  spanId: string | null;
  durationMs: number | null;
  message: string | null;
  /** The attributes as the events row keeps them (JSON text). */
  attributesJson: string;
}

/** A signed 64-bit hash (SQLite INTEGER) of an event's content. */
export function eventIdentity(e: EventContent): bigint {
  const text = JSON.stringify([e.type, e.route, e.traceId, e.spanId, e.durationMs, e.message, e.attributesJson]);
  return createHash('sha1').update(text).digest().readBigInt64LE(0);
}

/** event_ident(type, route, trace_id, span_id, duration_ms, message, attributes), for migration 7. */
export function registerEventIdentity(db: Database): void {
  db.function('event_ident', { deterministic: true, safeIntegers: false }, (type, route, traceId, spanId, durationMs, message, attributes) =>
    eventIdentity({
      type: String(type),
      route: typeof route === 'string' ? route : null,
      traceId: typeof traceId === 'string' ? traceId : null,
      spanId: typeof spanId === 'string' ? spanId : null,
      durationMs: typeof durationMs === 'number' ? durationMs : null,
      message: typeof message === 'string' ? message : null,
      attributesJson: String(attributes),
    }),
  );
}
