// A stall the agent marks as its own (headroom.stall.agent: an export's serialisation, QA3) is
// not blamed on the app: no "code outside any request blocks the event loop" finding; the
// same stall without the marker gets one. Stall events through the real OTLP receiver.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAdvisor } from '../../collector/src/advisor';
import { sendLogs, serviceResource, startTestCollector, type TestCollector } from './support/collector-harness';

let collector: TestCollector;
before(async () => {
  collector = await startTestCollector();
});
after(async () => {
  await collector.dispose();
});

const stall = (timeMs: number, agent: boolean) => ({
  timeMs,
  attributes: {
    'event.name': 'headroom.eventloop.stall', 'headroom.stall.duration_ms': 800, 'headroom.stall.cpu_ms': 790,
    'code.function': 'utf8ByteLength', 'code.filepath': '/app/node_modules/@opentelemetry/otlp-transformer/build/src/common/protobuf-writer.js', 'code.lineno': 40,
    ...(agent && { 'headroom.stall.agent': true }),
  },
});

test("the agent's own stalls are not blamed on the app's code", async () => {
  const t0 = Date.now() - 120_000;
  await sendLogs(collector.otlpUrl, serviceResource('exporting', 'exporting-1'), [stall(t0, true), stall(t0 + 1000, true), stall(t0 + 2000, true)]);
  await sendLogs(collector.otlpUrl, serviceResource('blocking', 'blocking-1'), [stall(t0, false), stall(t0 + 1000, false), stall(t0 + 2000, false)]);
  await collector.storage.flush();
  const advisor = createAdvisor(collector.storage, { windowMs: 10 * 60_000 });
  const kinds = (service: string) => advisor.findings({ from: Date.now() - 600_000, to: Date.now() + 1000, service }).findings.map((f) => f.kind);
  assert.ok(kinds('blocking').includes('eventloop.blocking-route'), 'the same stalls, unmarked, are blamed');
  assert.ok(!kinds('exporting').includes('eventloop.blocking-route'), "the agent's are not");
});
