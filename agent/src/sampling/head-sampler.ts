// Which traces are `sampled` at their start (exported whatever happens): by default Headroom's
// rate limit (HEADROOM_TRACES_PER_SECOND), or the sampler OTEL_TRACES_SAMPLER names, as the
// OTel SDK environment specification defines it. Decided here only for a trace's root: a new
// trace, or one continued from a remote caller's traceparent. A child always follows its
// parent (sampler.ts), as under OTel's default `parentbased_*` samplers. A trace this does not
// sample may still be recorded and kept whole if it errs or is slow (trace-budget.ts).
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { HeadSampling } from './head-sampling-setting';
import { TokenBucket } from './token-bucket';

export interface HeadSampler {
  /** A trace that starts here; `now` on the clock of the sampler's rate limit, if the caller has it. */
  forNew(now?: number): boolean;
  /** A trace continued from a remote caller. */
  forRemote(parentSampled: boolean, traceId: string): boolean;
}

export function headSampler(setting: HeadSampling, now?: () => number): HeadSampler {
  switch (setting.kind) {
    case 'rate': {
      const bucket = new TokenBucket(setting.perSecond, now);
      return { forNew: (t) => bucket.tryTake(t), forRemote: (parentSampled) => parentSampled };
    }
    case 'always_on':
    case 'always_off': {
      const on = setting.kind === 'always_on';
      return { forNew: () => on, forRemote: (parentSampled) => (setting.parentBased ? parentSampled : on) };
    }
    case 'ratio': {
      // A new trace's id is random: a random draw samples the same share without drawing the id
      // first. A remote caller's trace is decided by its id, as OTel's samplers in other
      // services decide it.
      const byId = new TraceIdRatioBasedSampler(setting.ratio);
      const { ratio, parentBased } = setting;
      return {
        forNew: () => Math.random() < ratio,
        forRemote: (parentSampled, traceId) =>
          parentBased ? parentSampled : byId.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED,
      };
    }
  }
}
