// Every threshold the advisor uses, with its default and the reason for it (docs/advisor.md
// has the long form). All are overridable: AdvisorOptions in code, or a JSON file given to
// `headroom start --advisor-config FILE` (env HEADROOM_ADVISOR_CONFIG) holding any subset.
import { readFileSync } from 'node:fs';
import { errors, headroomError } from '../errors';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MIB = 1024 * 1024;

export interface AdvisorThresholds {
  /** Findings look at the last windowMs of the asked range (all of it when shorter), so they clear by themselves. */
  windowMs: number;
  /** Requests in the window before a rule about request time speaks. */
  minRequests: number;
  /** Gauge points per instance (one per agent export, 3 s by default) before a rule about a gauge speaks. */
  minSamples: number;

  /** capacity: event-loop utilisation per process at the peak minute that counts as saturated. */
  capacityBusy: number;
  /** capacity: at or above this the finding is critical (requests are queueing inside the process). */
  capacityCritical: number;
  /** capacity: the utilisation to plan for; processes needed = ceil(total busy at peak / this). */
  targetUtilization: number;

  /** queue wait: mean queue wait over mean (queue wait + response time). */
  queueWaitShare: number;
  queueWaitShareCritical: number;
  /** queue wait: below this mean (ms) the share is not worth a finding (fast apps, small waits). */
  queueWaitMinMs: number;

  /** blocking routes: stalls (on CPU) of one route in the window before it is a finding (CPU starved: stalls the process hardly ran through)… */
  blockingMinCount: number;
  /** …in at least this share of the route's requests (a rare hiccup on a busy route is not the route's doing)… */
  blockingMinShare: number;
  /** …or one stall at least this long (ms). */
  blockingSingleMs: number;
  /** blocking routes: a stall this long (ms) makes the finding critical. */
  blockingCriticalMs: number;
  /** GC stalls: stalls GC pauses filled (on CPU) in the window before they are a finding, or one of blockingSingleMs; critical from blockingCriticalMs. */
  gcStallMinCount: number;

  /** event-loop delay: mean p99 delay (ms) of a process, with no stalls, that means too much work per process. */
  eventLoopDelayP99Ms: number;
  /** event-loop delay: …in a process whose loop is at least this busy (else it waits for a CPU, not for its own work). */
  eventLoopDelayMinUtilization: number;

  /** slow clients: response-write (or body-read) time over the time the client saw. */
  slowClientShare: number;
  /** slow clients: below this mean (ms) it is not worth a finding. */
  slowClientMinMs: number;
  /** large responses: mean response body (bytes) of a route that counts as large… */
  largeResponseBytes: number;
  /** …over at least this many responses. */
  largeResponseMinRequests: number;

  /** memory: heap used (lowest in the last heapWindowMs, i.e. after GC) over the heap limit. */
  heapNearLimit: number;
  heapNearLimitCritical: number;
  /** memory: how far back "lowest heap used" looks. */
  heapWindowMs: number;
  /** leak: how far back the trend looks. */
  leakWindowMs: number;
  /** leak: the trend is fitted to the lowest heap used per bucket of this size (GC saw-tooth removed). */
  leakBucketMs: number;
  /** leak: the data must span at least this long… */
  leakMinSpanMs: number;
  /** …in at least this many buckets. */
  leakMinPoints: number;
  /** leak: growth rate (bytes/hour, Theil–Sen slope) that counts. */
  leakMinBytesPerHour: number;
  /** leak: growth over the span, as a share of the first minimum, that counts. */
  leakMinGrowthShare: number;
  /** leak: R² of the fitted line over the minima (steady growth, not a step). */
  leakMinR2: number;
  /** leak: a rate (bytes/hour) that counts whatever the heap's size, when held steadily… */
  leakSteadyBytesPerHour: number;
  /** …over at least this long (ms)… */
  leakSteadyMinSpanMs: number;
  /** …after the process's first this long (ms): its warm-up, when a healthy heap grows too. */
  leakWarmupMs: number;
  /** host memory: resident memory of a host's processes over the host's (or container's) memory. */
  hostMemoryShare: number;

  /** restarts: restarts of a service in the window that make a restart loop. */
  restartLoopCount: number;
  /** restarts: restarts of different process slots within this of the first are one restart of the service (a deploy of a cluster). */
  restartGroupMs: number;
  /** cold start: how long after a start requests count as "first requests". */
  coldStartWindowMs: number;
  /** cold start: first requests (median) this many times slower than the service's median… */
  coldStartFactor: number;
  /** …and at least this slow (ms). */
  coldStartMinMs: number;
  /** cold start: first requests looked at per start. */
  coldStartFirstRequests: number;

  /** deploy regression: how long each side of a deploy is compared over. */
  deployCompareMs: number;
  /** deploy regression: p95 after / p95 before that counts… */
  deployP95Factor: number;
  /** …with p95 at least this much higher (ms). */
  deployP95MinMs: number;
  /** deploy regression: error rate after − before (a share: 0.02 = 2 points) that counts. */
  deployErrorRatePoints: number;

  /** downstream time: a route's traces kept in the window before either downstream finding speaks. */
  downstreamMinTraces: number;
  /** downstream time: one database system or HTTP peer's share of the route's traced time… */
  downstreamShare: number;
  /** …in a route whose traced requests take at least this long on average (ms). */
  downstreamMinMs: number;
  /** downstream time: from this share of the processes' time blocked by stalls, a call's time may be the caller's own loop. */
  downstreamBlockedShare: number;
  /** pool wait: the route's traced time spent waiting for a pooled database connection (same traces and mean as downstream time). */
  poolWaitShare: number;
  /** N+1: calls of one statement in the median request of the route. */
  nPlusOneMinCalls: number;

