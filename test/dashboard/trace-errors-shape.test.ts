// The errors a trace page lists up front (shape/trace-errors.ts): each failing span with its
// exception, status message or HTTP status, those that say why first.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SpanView } from '@headroom/collector/api-types';
import { traceErrors } from '../../dashboard/src/shape/trace-errors';

function span(spanId: string, patch: Partial<SpanView>): SpanView {
  return {
    spanId, parentSpanId: null, service: 'shop', instanceId: 'i', name: `span ${spanId}`, kind: 1, startNs: '0', startMs: 0, durationMs: 1,
    status: { code: 0, message: '' }, attributes: {}, events: [], isStall: false, ...patch,
  };
}

test('failing spans only, the ones that say why before a bare 500', () => {
  const errors = traceErrors([
    span('a', { status: { code: 2, message: '' }, attributes: { 'http.response.status_code': 500 } }),
    span('b', { status: { code: 0, message: '' }, events: [{ timeMs: 0, name: 'exception', attributes: { 'exception.message': 'handled' } }] }),
    span('c', { status: { code: 2, message: 'timeout' } }),
    span('d', { status: { code: 2, message: 'fallback' }, events: [{ timeMs: 0, name: 'exception', attributes: { 'exception.type': 'DbError', 'exception.message': 'deadlock' } }] }),
    span('e', { status: { code: 2, message: '' } }),
  ]);
  assert.deepEqual(errors.map((e) => [e.spanId, e.type, e.message]), [
    ['c', null, 'timeout'],
    ['d', 'DbError', 'deadlock'],
    ['a', null, 'HTTP 500, no message recorded'],
    ['e', null, 'no message recorded'],
  ]);
});

test('a failed query shows the status message, not the exception event that has no type (QA: pg 42601)', () => {
  const [error] = traceErrors([
    span('q', {
      status: { code: 2, message: 'error: syntax error at or near "SELEC"' },
      events: [{ timeMs: 0, name: 'exception', attributes: { 'exception.message': "PostgreSQL error of type 'error' occurred (code: 42601)" } }],
    }),
  ]);
  assert.deepEqual([error?.type, error?.message], [null, 'error: syntax error at or near "SELEC"']);
});
