// The head half of Headroom's sampling, for spans the SDK starts: whether a span is recorded
// and whether it carries the `sampled` flag ("keep this trace no matter what", which is also
// what downstream services see in traceparent). Trace modes and budgets: trace-budget.ts.
// - Headroom's own server spans arrive with their mode already decided (`withTraceMode`);
// - a child follows its parent: sampled stays sampled, a recorded parent's children are
//   recorded, a non-recording parent's are not (unless `withForcedRecording`: a stall span
//   or the late server span of a light request, written after the fact);
// - any other root (a job, a consumer, a query outside a request) gets a mode of its own.
import { createContextKey, INVALID_SPAN_CONTEXT, isSpanContextValid, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';
import type { TraceBudget, TraceMode } from './trace-budget';

const SAMPLED: SamplingResult = { decision: SamplingDecision.RECORD_AND_SAMPLED };
const RECORDED: SamplingResult = { decision: SamplingDecision.RECORD };
const NOT_RECORDED: SamplingResult = { decision: SamplingDecision.NOT_RECORD };

/** The API's class for spans that are not recorded (not exported by name). */
const NonRecordingSpan = trace.wrapSpanContext(INVALID_SPAN_CONTEXT).constructor;

const MODE_KEY = createContextKey('headroom.trace.mode');
const FORCE_RECORD_KEY = createContextKey('headroom.trace.force-record');

/** The parent context for a root span whose mode was decided by the caller. */
export function withTraceMode(ctx: Context, mode: TraceMode): Context {
  return ctx.setValue(MODE_KEY, mode);
}

/** The parent context for a span to record even though its parent is not recording. */
export function withForcedRecording(ctx: Context): Context {
  return ctx.setValue(FORCE_RECORD_KEY, true);
}

function resultFor(mode: TraceMode): SamplingResult {
  return mode === 'sampled' ? SAMPLED : mode === 'recorded' ? RECORDED : NOT_RECORDED;
}

export class HeadroomSampler implements Sampler {
  constructor(private readonly budget: TraceBudget) {}

  shouldSample(context: Context): SamplingResult {
    const decided = context.getValue(MODE_KEY) as TraceMode | undefined;
    if (decided !== undefined) return resultFor(decided);
    const parent = trace.getSpanContext(context);
    if (!parent || !isSpanContextValid(parent)) return resultFor(this.budget.forNew());
    const sampled = (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    if (parent.isRemote) return resultFor(this.budget.forRemote(sampled, parent.traceId));
    if (sampled) return SAMPLED;
    if (context.getValue(FORCE_RECORD_KEY) === true) return RECORDED;
    // Not isRecording(): a recorded parent that has ended still has late children to keep.
    const span = trace.getSpan(context);
    return span !== undefined && !(span instanceof NonRecordingSpan) ? RECORDED : NOT_RECORDED;
  }

  toString(): string {
    return 'HeadroomSampler';
  }
}