  /** settings: the idle timeout of the load balancer in front (AWS ALB: 60 s); 0 turns the check off. */
  loadBalancerIdleTimeoutMs: number;
  /** settings: a headers/request timeout above this (ms) is as good as none. */
  maxServerTimeoutMs: number;
  /** settings: mean thread-pool queue wait (ms) that counts as heavy thread-pool work. */
  threadpoolWaitMs: number;
  /** settings: memory (host or container limit) at or below this counts as container-sized. */
  containerMemoryBytes: number;
}

export type AdvisorOptions = Partial<AdvisorThresholds>;

export const DEFAULT_THRESHOLDS: Readonly<AdvisorThresholds> = Object.freeze({
  windowMs: HOUR,
  minRequests: 100,
  minSamples: 5,
  capacityBusy: 0.8,
  capacityCritical: 0.95,
  targetUtilization: 0.7,
  queueWaitShare: 0.2,
  queueWaitShareCritical: 0.4,
  queueWaitMinMs: 10,
  blockingMinCount: 3,
  blockingMinShare: 0.01,
  blockingSingleMs: 500,
  blockingCriticalMs: 1000,
  gcStallMinCount: 5,
  eventLoopDelayP99Ms: 50,
  eventLoopDelayMinUtilization: 0.5,
  slowClientShare: 0.2,
  slowClientMinMs: 20,
  largeResponseBytes: MIB,
  largeResponseMinRequests: 10,
  heapNearLimit: 0.85,
  heapNearLimitCritical: 0.95,
  heapWindowMs: 5 * MINUTE,
  leakWindowMs: 6 * HOUR,
  leakBucketMs: 5 * MINUTE,
  leakMinSpanMs: 30 * MINUTE,
  leakMinPoints: 6,
  leakMinBytesPerHour: 5 * MIB,
  leakMinGrowthShare: 0.1,
  leakMinR2: 0.6,
  leakSteadyBytesPerHour: 10 * MIB,
  leakSteadyMinSpanMs: HOUR,
  leakWarmupMs: 30 * MINUTE,
  hostMemoryShare: 0.8,
  restartLoopCount: 3,
  restartGroupMs: MINUTE,
  coldStartWindowMs: MINUTE,
  coldStartFactor: 3,
  coldStartMinMs: 100,
  coldStartFirstRequests: 5,
  deployCompareMs: 30 * MINUTE,
  deployP95Factor: 1.5,
  deployP95MinMs: 20,
  deployErrorRatePoints: 0.02,
  downstreamMinTraces: 5,
  downstreamShare: 0.5,
  downstreamMinMs: 100,
  downstreamBlockedShare: 0.1,
  poolWaitShare: 0.2,
  nPlusOneMinCalls: 10,
  loadBalancerIdleTimeoutMs: 60_000,
  maxServerTimeoutMs: 15 * MINUTE,
  threadpoolWaitMs: 5,
  containerMemoryBytes: 4 * 1024 * MIB,
});

/** Shares and utilisations live in (0, 1]; everything else is a non-negative number. */
const FRACTIONS = new Set<keyof AdvisorThresholds>([
  'capacityBusy',
  'capacityCritical',
  'targetUtilization',
  'queueWaitShare',
  'queueWaitShareCritical',
  'slowClientShare',
  'heapNearLimit',
  'heapNearLimitCritical',
  'leakMinR2',
  'hostMemoryShare',
  'blockingMinShare',
  'eventLoopDelayMinUtilization',
  'downstreamShare',
  'downstreamBlockedShare',
  'poolWaitShare',
  'deployErrorRatePoints',
]);

/** Checks an untrusted object (a config file, options) and merges it over the defaults. */
export function resolveThresholds(input: unknown, source = 'advisor options'): AdvisorThresholds {
  const out: AdvisorThresholds = { ...DEFAULT_THRESHOLDS };
  if (input === undefined || input === null) return out;
  if (typeof input !== 'object' || Array.isArray(input)) throw headroomError(errors.advisorConfig, `${source} must be a JSON object`);
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    if (!Object.prototype.hasOwnProperty.call(DEFAULT_THRESHOLDS, key)) {
      throw headroomError(errors.advisorConfig, `${source}: unknown threshold ${JSON.stringify(key)} (see docs/advisor.md)`);
    }
    const name = key as keyof AdvisorThresholds;
    const ok = typeof value === 'number' && Number.isFinite(value) && value >= 0 && (!FRACTIONS.has(name) || (value > 0 && value <= 1));
    if (!ok) {
      const want = FRACTIONS.has(name) ? 'a number above 0 and at most 1' : 'a number ≥ 0';
      throw headroomError(errors.advisorConfig, `${source}: ${key} must be ${want}, got ${JSON.stringify(value)}`);
    }
    out[name] = value as number;
  }
  return out;
}

/** Reads a JSON file of thresholds (any subset); a HeadroomError (HR_ADVISOR_CONFIG) when unusable. */
export function loadThresholdsFile(path: string): AdvisorOptions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw headroomError(errors.advisorConfig, `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, error);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw headroomError(errors.advisorConfig, `${path} is not valid JSON (${(error as Error).message})`, error);
  }
  resolveThresholds(parsed, path);
  return parsed as AdvisorOptions;
}
