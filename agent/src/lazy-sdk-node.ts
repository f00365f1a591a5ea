// Loads @opentelemetry/sdk-node with the packages it requires eagerly but uses only for
// settings Headroom never takes (gRPC and HTTP/JSON exporters, Prometheus, Zipkin, Jaeger/B3
// propagators, the declarative-config loader) deferred until first used: ≈8 MB of RSS at
// start-up. While sdk-node's own files load, a require of one of those packages returns a
// proxy that requires the real package on first property access, so NodeSDK still works
// unchanged if an OTEL_* variable asks for one of them. Only requires made from inside
// sdk-node's folder are deferred, and only during this one load: the app's requires are
// untouched, and the real package is cached normally once loaded.
import type { TextMapPropagator } from '@opentelemetry/api';
import Module, { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

export const DEFERRED = new Set([
  '@opentelemetry/configuration',
  '@opentelemetry/exporter-logs-otlp-grpc',
  '@opentelemetry/exporter-logs-otlp-http',
  '@opentelemetry/exporter-metrics-otlp-grpc',
  '@opentelemetry/exporter-prometheus',
  '@opentelemetry/exporter-trace-otlp-grpc',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/exporter-zipkin',
  '@opentelemetry/otlp-grpc-exporter-base',
  '@opentelemetry/propagator-b3',
  '@opentelemetry/propagator-jaeger',
]);

type SdkNode = typeof import('@opentelemetry/sdk-node');

interface ModuleInternals {
  _load(request: string, parent: { filename?: string | null } | null, isMain: boolean): unknown;
}

/** A stand-in that requires `request` (as `from` would) on first use. */
function deferred(request: string, from: string): object {
  let real: object | null = null;
  const load = (): object => (real ??= createRequire(from)(request) as object);
  return new Proxy(
    {},
    {
      get: (_t, key) => Reflect.get(load(), key) as unknown,
      has: (_t, key) => Reflect.has(load(), key),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_t, key) => {
        const d = Reflect.getOwnPropertyDescriptor(load(), key);
        return d ? { ...d, configurable: true } : undefined;
      },
    },
  );
}

export function requireSdkNode(): SdkNode {
  const req = createRequire(__filename);
  const sdkDir = dirname(req.resolve('@opentelemetry/sdk-node/package.json')) + sep;
  const internals = Module as unknown as ModuleInternals;
  const original = internals._load;
  internals._load = function load(this: unknown, request, parent, isMain) {
    const from = parent?.filename;
    if (DEFERRED.has(request) && from?.startsWith(sdkDir)) return deferred(request, from);
    return original.call(this, request, parent, isMain);
  };
  try {
    return req('@opentelemetry/sdk-node') as SdkNode;
  } finally {
    internals._load = original;
  }
}

/**
 * The propagators OTEL_PROPAGATORS asks for, as NodeSDK reads the variable (its utils module,
 * which its index does not export): undefined when unset (NodeSDK's default then: W3C trace
 * context and baggage), null for `none`. Call after requireSdkNode(), so the B3 and Jaeger
 * propagators stay deferred.
 */
export function propagatorFromEnv(): TextMapPropagator | null | undefined {
  const req = createRequire(__filename);
  const utils = req(join(dirname(req.resolve('@opentelemetry/sdk-node')), 'utils.js')) as { getPropagatorFromEnv?: () => TextMapPropagator | null | undefined };
  if (typeof utils.getPropagatorFromEnv !== 'function') throw new Error('@opentelemetry/sdk-node has no getPropagatorFromEnv');
  return utils.getPropagatorFromEnv();
}
