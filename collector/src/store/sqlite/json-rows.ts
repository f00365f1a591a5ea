// JSON columns back to API values. Stored JSON was written by the store itself, but a damaged
// row must cost one empty object, not a failed query.
import type { JsonValue } from '../../api-types';
import type { Attributes } from '../../model';

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
