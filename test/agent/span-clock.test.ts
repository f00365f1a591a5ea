// Every span of a trace on one clock, end to end: an express app under the agent calls itself
// over http, so a trace holds Headroom's server spans and express layers beside OTel's client
// span, which the SDK starts at Date.now() (whole milliseconds, rounded down). QA s13: 220 of
// 602 child spans started before their parent, by up to 0.87 ms, and the waterfall put the
// pool connect before the request. No child may start before, nor end after, its parent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SpanView, TraceResponse } from '../../collector/src/api-types';
import { eventually, FIXTURES, runApp, sampledTraceparent, startTestCollector, type RunningApp, type TestCollector } from './support/harness';

let tc: TestCollector;
let app: RunningApp;
before(async () => {
  tc = await startTestCollector();
  app = await runApp(`${FIXTURES}/span-clock-app.js`, { OTEL_SERVICE_NAME: 'span-clock', OTEL_EXPORTER_OTLP_ENDPOINT: tc.collector.otlpUrl, HEADROOM_TRACES_PER_SECOND: '0' });
});
after(async () => {
  await app.stop();
  await tc.close();
});

const endNs = (s: SpanView): bigint => BigInt(s.startNs) + BigInt(Math.round(s.durationMs * 1e6));
// The collector's durations are float milliseconds: a microsecond covers their rounding, a
// thousandth of the clock mixing this is about.
const SLACK_NS = 1000n;

test('no span starts before, or ends after, its parent, whoever started it', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const { traceId, header } = sampledTraceparent();
    ids.push(traceId);
    await fetch(`${app.base}/chain`, { headers: { traceparent: header } }).then((r) => r.text());
  }
  const traces = await Promise.all(
    ids.map((id) =>
      eventually(async () => {
        const t = await tc.api<TraceResponse>(`/api/traces/${id}`).catch(() => undefined);
        // Two server spans, the client span between them, and the layers of both requests.
        return t && t.spans.filter((s) => s.kind === 2).length === 2 && t.spans.some((s) => s.kind === 3) ? t : undefined;
      }, `trace ${id}`),
    ),
  );
  const wrong: string[] = [];
  let clientSpans = 0;
  let wholeMsClientStarts = 0;
  for (const t of traces) {
    const byId = new Map(t.spans.map((s) => [s.spanId, s]));
    for (const s of t.spans) {
      if (s.kind === 3) {
        clientSpans++;
        if (BigInt(s.startNs) % 1_000_000n === 0n) wholeMsClientStarts++;
      }
      const parent = s.parentSpanId !== null ? byId.get(s.parentSpanId) : undefined;
      if (!parent) continue;
      const early = BigInt(parent.startNs) - BigInt(s.startNs);
      const late = endNs(s) - endNs(parent);
      if (early > SLACK_NS) wrong.push(`${s.name} starts ${Number(early) / 1e6} ms before ${parent.name}`);
      if (late > SLACK_NS) wrong.push(`${s.name} ends ${Number(late) / 1e6} ms after ${parent.name}`);
    }
  }
  assert.deepEqual(wrong, []);
  // The SDK's own start (Date.now()) is whole milliseconds: the client spans' are precise now.
  assert.equal(clientSpans, traces.length);
  assert.ok(wholeMsClientStarts < clientSpans / 2, `${wholeMsClientStarts} of ${clientSpans} client spans start on a whole millisecond`);
});
