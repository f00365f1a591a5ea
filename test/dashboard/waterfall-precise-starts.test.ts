// The waterfall orders and places spans by their exact starts (startNs), not by startMs, which the
// API gives in whole milliseconds: an N+1's queries, 0.1–1 ms each, start several to a
// millisecond, and were ordered by their random span ids and drawn up to 1 ms early (QA s15, an
// express + mysql2 route running 50 queries in sequence).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SpanView } from '@headroom/collector/api-types';
import { buildWaterfall, spanStartMs } from '../../dashboard/src/shape/waterfall';

const BASE_NS = 1_795_759_111_000_000_000n;

/** A span starting `offsetUs` µs after BASE_NS, with startMs floored as the API sends it. */
function span(spanId: string, parentSpanId: string | null, offsetUs: number, durationMs: number): SpanView {
  const ns = BASE_NS + BigInt(offsetUs) * 1000n;
  return {
    spanId, parentSpanId, service: 'api', instanceId: 'i', name: spanId, kind: 3, startNs: ns.toString(), startMs: Number(ns / 1_000_000n), durationMs,
    status: { code: 0, message: '' }, attributes: {}, events: [],
  };
}

test('queries started within one millisecond keep their order and their sub-millisecond offsets', () => {
  // The span ids sort the other way round from the starts.
  const w = buildWaterfall([
    span('0000', 'root', 1_400, 0.3),
    span('aaaa', 'root', 500, 0.3),
    span('ffff', 'root', 200, 0.2),
    span('root', null, 0, 3),
  ]);
  assert.deepEqual(w.rows.map((r) => r.span.spanId), ['root', 'ffff', 'aaaa', '0000']);
  assert.deepEqual(w.rows.map((r) => Math.round(r.offsetMs * 1000) / 1000), [0, 0.2, 0.5, 1.4]);
  assert.deepEqual(w.rows.map((r) => Math.round(r.offsetPct * 10) / 10), [0, 6.7, 16.7, 46.7]);
  assert.equal(w.durationMs, 3);
});

test('a start that is no integer of nanoseconds, or names another millisecond, falls back to startMs', () => {
  assert.equal(spanStartMs({ ...span('x', null, 0, 1), startNs: 'n/a', startMs: 42 }), 42);
  assert.equal(spanStartMs({ ...span('z', null, 0, 1), startNs: '0', startMs: 42 }), 42);
  assert.equal(spanStartMs(span('y', null, 1_250, 1)), 1_795_759_111_001.25);
});
