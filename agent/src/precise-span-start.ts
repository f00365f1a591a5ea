// Every span on one clock: the precise one (performance.timeOrigin + performance.now()) that
// Headroom's server span and stall spans are timed on. OTel's SDK (2.x,
// sdk-trace's SpanImpl constructor) starts a span given no start time at Date.now() — whole
// milliseconds, rounded down — and times its end as that start plus performance.now()'s
// elapsed time. Beside a server span started at the precise time, its children (pool connect,
// client calls) started up to 1 ms before it and the handler before its middleware (QA s13:
// 220 of 602 child spans). The SDK has no clock setting, and a start time passed in instead
// makes it end such a span at Date.now() (span.end() without a time), which mixes the clocks
// the other way and loses the exact duration.
//
// So at the span's start, this processor moves its start, in place, to the precise time the
// SDK read in its constructor (`_performanceStartTime`): the SDK then ends it at that start
// plus the same elapsed time, so the duration is exactly the SDK's and the end is on the
// precise clock too. It reads two private fields of the pinned SDK, guarded: when they are not
// there (another SDK version), a span keeps the SDK's own times. Allocation-free: it runs for
// every span.
//
// A time the app gives in performance.now() form (OTel's API takes one for an event or an end)
// the SDK turns into epoch time by adding `_performanceOffset`, Date.now() less the precise time
// at the span's construction: up to 1 ms early against the precise start, so an event stamped as
// the span began fell before it. Every span's start is on the precise clock here (the SDK's,
// moved; Headroom's own, given as timeOrigin + performance.now(); instrumentations' hrTime(),
// the same clock), so that offset is set to 0, guarded the same way.
//
// The clock is not re-read over a long run: on Linux NTP's slewing moves CLOCK_REALTIME and
// CLOCK_MONOTONIC alike, so they part only at a step or a suspend, and re-reading per span is
// what put children before their parents. docs/agent.md has the measurement and the reasons.
import type { Context, HrTime } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** The SDK's private fields read here (sdk-trace 2.12.0, SpanImpl). */
interface SdkSpanClock {
  startTime?: unknown;
  _performanceStartTime?: unknown;
  _startTimeProvided?: unknown;
  _performanceOffset?: unknown;
}

/**
 * Writes timeOrigin + `perfMs` into `time` as [seconds, nanoseconds], converted as OTel's
 * millisToHrTime converts the epoch milliseconds Headroom passes as start and end times
 * (server span, layers' ends, stall spans): the same instant gives the same nanoseconds, so a
 * stall span clipped to its parent's start (read back as epoch ms) does not fall before it.
 */
export function setPreciseTime(time: HrTime, perfMs: number): void {
  const epochMs = performance.timeOrigin + perfMs;
  time[0] = Math.trunc(epochMs / 1000);
  time[1] = Math.round((epochMs % 1000) * 1e6);
}

/**
 * Moves a span's start to the precise clock when the SDK chose it (no start time was given),
 * in place; true when it did. Spans given a start time (Headroom's own) already have theirs.
 */
export function makeStartPrecise(span: Span | ReadableSpan): boolean {
  const sdk = span as unknown as SdkSpanClock;
  if (sdk._startTimeProvided !== false) return false;
  const perfStart = sdk._performanceStartTime;
  const start = sdk.startTime;
  if (typeof perfStart !== 'number' || !Array.isArray(start) || start.length !== 2) return false;
  setPreciseTime(start as HrTime, perfStart);
  return true;
}

/**
 * Puts the performance.now()-style times the app gives the span (its events', its end) on the
 * precise clock: timeOrigin + the time, with no Date.now() offset. True when it did.
 */
export function makeGivenTimesPrecise(span: Span | ReadableSpan): boolean {
  const sdk = span as unknown as SdkSpanClock;
  if (typeof sdk._performanceOffset !== 'number') return false;
  sdk._performanceOffset = 0;
  return true;
}

/** First of the span processors, so the others see the precise start. */
export class PreciseStartProcessor implements SpanProcessor {
  onStart(span: Span, _parentContext: Context): void {
    try {
      makeStartPrecise(span);
      makeGivenTimesPrecise(span);
    } catch {
      // Never into the app: the span keeps the SDK's start.
    }
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
