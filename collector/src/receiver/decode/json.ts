// OTLP/JSON decoding (opentelemetry-proto docs/specification.md, "JSON Protobuf Encoding").
// Walks the parsed JSON guided by the protobufjs reflection of the official messages, so the
// field list comes from the .proto files, not from this code. Differences from plain proto3
// JSON that OTLP prescribes, or that the mapping allows and we accept:
// - traceId / spanId / parentSpanId are hex strings, not base64 (kept as strings here; the
//   normaliser validates them); other bytes fields stay base64 strings;
// - enums as integers, names accepted too (an unknown name leaves the field unset);
// - 64-bit integers as decimal strings or numbers (→ bigint), 32-bit ones as numbers or strings;
// - keys in lowerCamelCase or the original snake_case; unknown keys are ignored (the spec
//   requires receivers to ignore them); null means "not set".
// A value of the wrong type is a 400 whose BadRequest names the field by its JSON path
// (`resourceSpans[0].scopeSpans[0].spans[2].traceId`, in lowerCamelCase whichever case was sent).
import type { Enum, Field, Type } from 'protobufjs';
import { BODY, bodyViolation } from '../field-violation';
import { otlpTypes } from './proto-root';
import { DecodeError, type DecodedRequest, type Signal } from './otlp-types';

type Kind = 'message' | 'enum' | 'int64' | 'int32' | 'double' | 'bool' | 'string' | 'bytes';

interface FieldPlan {
  name: string;
  kind: Kind;
  repeated: boolean;
  oneof: string | null;
  type: Type | null;
  enumValues: Record<string, number> | null;
}

const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);
const MAX_DEPTH = 64;

const plans = new WeakMap<Type, Map<string, FieldPlan>>();

function kindOf(field: Field): Kind {
  if (field.resolvedType && 'fields' in field.resolvedType) return 'message';
  if (field.resolvedType) return 'enum';
  if (INT64.has(field.type)) return 'int64';
  if (INT32.has(field.type)) return 'int32';
  if (field.type === 'double' || field.type === 'float') return 'double';
  if (field.type === 'bool') return 'bool';
  if (field.type === 'bytes') return 'bytes';
  return 'string';
}

function planFor(type: Type): Map<string, FieldPlan> {
  let plan = plans.get(type);
  if (plan) return plan;
  plan = new Map();
  for (const field of type.fieldsArray) {
    field.resolve();
    const kind = kindOf(field);
    const p: FieldPlan = {
      name: field.name,
      kind,
      repeated: field.repeated,
      oneof: field.partOf ? field.partOf.name : null,
      type: kind === 'message' ? (field.resolvedType as Type) : null,
      enumValues: kind === 'enum' ? (field.resolvedType as Enum).values : null,
    };
    plan.set(field.name, p);
    plan.set(field.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), p);
  }
  plans.set(type, plan);
  return plan;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length > 40 ? 'a string' : JSON.stringify(v);
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v;
}

/** `path` is the field's JSON path, '' for the request object itself. */
function fail(path: string, description: string): never {
  throw new DecodeError(`invalid OTLP/JSON at ${path || 'the top level'}: ${description}`, [{ field: path || BODY, description }]);
}

function wrongType(path: string, expected: string, got: unknown): never {
  return fail(path, `expected ${expected}, got ${jsonType(got)}`);
}

// A lone surrogate ("\ud800" in JSON) is no UTF-8: SQLite would store it as bytes that read
// back as other characters, so the name written could never be looked up. U+FFFD in its place,
// as protobuf decoding gives for bytes that are not UTF-8.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function wellFormed(v: string): string {
  return v.replace(LONE_SURROGATE, '\ufffd');
}

function scalar(p: FieldPlan, v: unknown, path: string): unknown {
  switch (p.kind) {
    case 'string':
      if (typeof v !== 'string') wrongType(path, 'a string', v);
      return wellFormed(v);
    case 'bool':
      if (typeof v !== 'boolean') wrongType(path, 'a boolean', v);
      return v;
    case 'double':
      if (typeof v === 'number') return v;
      if (typeof v === 'string') {
        if (v === 'NaN') return NaN;
        if (v === 'Infinity') return Infinity;
        if (v === '-Infinity') return -Infinity;
        const n = Number(v);
        if (v.trim() !== '' && Number.isFinite(n)) return n;
      }
      return wrongType(path, 'a number', v);
    case 'int32':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && /^-?\d{1,10}$/.test(v)) return Number(v);
      return wrongType(path, 'an integer', v);
    case 'int64':
      if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
      if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return BigInt(v);
      return wrongType(path, 'an integer (number or decimal string)', v);
    case 'enum':
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string') return p.enumValues?.[v];
      return wrongType(path, 'an enum number or name', v);
    case 'bytes':
      // Ids are hex (OTLP/JSON), other bytes base64; both stay strings for the normaliser.
      if (typeof v !== 'string') wrongType(path, ID_FIELDS.has(p.name) ? 'a hex string' : 'a base64 string', v);
      return v;
    default:
      return fail(path, 'unexpected field kind');
  }
}

function message(type: Type, json: unknown, path: string, depth: number): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) wrongType(path, 'an object', json);
  if (depth > MAX_DEPTH) fail(path, 'nested too deeply');
  const plan = planFor(type);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(json)) {
    const p = plan.get(key);
    if (!p) continue; // unknown field: ignored, as the spec requires
    const v = (json as Record<string, unknown>)[key];
    if (v === null || v === undefined) continue;
    const at = path === '' ? p.name : `${path}.${p.name}`;
    let value: unknown;
    if (p.repeated) {
      if (!Array.isArray(v)) wrongType(at, 'an array', v);
      value = v.map((item: unknown, i: number) =>
        p.type ? message(p.type, item, `${at}[${i}]`, depth + 1) : scalar(p, item, `${at}[${i}]`),
      );
    } else {
      value = p.type ? message(p.type, v, at, depth + 1) : scalar(p, v, at);
    }
    if (value === undefined) continue;
    out[p.name] = value;
    if (p.oneof) out[p.oneof] = p.name;
  }
  return out;
}

function requestType(signal: Signal): Type {
  const t = otlpTypes();
  return signal === 'traces' ? t.traceRequest : signal === 'metrics' ? t.metricsRequest : t.logsRequest;
}

// Timestamps sent as JSON numbers (the spec allows it) are past 2^53, and JSON.parse would
// round them to the nearest double. Quoting them first keeps every nanosecond; the pattern
// needs an unescaped quote before the key, so text inside string values is never touched.
const BARE_TIMESTAMP = /("(?:[A-Za-z]*UnixNano|[a-z_]*unix_nano)"\s*:\s*)(\d{16,20})(?=\s*[,}\]])/g;

export function decodeJson<S extends Signal>(signal: S, body: Buffer): DecodedRequest[S] {
  let parsed: unknown;
  // A byte-order mark is no JSON but some writers add one; an empty body is an empty request,
  // which the spec says SHOULD succeed (as a zero-byte protobuf body does).
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') return {} as DecodedRequest[S];
  try {
    parsed = JSON.parse(text.replace(BARE_TIMESTAMP, '$1"$2"'));
  } catch (err) {
    const reason = (err as Error).message;
    throw new DecodeError(`invalid JSON: ${reason}`, [bodyViolation(`not JSON: ${reason}`)]);
  }
  return message(requestType(signal), parsed, '', 0) as DecodedRequest[S];
}
