// Loads the official OTLP message definitions (collector/proto, see its README) with protobufjs.
//
// Why load the .proto files at start-up rather than generate static code with protobufjs-cli:
// protobufjs's reflection compiles each message type into the same specialised decode function
// (via its codegen) that pbjs would write to disk, so decode speed is the same, while there
// is no generated file to keep in step with the .proto files and no pinned CLI to install.
// Parsing the eight files takes ~30 ms once per process.
import path from 'node:path';
import { Namespace, Root, Type, util, type NamespaceBase } from 'protobufjs';

// src/receiver/decode and dist/receiver/decode are both three levels below collector/.
const PROTO_DIR = path.resolve(__dirname, '../../../proto');

const FILES = [
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'google/rpc/status.proto',
  'google/rpc/bad_request.proto',
];

export interface OtlpTypes {
  root: Root;
  traceRequest: Type;
  traceResponse: Type;
  metricsRequest: Type;
  metricsResponse: Type;
  logsRequest: Type;
  logsResponse: Type;
  status: Type;
  /** The detail a 400's Status carries (google.rpc.BadRequest). */
  badRequest: Type;
}

let cached: OtlpTypes | undefined;

// protobufjs's decoder marks the set member of a oneof (every AnyValue is one) through a
// virtual property whose stock setter `delete`s every other member: ~7 deletes per attribute
// value, a third of all decode time (measured: 26 k → 78 k spans/s with 11 attributes each).
// This setter has the same effect — a `delete` of a member that is not an own property is a
// no-op anyway — at the cost of cheap own-property checks.
function fastOneofSetter(fieldNames: string[]): (this: Record<string, unknown>, name: string | undefined) => void {
  const has = Object.prototype.hasOwnProperty;
  return function setOneOf(this: Record<string, unknown>, name: string | undefined): void {
    for (const field of fieldNames) if (field !== name && has.call(this, field)) delete this[field];
  };
}

/**
 * Builds the message classes of every type under `ns` with fastOneofSetter. protobufjs reads
 * `util.oneOfSetter` only while it builds a class (lazily, on a type's first use), so it is
 * swapped in for the build of OUR types and restored at once: other protobufjs users in the
 * process keep the stock setter. (The property it defines is not configurable, so it cannot be
 * replaced on the built class afterwards.)
 */
function buildClassesWithFastOneofs(ns: NamespaceBase): void {
  const stock = util.oneOfSetter;
  util.oneOfSetter = fastOneofSetter;
  try {
    const visit = (n: NamespaceBase): void => {
      for (const child of n.nestedArray) {
        if (child instanceof Type) void child.ctor;
        if (child instanceof Namespace || child instanceof Type) visit(child);
      }
    };
    visit(ns);
  } finally {
    util.oneOfSetter = stock;
  }
}

export function otlpTypes(): OtlpTypes {
  if (cached) return cached;
  const root = new Root();
  // Imports are written relative to the proto root (`opentelemetry/proto/...`); protobufjs
  // serves `google/protobuf/*.proto` from its bundled copies.
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  root.loadSync(FILES, { keepCase: false });
  root.resolveAll();
  buildClassesWithFastOneofs(root);
  const t = (name: string): Type => root.lookupType(name);
  cached = {
    root,
    traceRequest: t('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    traceResponse: t('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
    metricsRequest: t('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
    metricsResponse: t('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse'),
    logsRequest: t('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
    logsResponse: t('opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse'),
    status: t('google.rpc.Status'),
    badRequest: t('google.rpc.BadRequest'),
  };
  return cached;
}
