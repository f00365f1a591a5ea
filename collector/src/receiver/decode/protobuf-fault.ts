// Where an undecodable protobuf body goes wrong, for the BadRequest of its 400: protobufjs's
// errors say what failed ("index out of range: 40 + 12 > 45") but not in which field. After a
// failed decode (never on the hot path) the body is walked once more the way protobufjs's
// generated decoder reads it — same reader, same wire-type checks, same reads per declared
// type, same depth limit — noting which field each read is for. The first read that throws
// is where protobufjs failed, so its path is known, not guessed; should the walk get through
// (it mirrors protobufjs 8's decoder.js, and a later protobufjs could differ), there is no
// path and the caller names the whole body. The walk skips what a decode would build (strings,
// objects, path strings until a read fails): it costs about what the failed decode did
// (3.7 MB of spans broken at the end: 80–140 ms against 110–200 ms for the decode).
import { Enum, Reader, types, type Field, type Type } from 'protobufjs';
import { BODY, type FieldViolation } from '../field-violation';

/** A read that threw: where (relative to the message being walked, '' for itself) and why. */
class Fault extends Error {
  constructor(
    public path: string,
    readonly at: number,
    readonly reason: string,
  ) {
    super(reason);
  }

  /** The enclosing message adds the segment that leads to the field: paths are only built here. */
  under(segment: string): Fault {
    this.path = this.path === '' ? segment : `${segment}.${this.path}`;
    return this;
  }
}

// protobufjs's readers, reached by name (`int64`, `uint32s`, …) as its generated code does.
type Reads = Record<string, (this: Reader) => unknown>;

// Wire types by declared scalar type, and the scalar types that may come packed.
const BASIC_WIRE: Readonly<Record<string, number | undefined>> = types.basic;
const PACKED_WIRE: Readonly<Record<string, number | undefined>> = types.packed;

/** How protobufjs reads one field, worked out once per field. */
interface FieldPlan {
  /** The proto field name: protobufjs holds the camelCase one, OTLP's are lower snake_case. */
  name: string;
  repeated: boolean;
  /** The wire type protobufjs reads the field with; with another, it skips it as unknown. */
  wire: number;
  /** Reader method for a packed occurrence (wire type 2 on a packable repeated field). */
  packed: string | null;
  /** Reader method for a varint: it checks more than a skip would (at most 10 bytes). */
  varint: string | null;
  message: Type | null;
}

const plans = new WeakMap<Type, Map<number, FieldPlan | null>>();

function planFor(type: Type, id: number): FieldPlan | null {
  let byId = plans.get(type);
  if (!byId) plans.set(type, (byId = new Map()));
  let plan = byId.get(id);
  if (plan !== undefined) return plan;
  const field: Field | undefined = type.fieldsById[id];
  if (!field || field.map) {
    plan = null; // OTLP has no map fields; read as unknown
  } else {
    field.resolve();
    const declared = field.resolvedType instanceof Enum ? 'int32' : field.type;
    const basic = BASIC_WIRE[declared];
    plan = {
      name: field.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      repeated: field.repeated,
      wire: basic ?? 2,
      packed: field.repeated && PACKED_WIRE[declared] !== undefined ? `${declared}s` : null,
      varint: basic === 0 ? declared : null,
      message: basic === undefined ? (field.resolvedType as Type) : null,
    };
  }
  byId.set(id, plan);
  return plan;
}

function walk(type: Type, r: Reader, end: number, depth: number): void {
  if (depth > Reader.recursionLimit) throw new Fault('', r.pos, 'max depth exceeded');
  const seen: number[] = []; // occurrences so far of each repeated field, by id: the [i]
  while (r.pos < end) {
    const start = r.pos;
    let tag: number;
    try {
      tag = r.tag();
    } catch (err) {
      throw new Fault('', start, (err as Error).message);
    }
    const id = tag >>> 3;
    const wire = tag & 7;
    const plan = planFor(type, id);
    let segment = '';
    try {
      if (plan && wire === 2 && plan.packed) {
        segment = plan.name; // one occurrence holds many elements
        (r as unknown as Reads)[plan.packed]!.call(r);
      } else if (!plan || wire !== plan.wire) {
        r.skipType(wire, depth, id);
      } else {
        if (plan.repeated) {
          const i = seen[id] ?? 0;
          seen[id] = i + 1;
          segment = `${plan.name}[${i}]`;
        } else {
          segment = plan.name;
        }
        if (plan.varint) (r as unknown as Reads)[plan.varint]!.call(r);
        else if (!plan.message) r.skipType(wire, depth, id); // fixed-size or length-delimited: the same bounds check as a read
        else {
          const size = r.size();
          const subEnd = r.pos + size;
          if (subEnd > r.len) throw new RangeError(`index out of range: ${r.pos} + ${size} > ${r.len}`);
          const outer = r.len;
          r.len = subEnd;
          walk(plan.message, r, subEnd, depth + 1);
          r.len = outer;
        }
      }
    } catch (err) {
      if (err instanceof Fault) throw err.under(segment);
      throw new Fault(segment, start, (err as Error).message);
    }
  }
}

/** protobufjs's reason, said plainly where it is cryptic; the tag's offset finds it in a hex dump. */
function describe(reason: string, at: number): string {
  const plain = reason.startsWith('index out of range') ? `runs past the end of the data that holds it (${reason})` : reason;
  return `${plain}; the field starts at byte ${at}`;
}

/**
 * The violation protobufjs met decoding `reader`'s bytes as `type`: the path of the field it
 * was reading (`resource_spans[0].scope_spans[0].spans[2].trace_id`), or null when the walk
 * finds nothing wrong.
 */
export function locateProtobufFault(type: Type, reader: Reader): FieldViolation | null {
  try {
    walk(type, reader, reader.len, 0);
    return null;
  } catch (err) {
    // Anything but a Fault is a bug here; the 400 then names the body instead.
    if (!(err instanceof Fault)) return null;
    return { field: err.path || BODY, description: describe(err.reason, err.at) };
  }
}
