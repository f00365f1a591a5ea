// A request's context (request-state.ts) stands in for OTel's BaseContext: what OTel's own code
// reads and writes through it must behave as on a BaseContext.
import assert from 'node:assert/strict';
import { createContextKey, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { deleteRPCMetadata, getRPCMetadata, RPCType, setRPCMetadata, suppressTracing, isTracingSuppressed } from '@opentelemetry/core';
import { test } from 'node:test';
import { activeRequest, withRequest, type RequestState } from '../../agent/src/http-server/request-state';

const state = { type: RPCType.HTTP, headroom: true } as unknown as RequestState;
const KEY = createContextKey('test key');

test('the request state is the RPC metadata OTel reads, over whatever the parent holds', () => {
  const parent = suppressTracing(ROOT_CONTEXT).setValue(KEY, 'parent value');
  const ctx = withRequest(parent, state);
  assert.equal(getRPCMetadata(ctx), state);
  assert.equal(activeRequest(ctx), state);
  assert.equal(isTracingSuppressed(ctx), true);
  assert.equal(ctx.getValue(KEY), 'parent value');
  assert.equal(getRPCMetadata(parent), undefined, 'the parent is unchanged');
});

test('values set on it or deleted from it keep the request state; the RPC metadata itself can be replaced or removed', () => {
  const ctx = withRequest(ROOT_CONTEXT, state);
  const span = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 });
  const withSpan = trace.setSpan(ctx, span);
  assert.equal(trace.getSpan(withSpan), span);
  assert.equal(getRPCMetadata(withSpan), state);
  assert.equal(trace.getSpan(ctx), undefined, 'setting a value makes a new context');
  const other = { type: RPCType.HTTP, span } as const;
  assert.equal(getRPCMetadata(setRPCMetadata(withSpan, other)), other);
  assert.equal(trace.getSpan(setRPCMetadata(withSpan, other)), span);
  assert.equal(getRPCMetadata(deleteRPCMetadata(withSpan)), undefined);
  assert.equal(trace.getSpan(deleteRPCMetadata(withSpan)), span);
  const noSpan = trace.deleteSpan(withSpan);
  assert.equal(trace.getSpan(noSpan), undefined);
  assert.equal(getRPCMetadata(noSpan), state);
});
