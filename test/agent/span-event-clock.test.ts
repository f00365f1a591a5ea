// A span's events and end given a performance.now()-style time (OTel's API takes one: a number
// at most performance.now()) lie on the clock its start is on. The SDK (2.12.0) adds to such a
// time the offset to Date.now() it read at the span's start, whole milliseconds rounded down,
// so against the precise start (precise-span-start.ts) an event stamped as the span began fell
// up to 1 ms before it, and an end given that way could come before the span's last event.
// Spans of the real SDK with the agent's first span processor, kept in memory.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { PreciseStartProcessor } from '../../agent/src/precise-span-start';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new PreciseStartProcessor(), new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('span-event-clock');
after(() => provider.shutdown());

const ns = ([s, n]: [number, number]): bigint => BigInt(s) * 1_000_000_000n + BigInt(n);
// timeOrigin + performance.now() as a double keeps about a quarter of a microsecond.
const SLACK_NS = 1000n;

/** What is out of place in a span: an event before its start or after its end. */
function misplaced(span: ReadableSpan): string[] {
  const start = ns(span.startTime);
  const end = ns(span.endTime);
  const out: string[] = [];
  for (const e of span.events) {
    const at = ns(e.time);
    if (at < start - SLACK_NS) out.push(`${span.name}: ${e.name} ${Number(start - at) / 1e6} ms before its start`);
    if (at > end + SLACK_NS) out.push(`${span.name}: ${e.name} ${Number(at - end) / 1e6} ms after its end`);
  }
  return out;
}

async function timedSpan(name: string, startTime?: number): Promise<void> {
  const span = tracer.startSpan(name, startTime === undefined ? {} : { startTime });
  span.addEvent('begun', performance.now());
  await new Promise((resolve) => setImmediate(resolve));
  span.addEvent('done', performance.now());
  span.end(performance.now());
}

test('events and ends given performance.now() times fall within their spans', async () => {
  exporter.reset();
  for (let i = 0; i < 25; i++) {
    // Started by the SDK (its start moved to the precise clock), and given a precise start in
    // epoch milliseconds as Headroom's server span is.
    await timedSpan('sdk-started');
    await timedSpan('given a start', performance.timeOrigin + performance.now());
  }
  const spans = exporter.getFinishedSpans();
  assert.equal(spans.length, 50);
  assert.deepEqual(spans.flatMap(misplaced), []);
});

test('an event given performance.now() is that instant on the precise clock', () => {
  exporter.reset();
  const span = tracer.startSpan('exact');
  const at = performance.now();
  span.addEvent('now', at);
  span.end();
  const [event] = exporter.getFinishedSpans()[0]?.events ?? [];
  assert.ok(event);
  const want = BigInt(Math.round((performance.timeOrigin + at) * 1e6));
  const got = ns(event.time);
  assert.ok(got - want <= SLACK_NS && want - got <= SLACK_NS, `event ${Number(got - want) / 1e6} ms off timeOrigin + performance.now()`);
});
