// OTLP AnyValue / KeyValue lists → plain JSON values (model.ts AttrValue). Bytes become base64,
// 64-bit integers numbers (or decimal strings past 2^53), non-finite doubles strings. Strings,
// arrays and lists are bounded here (attribute-limits.ts), so nothing longer is ever held.
// Hot path: a length comparison per value when nothing is cut.
import type { AttrValue, Attributes } from '../../model';
import type { AnyValue, KeyValue } from '../decode/otlp-types';
import { ATTRIBUTE_LIMITS, cutValue, noteCutKey } from './attribute-limits';
import { bytesToBase64, int64ToJs } from './values';

const MAX_LENGTH = ATTRIBUTE_LIMITS.valueLength;
const MAX_COUNT = ATTRIBUTE_LIMITS.count;
const MAX_ARRAY = ATTRIBUTE_LIMITS.arrayLength;

// Attribute values nest (arrays, kvlists); a sender could nest them without end.
const MAX_DEPTH = 16;

export function anyValue(v: AnyValue | null | undefined, depth = 0): AttrValue {
  if (!v) return null;
  switch (v.value) {
    case 'stringValue': {
      const s = v.stringValue ?? '';
      return s.length > MAX_LENGTH ? cutValue(s) : s;
    }
    case 'boolValue':
      return v.boolValue === true;
    case 'intValue':
      return int64ToJs(v.intValue);
    case 'doubleValue': {
      const d = v.doubleValue ?? 0;
      return Number.isFinite(d) ? d : String(d);
    }
    case 'bytesValue': {
      const s = v.bytesValue ? bytesToBase64(v.bytesValue) : '';
      return s.length > MAX_LENGTH ? cutValue(s) : s;
    }
    case 'arrayValue': {
      if (depth >= MAX_DEPTH) return '[nested too deeply]';
      const values = v.arrayValue?.values ?? [];
      const n = Math.min(values.length, MAX_ARRAY);
      const out = new Array<AttrValue>(n);
      for (let i = 0; i < n; i++) out[i] = anyValue(values[i], depth + 1);
      return out;
    }
    case 'kvlistValue':
      if (depth >= MAX_DEPTH) return '[nested too deeply]';
      return attributes(v.kvlistValue?.values, depth + 1);
    default:
      return null;
  }
}

export function setAttr(out: Attributes, key: string, value: AttrValue): void {
  // A key named __proto__ must become an own property, never the object's prototype.
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/**
 * The first ATTRIBUTE_LIMITS.count entries of `list` (the SDKs keep the first ones too); the
 * caller counts the rest as dropped (droppedAttributes).
 */
export function attributes(list: KeyValue[] | null | undefined, depth = 0): Attributes {
  const out: Attributes = {};
  if (!list) return out;
  const n = Math.min(list.length, MAX_COUNT);
  for (let i = 0; i < n; i++) {
    const kv = list[i] as KeyValue;
    const key = kv.key;
    if (typeof key !== 'string') continue;
    const value = anyValue(kv.value, depth);
    setAttr(out, key, value);
    // A cut string is MAX_LENGTH long, or one less when the cut fell inside a surrogate pair.
    if (typeof value === 'string' && value.length >= MAX_LENGTH - 1) noteCutKey(key);
  }
  return out;
}

/** Attributes of `list` past the count limit, plus those its sender dropped itself (OTLP). */
export function droppedAttributes(list: KeyValue[] | null | undefined, senderDropped: number | null | undefined): number {
  const over = list && list.length > MAX_COUNT ? list.length - MAX_COUNT : 0;
  return over + (typeof senderDropped === 'number' && senderDropped > 0 ? Math.floor(senderDropped) : 0);
}

export function str(attrs: Attributes, key: string): string | null {
  const v = Object.prototype.hasOwnProperty.call(attrs, key) ? attrs[key] : undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return null;
}

export function num(attrs: Attributes, key: string): number | null {
  const v = Object.prototype.hasOwnProperty.call(attrs, key) ? attrs[key] : undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
