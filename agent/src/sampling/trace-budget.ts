// How much of each new trace is recorded, decided once at its start. Recording a request in
// full (an OTel span for it and for everything it calls, held until its end so an error or a
// slow one is kept whole) costs about as much CPU as a hello-world request itself, so it is
// budgeted per second, and the cost stays flat as traffic grows:
// - `sampled`: the ordinary share, exported whatever happens (HEADROOM_TRACES_PER_SECOND, or
//   OTEL_TRACES_SAMPLER: head-sampler.ts), or a remote caller's sampled trace (W3C Trace
//   Context: respect the caller);
// - `recorded`: recorded in full but unsampled, kept at the end only if it erred, was slow or
//   stalled, or was slow for its route (route-slowness.ts); HEADROOM_RECORDED_TRACES_PER_SECOND,
//   shared fairly across request paths (fair-recorded-budget.ts), so at low traffic every such
//   trace is whole, and under load a rare route still gets its share;
// - `light`: over both budgets. No spans while it runs; if it errs, is slow or stalls (or was
//   slow for its route, within that rule's cap), its server span (and stall spans) are
//   written at the end, without the operations it called.
import { headSampler, type HeadSampler } from './head-sampler';
import type { HeadSampling } from './head-sampling-setting';
import { FairRecordedBudget } from './fair-recorded-budget';

export type TraceMode = 'sampled' | 'recorded' | 'light';

export class TraceBudget {
  private readonly sampled: HeadSampler;
  private readonly recorded: FairRecordedBudget;

  constructor(sampling: HeadSampling, recordedPerSecond: number, now?: () => number) {
    this.sampled = headSampler(sampling, now);
    this.recorded = new FairRecordedBudget(recordedPerSecond, now);
  }

  /**
   * A trace that starts here; `now` on the budget's clock, if the caller has it; `url`, the
   * request target of an incoming request (its path's share of the recorded budget).
   */
  forNew(now?: number, url?: string): TraceMode {
    if (this.sampled.forNew(now)) return 'sampled';
    return this.recorded.tryTake(url, now) ? 'recorded' : 'light';
  }

  /** A trace continued from a caller's traceparent. */
  forRemote(parentSampled: boolean, traceId: string, now?: number, url?: string): TraceMode {
    if (this.sampled.forRemote(parentSampled, traceId)) return 'sampled';
    return this.recorded.tryTake(url, now) ? 'recorded' : 'light';
  }
}
