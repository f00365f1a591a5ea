// How much of each new trace is recorded, decided once at its start. Recording a request in
// full (an OTel span for it and for everything it calls, held until its end so an error or a
// slow one is kept whole) costs about as much CPU as a hello-world request itself, so it is
// budgeted per second, and the cost stays flat as traffic grows:
// - `sampled`: the ordinary share, exported whatever happens (HEADROOM_TRACES_PER_SECOND, or
//   OTEL_TRACES_SAMPLER: head-sampler.ts), or a remote caller's sampled trace (W3C Trace
//   Context: respect the caller);
// - `recorded`: recorded in full but unsampled, kept at the end only if it erred, was slow or
//   stalled (HEADROOM_RECORDED_TRACES_PER_SECOND), so at low traffic every such trace is whole;
// - `light`: over both budgets. No spans while it runs; if it errs, is slow or stalls, its
//   server span (and stall spans) are written at the end, without the operations it called.
import { headSampler, type HeadSampler } from './head-sampler';
import type { HeadSampling } from './head-sampling-setting';
import { TokenBucket } from './token-bucket';

export type TraceMode = 'sampled' | 'recorded' | 'light';

export class TraceBudget {
  private readonly sampled: HeadSampler;
  private readonly recorded: TokenBucket;

  constructor(sampling: HeadSampling, recordedPerSecond: number, now?: () => number) {
    this.sampled = headSampler(sampling, now);
    this.recorded = new TokenBucket(recordedPerSecond, now);
  }

  /** A trace that starts here; `now` on the budget's clock, if the caller has it. */
  forNew(now?: number): TraceMode {
    if (this.sampled.forNew(now)) return 'sampled';
    return this.recorded.tryTake(now) ? 'recorded' : 'light';
  }

  /** A trace continued from a caller's traceparent. */
  forRemote(parentSampled: boolean, traceId: string, now?: number): TraceMode {
    if (this.sampled.forRemote(parentSampled, traceId)) return 'sampled';
    return this.recorded.tryTake(now) ? 'recorded' : 'light';
  }
}
