import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceSummary, SpanView, TraceSummary } from '@headroom/collector/api-types';
import { attentionOf, sortByAttention } from '../../dashboard/src/shape/attention';
import { insertTrace, traceMatches } from '../../dashboard/src/shape/trace-filter';
import { attributeText, buildWaterfall } from '../../dashboard/src/shape/waterfall';

function svc(service: string, patch: Partial<ServiceSummary> = {}): ServiceSummary {
  return {
    service, requests: 1000, throughputRpm: 100, errorRate: 0, p50Ms: 5, p95Ms: 20, p99Ms: 40, apdex: 0.99, apdexTMs: 500,
    queueWaitShare: 0.01, eventLoopUtilization: 0.1, memoryRssBytes: 1e8, instances: 1, lastSeen: 0,
    sparkline: { t: [], throughputRpm: [], p95Ms: [] }, ...patch,
  };
}

test('services needing attention come first, with the reasons in words', () => {
  const sorted = sortByAttention([
    svc('healthy-busy', { throughputRpm: 5000 }),
    svc('healthy-quiet', { throughputRpm: 1 }),
    svc('erroring', { errorRate: 0.2 }),
    svc('blocked-loop', { eventLoopUtilization: 0.97 }),
  ]).map((x) => x.summary.service);
  assert.deepEqual(sorted, ['erroring', 'blocked-loop', 'healthy-busy', 'healthy-quiet']);
  const a = attentionOf(svc('x', { errorRate: 0.1, apdex: 0.5 }));
  assert.ok(a.score >= 2);
  assert.deepEqual(a.reasons, ['errors 10 %', 'Apdex 0.50']);
  assert.deepEqual(attentionOf(svc('idle', { requests: 0, apdex: null, eventLoopUtilization: null, queueWaitShare: null })), { score: 0, reasons: [] });
});

test('a queue-wait reason says whom it covers when only some requests carried a queue-start header', () => {
  assert.deepEqual(attentionOf(svc('few', { requests: 123_875, queueWaitRequests: 1_503, queueWaitShare: 0.99 })).reasons, [
    'queue wait 99 % of response time · in the 1,503 of 123,875 requests with a queue-start header',
  ]);
  assert.deepEqual(attentionOf(svc('all', { requests: 100, queueWaitRequests: 100, queueWaitShare: 0.99 })).reasons, ['queue wait 99 % of response time']);
  assert.deepEqual(attentionOf(svc('older collector', { queueWaitShare: 0.99 })).reasons, ['queue wait 99 % of response time']);
});

test('a queue-wait share over a few requests is said but does not rank the service above a real problem', () => {
  const sorted = sortByAttention([
    svc('few-queued', { requests: 123_875, queueWaitRequests: 1_503, queueWaitShare: 0.99, throughputRpm: 9000 }),
    svc('slow', { apdex: 0.7 }),
    svc('all-queued', { requests: 1000, queueWaitRequests: 1000, queueWaitShare: 0.6 }),
  ]);
  assert.deepEqual(sorted.map((x) => x.summary.service), ['all-queued', 'slow', 'few-queued']);
  assert.ok(sorted[2]!.attention.score < 1, `score ${sorted[2]!.attention.score}`);
  assert.equal(sorted[2]!.attention.reasons.length, 1, 'the share is still said');
});

function span(spanId: string, parentSpanId: string | null, startMs: number, durationMs: number, patch: Partial<SpanView> = {}): SpanView {
  return {
    spanId, parentSpanId, service: 'api', instanceId: 'i', name: spanId, kind: 1, startNs: String(startMs * 1e6), startMs, durationMs,
    status: { code: 0, message: '' }, attributes: {}, events: [], isStall: false, ...patch,
  };
}

test('a trace becomes waterfall rows: tree order, depth, offsets and widths', () => {
  const w = buildWaterfall([
    span('db', 'root', 1010, 20),
    span('root', null, 1000, 100),
    span('stall', 'handler', 1040, 50, { isStall: true, name: 'event loop blocked' }),
    span('handler', 'root', 1005, 90),
    span('orphan', 'missing-parent', 1090, 0),
  ]);
  assert.equal(w.startMs, 1000);
  assert.equal(w.durationMs, 100);
  assert.deepEqual(w.rows.map((r) => [r.span.spanId, r.depth]), [['root', 0], ['handler', 1], ['stall', 2], ['db', 1], ['orphan', 0]]);
  assert.deepEqual(w.rows.filter((r) => r.parentMissing).map((r) => r.span.spanId), ['orphan'], 'only a named parent that is not stored is missing');
  assert.equal(w.callerMissing, false, 'the trace itself starts at its root');
  const stall = w.rows.find((r) => r.span.spanId === 'stall');
  assert.equal(stall?.offsetPct, 40);
  assert.equal(stall?.widthPct, 50);
  assert.ok((w.rows.find((r) => r.span.spanId === 'orphan')?.widthPct ?? 0) > 0, 'a 0 ms span still shows');
  assert.equal(w.stallMs, 50);
});

test('a malformed parent cycle does not loop forever and loses no span', () => {
  const w = buildWaterfall([span('a', 'b', 0, 10), span('b', 'a', 1, 5), span('c', 'c', 2, 1)]);
  assert.deepEqual(w.rows.map((r) => r.span.spanId).sort(), ['a', 'b', 'c']);
  assert.deepEqual(buildWaterfall([]).rows, []);
});

test('attribute values display as text', () => {
  assert.equal(attributeText('<b>x</b>'), '<b>x</b>');
  assert.equal(attributeText(42), '42');
  assert.equal(attributeText(['a', 1]), '["a",1]');
  assert.equal(attributeText(null), '');
});

test('live traces join the list only when they pass its filters', () => {
  const t: TraceSummary = { traceId: 't', service: 'api', route: 'GET /a', name: 'GET /a', startMs: 0, durationMs: 300, error: false, spanCount: 3, stallMs: 0 };
  const none = { minDurationMs: null, errorsOnly: false };
  assert.equal(traceMatches(t, 'api', null, none), true);
  assert.equal(traceMatches(t, 'other', null, none), false);
  assert.equal(traceMatches(t, 'api', 'GET /b', none), false);
  assert.equal(traceMatches(t, 'api', null, { minDurationMs: 500, errorsOnly: false }), false);
  assert.equal(traceMatches(t, 'api', null, { minDurationMs: null, errorsOnly: true }), false);
  assert.equal(traceMatches({ ...t, error: true }, 'api', 'GET /a', { minDurationMs: 100, errorsOnly: true }), true);
});

test('a live trace goes in its place: on top newest first; slowest first only within the loaded pages', () => {
  const t = (traceId: string, durationMs: number): TraceSummary => ({ traceId, service: 'api', route: '/a', name: 'GET /a', startMs: 0, durationMs, error: false, spanCount: 1, stallMs: 0 });
  const list = [t('a', 900), t('b', 500)];
  assert.deepEqual(insertTrace(list, t('c', 700), 'start', false).map((x) => x.traceId), ['c', 'a', 'b']);
  assert.deepEqual(insertTrace(list, t('c', 700), 'duration', false).map((x) => x.traceId), ['a', 'c', 'b']);
  assert.deepEqual(insertTrace(list, t('c', 100), 'duration', false).map((x) => x.traceId), ['a', 'b'], 'belongs to a page not loaded');
  assert.deepEqual(insertTrace(list, t('c', 100), 'duration', true).map((x) => x.traceId), ['a', 'b', 'c']);
  assert.deepEqual(insertTrace(list, t('a', 950), 'duration', true).map((x) => x.traceId), ['a', 'b'], 'replaces its earlier copy');
});
