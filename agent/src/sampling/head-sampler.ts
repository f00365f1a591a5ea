// Which traces are `sampled` at their start (exported whatever happens): by default Headroom's
// rate limit (HEADROOM_TRACES_PER_SECOND), or the sampler OTEL_TRACES_SAMPLER names, as the
// OTel SDK environment specification defines it. Decided here only for a trace's root: a new
// trace, or one continued from a remote caller's traceparent. A child always follows its
// parent (sampler.ts), as under OTel's default `parentbased_*` samplers. A trace this does not
// sample may still be recorded and kept whole if it errs or is slow (trace-budget.ts).
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { TokenBucket } from './token-bucket';

export type HeadSampling =
  | { kind: 'rate'; perSecond: number }
  | { kind: 'always_on' | 'always_off'; parentBased: boolean }
  | { kind: 'ratio'; ratio: number; parentBased: boolean };

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

/** The OTEL_TRACES_SAMPLER names and the setting each stands for (the ratio filled in later). */
const NAMES: Record<string, HeadSampling> = {
  always_on: { kind: 'always_on', parentBased: false },
  always_off: { kind: 'always_off', parentBased: false },
  traceidratio: { kind: 'ratio', ratio: 1, parentBased: false },
  parentbased_always_on: { kind: 'always_on', parentBased: true },
  parentbased_always_off: { kind: 'always_off', parentBased: true },
  parentbased_traceidratio: { kind: 'ratio', ratio: 1, parentBased: true },
};

/**
 * Reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG; unset, Headroom's rate limit. A sampler
 * Headroom does not support (jaeger_remote, xray) or a bad ratio is a problem, with a fallback:
 * the rate limit, or the ratio 1 (the specification's default).
 */
export function readHeadSampling(env: Record<string, string | undefined>, perSecond: number, problems: string[]): HeadSampling {
  const rate: HeadSampling = { kind: 'rate', perSecond };
  const raw = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  if (!raw) return rate;
  const named = NAMES[raw];
  if (!named) {
    problems.push(`OTEL_TRACES_SAMPLER=${JSON.stringify(env.OTEL_TRACES_SAMPLER)} (supported: ${Object.keys(NAMES).join(', ')}; using HEADROOM_TRACES_PER_SECOND=${perSecond})`);
    return rate;
  }
  if (named.kind !== 'ratio') return named;
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (!arg) return named;
  const ratio = Number(arg);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    problems.push(`OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(env.OTEL_TRACES_SAMPLER_ARG)} (want a ratio from 0 to 1; using 1)`);
    return named;
  }
  return { ...named, ratio };
}

/** The setting as the start event reports it: `rate 10/s`, `parentbased_traceidratio 0.25`, … */
export function describeHeadSampling(setting: HeadSampling): string {
  if (setting.kind === 'rate') return `rate ${setting.perSecond}/s`;
  const name = `${setting.parentBased ? 'parentbased_' : ''}${setting.kind === 'ratio' ? 'traceidratio' : setting.kind}`;
  return setting.kind === 'ratio' ? `${name} ${setting.ratio}` : name;
}
