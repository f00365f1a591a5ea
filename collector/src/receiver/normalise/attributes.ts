// OTLP AnyValue / KeyValue lists → plain JSON values (model.ts AttrValue). Bytes become base64,
// 64-bit integers numbers (or decimal strings past 2^53), non-finite doubles strings.
import type { AttrValue, Attributes } from '../../model';
import type { AnyValue, KeyValue } from '../decode/otlp-types';
import { bytesToBase64, int64ToJs } from './values';

// Attribute values nest (arrays, kvlists); a sender could nest them without end.
const MAX_DEPTH = 16;

export function anyValue(v: AnyValue | null | undefined, depth = 0): AttrValue {
  if (!v) return null;
  switch (v.value) {
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return v.boolValue === true;
    case 'intValue':
      return int64ToJs(v.intValue);
    case 'doubleValue': {
      const d = v.doubleValue ?? 0;
      return Number.isFinite(d) ? d : String(d);
    }
    case 'bytesValue':
      return v.bytesValue ? bytesToBase64(v.bytesValue) : '';
    case 'arrayValue':
      if (depth >= MAX_DEPTH) return '[nested too deeply]';
      return (v.arrayValue?.values ?? []).map((x) => anyValue(x, depth + 1));
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

export function attributes(list: KeyValue[] | null | undefined, depth = 0): Attributes {
  const out: Attributes = {};
  if (!list) return out;
  for (const kv of list) {
    const key = kv.key;
    if (typeof key !== 'string') continue;
    setAttr(out, key, anyValue(kv.value, depth));
  }
  return out;
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
