// The head half of Headroom's sampling. Every span is recorded (so errors and slow requests,
// known only at the end, can still be kept whole by the tail processor); what is decided here
// is the `sampled` flag, which says "keep this trace no matter what" and is what downstream
// services see in traceparent:
// - a remote parent that is sampled stays sampled (W3C Trace Context: respect the caller);
// - a new trace is sampled while the per-process rate limit allows (the ordinary share);
// - everything else is recorded unsampled, kept later only if it errs, is slow or stalls.
import { isSpanContextValid, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace-base';
import { TokenBucket } from './token-bucket';

const SAMPLED: SamplingResult = { decision: SamplingDecision.RECORD_AND_SAMPLED };
const RECORDED: SamplingResult = { decision: SamplingDecision.RECORD };

export class HeadroomSampler implements Sampler {
  private readonly bucket: TokenBucket;

  constructor(tracesPerSecond: number, now?: () => number) {
    this.bucket = new TokenBucket(tracesPerSecond, now);
  }

  shouldSample(context: Context): SamplingResult {
    const parent = trace.getSpanContext(context);
    if (parent && isSpanContextValid(parent)) {
      return (parent.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? SAMPLED : RECORDED;
    }
    return this.bucket.tryTake() ? SAMPLED : RECORDED;
  }

  toString(): string {
    return 'HeadroomSampler';
  }
}
