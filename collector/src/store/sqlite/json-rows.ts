// JSON columns back to API values. Stored JSON was written by the store itself, but a damaged
// row must cost one empty object, not a failed query.
import type { JsonValue, SpanView } from '../../api-types';
import type { Attributes } from '../../model';

const NS_PER_MS = 1_000_000n;

export function parseJsonObject(text: string | null | undefined): Record<string, JsonValue> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, JsonValue>) : {};
  } catch {
    return {};
  }
}

/** Model attributes are already JSON values (bytes arrive as base64 strings). */
export function toJsonAttributes(attrs: Attributes): Record<string, JsonValue> {
  return attrs as Record<string, JsonValue>;
}

/**
 * An event's stored time as epoch ns: exact decimal text (receiver/normalise/traces.ts), or, in
 * rows an older collector stored, a number of whole epoch ms (raw spans age out with the raw
 * retention, so no migration rewrites them).
 */
function eventTimeNs(t: unknown): bigint {
  if (typeof t === 'string' && /^\d{1,19}$/.test(t)) return BigInt(t);
  return typeof t === 'number' && Number.isSafeInteger(t) && t >= 0 ? BigInt(t) * NS_PER_MS : 0n;
}

/** A span row's events column (`[{ t, n, a, d? }]`, receiver/normalise) as the API's span events. */
export function parseSpanEvents(text: string | null): SpanView['events'] {
  if (!text) return [];
  try {
    const v: unknown = JSON.parse(text);
    if (!Array.isArray(v)) return [];
    return v.map((e: { t?: unknown; n?: unknown; a?: unknown; d?: unknown }) => {
      const ns = eventTimeNs(e.t);
      return {
        timeNs: String(ns),
        timeMs: Number(ns / NS_PER_MS),
        name: typeof e.n === 'string' ? e.n : '',
        attributes: e.a && typeof e.a === 'object' ? (e.a as Record<string, JsonValue>) : {},
        ...(typeof e.d === 'number' && e.d > 0 && { droppedAttributesCount: e.d }),
      };
    });
  } catch {
    return [];
  }
}
