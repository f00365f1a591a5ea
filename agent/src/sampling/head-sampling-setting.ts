// The head-sampling setting, read from OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG (the OTel
// SDK environment specification) or HEADROOM_TRACES_PER_SECOND. Apart from the sampler
// (head-sampler.ts) because settings are read before the agent decides to start: this module
// loads no OpenTelemetry package, so HEADROOM_ENABLED=false costs the app nothing.

export type HeadSampling =
  | { kind: 'rate'; perSecond: number }
  | { kind: 'always_on' | 'always_off'; parentBased: boolean }
  | { kind: 'ratio'; ratio: number; parentBased: boolean };

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
