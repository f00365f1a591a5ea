import assert from 'node:assert/strict';
import { test } from 'node:test';
import { propagation } from '@opentelemetry/api';
import { DEFERRED, requireSdkNode } from '../../agent/src/lazy-sdk-node';

const loaded = (pkg: string): boolean => Object.keys(require.cache).some((file) => file.includes(`/node_modules/${pkg}/`));

test('sdk-node loads without the packages Headroom never uses, and they still load when NodeSDK asks for one', async () => {
  const { NodeSDK } = requireSdkNode();
  for (const pkg of DEFERRED) assert.equal(loaded(pkg), false, `${pkg} loaded eagerly`);

  // OTEL_PROPAGATORS=b3 makes NodeSDK construct the B3 propagator: the deferred package loads then.
  const previous = process.env.OTEL_PROPAGATORS;
  process.env.OTEL_PROPAGATORS = 'b3,tracecontext';
  const sdk = new NodeSDK({ autoDetectResources: false, instrumentations: [], spanProcessors: [], metricReaders: [], logRecordProcessors: [] });
  try {
    sdk.start();
    assert.ok(propagation.fields().includes('b3'), `fields: ${propagation.fields().join(',')}`);
    assert.ok(propagation.fields().includes('traceparent'));
    assert.equal(loaded('@opentelemetry/propagator-b3'), true);
  } finally {
    await sdk.shutdown();
    if (previous === undefined) delete process.env.OTEL_PROPAGATORS;
    else process.env.OTEL_PROPAGATORS = previous;
  }
});
