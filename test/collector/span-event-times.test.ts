// A span event's time is kept as exactly as its span's start (epoch ns): an event 0.3 ms after
// its span began is after it in GET /api/traces/:id, not at the start's whole millisecond — where
// the span's exact start (startNs) is after it. Rows an older collector stored (whole epoch ms)
// still read.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TraceResponse } from '../../collector/src/api-types';
import { startTestCollector, type TestCollector } from '../agent/support/harness';
import { batchWith } from './store-helpers';

let tc: TestCollector;
before(async () => {
  tc = await startTestCollector();
});
after(async () => {
  await tc?.close();
});

test('an event 0.3 ms after its span starts is 0.3 ms after it, to the nanosecond', async () => {
  // The span starts 0.2 ms into a millisecond: whole milliseconds put the event (0.5 ms in) before it.
  const startNs = BigInt(Date.now() - 5_000) * 1_000_000n + 200_000n;
  const traceId = '5a1e0000000000000000000000000301';
  const span = {
    traceId,
    spanId: '5a1e000000000301',
    name: 'GET /orders/:id',
    kind: 2,
    startTimeUnixNano: String(startNs),
    endTimeUnixNano: String(startNs + 2_000_000n),
    events: [
      { timeUnixNano: String(startNs), name: 'at the start' },
      { timeUnixNano: String(startNs + 300_000n), name: '0.3 ms in' },
      { timeUnixNano: String(startNs + 1_800_001n), name: '1.800001 ms in' },
    ],
  };
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'event-times' } }] }, scopeSpans: [{ spans: [span] }] }] };
  const res = await fetch(`${tc.collector.otlpUrl}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);

  const trace = await tc.api<TraceResponse>(`/api/traces/${traceId}`);
  const stored = trace.spans[0]!;
  assert.equal(stored.startNs, String(startNs));
  const offsets = stored.events.map((e) => [e.name, BigInt(e.timeNs) - BigInt(stored.startNs)]);
  assert.deepEqual(offsets, [
    ['at the start', 0n],
    ['0.3 ms in', 300_000n],
    ['1.800001 ms in', 1_800_001n],
  ]);
  // timeMs stays the whole millisecond, as the span's startMs is.
  assert.deepEqual(
    stored.events.map((e) => e.timeMs),
    [stored.startMs, stored.startMs, stored.startMs + 2],
  );
});

test('events stored in whole milliseconds by an older collector read as that millisecond', async () => {
  const startMs = Date.now() - 4_000;
  const traceId = '5a1e0000000000000000000000000302';
  const batch = batchWith({
    spans: [
      {
        traceId,
        spanId: '5a1e000000000302',
        parentSpanId: null,
        service: 'event-times',
        instanceId: 'old-row',
        name: 'GET /',
        kind: 2,
        startNs: BigInt(startMs) * 1_000_000n,
        endNs: BigInt(startMs + 5) * 1_000_000n,
        statusCode: 0,
        statusMessage: '',
        route: 'GET /',
        stall: false,
        attributesJson: '{}',
        eventsJson: JSON.stringify([{ t: startMs + 2, n: 'old', a: { k: 1 } }]),
      },
    ],
  });
  assert.equal(tc.collector.storage.enqueue(batch), true);
  const trace = await tc.api<TraceResponse>(`/api/traces/${traceId}`);
  assert.deepEqual(trace.spans[0]!.events, [{ timeNs: `${startMs + 2}000000`, timeMs: startMs + 2, name: 'old', attributes: { k: 1 } }]);
});
