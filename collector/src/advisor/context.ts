// What every rule gets: one service, the window it judges, the instances seen there (with the
// settings their agents reported), read access to the store, and helpers that build findings
// with a deep link to the dashboard chart that shows the evidence.
import type { Finding, FindingSeverity, InstanceView, JsonValue, ServiceSummary, TimeRange, TransactionSummary } from '../api-types';
import type { InstanceGaugeBuckets, StallTally, Storage } from '../store/storage';
import type { AdvisorThresholds } from './thresholds';

export type DashboardPage = '' | 'transactions' | 'traces' | 'event-loop' | 'instances' | 'deployments' | 'advisor';

export interface ServiceContext {
  service: string;
  /**
   * The window findings are judged over: the last windowMs of the asked range, widened to the
   * whole minutes it touches (the store's resolution). Every read of every rule uses it.
   */
  window: TimeRange;
  /** The window as asked (before widening), for the words: "the last 15 minutes". */
  asked: TimeRange;
  storage: Storage;
  thresholds: AdvisorThresholds;
  /** The service's summary over the window (requests, percentiles…); null without request data. Read on first use. */
  summary(): ServiceSummary | null;
  /** The service's transactions over the window. Read on first use, once: three rules read them (bench/query: 18–27 ms a read). */
  transactions(): TransactionSummary[];
  /**
   * Every stall of the service over the window, counted in SQL by route, code location and kind
   * (however many: a read of the events stops at its limit). Read on first use, once: two rules read them.
   */
  stalls(): StallTally[];
  /** Instances seen in the window, cluster primaries included (see servingInstances). */
  instances: InstanceView[];
}

export type Rule = (ctx: ServiceContext) => Finding[];

export function chartLink(service: string, page: DashboardPage, window: TimeRange, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ from: String(Math.floor(window.from)), to: String(Math.ceil(window.to)), ...extra });
  return `/services/${encodeURIComponent(service)}${page === '' ? '' : `/${page}`}?${params.toString()}`;
}

export interface FindingInput {
  kind: string;
  /** What the finding is about within the service (a route, a host, `service`). */
  subject: string;
  severity: FindingSeverity;
  title: string;
  summary: string;
  figures: Record<string, number | string>;
  page: DashboardPage;
  linkParams?: Record<string, string>;
  /** Defaults to the context's window. */
  window?: TimeRange;
  cause: string;
  change: string;
}

export function finding(ctx: ServiceContext, f: FindingInput): Finding {
  const window = f.window ?? ctx.window;
  return {
    id: `${f.kind}:${ctx.service}:${f.subject}`,
    kind: f.kind,
    service: ctx.service,
    severity: f.severity,
    title: f.title,
    evidence: { summary: f.summary, window, figures: f.figures, chartLink: chartLink(ctx.service, f.page, window, f.linkParams) },
    cause: f.cause,
    change: f.change,
  };
}

// ---- reading settings and resource attributes (sent by the app: never trusted) ----

export function numberSetting(instance: InstanceView, key: string): number | null {
  const v: JsonValue | undefined = instance.settings[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function booleanSetting(instance: InstanceView, key: string): boolean | null {
  const v = instance.settings[key];
  return typeof v === 'boolean' ? v : null;
}

/** CPUs of the instance's host: the start event's setting, else the resource attribute. */
export function cpuCount(instance: InstanceView): number | null {
  const fromSettings = numberSetting(instance, 'cpu_count');
  if (fromSettings !== null && fromSettings >= 1) return Math.floor(fromSettings);
  const r = instance.resource['headroom.host.cpu_count'];
  return typeof r === 'number' && Number.isFinite(r) && r >= 1 ? Math.floor(r) : null;
}

/** Processes that serve requests: a cluster primary only hands out connections. */
export function servingInstances(instances: InstanceView[]): InstanceView[] {
  return instances.filter((i) => i.settings['cluster_role'] !== 'primary' && i.resource['headroom.cluster.role'] !== 'primary');
}

export { instanceNames } from '../store/instance-names';

/**
 * Serving processes still running at the window's end, as far as the data says: reported since
 * `since` and not ended (`stopped`: their own stop event, or their cluster primary's report of
 * their exit — a worker killed by SIGKILL or the OOM killer sends no stop of its own;
 * store/instance-stop.ts). A deploy's old processes counted with the new ones for minutes
 * doubled a host's memory.
 */
export function runningInstances(ctx: ServiceContext, since: number): InstanceView[] {
  return servingInstances(ctx.instances).filter((i) => i.lastSeen >= since && i.stopped === null);
}

export function hostOf(instance: InstanceView): string {
  return instance.host ?? `(unknown host of ${instance.instanceId})`;
}

export function byHost(instances: InstanceView[]): Map<string, InstanceView[]> {
  const out = new Map<string, InstanceView[]>();
  for (const i of instances) {
    const h = hostOf(i);
    const list = out.get(h);
    if (list) list.push(i);
    else out.set(h, [i]);
  }
  return out;
}

// ---- gauges ----

/** One gauge per instance in buckets over the window (minute buckets unless told). */
export function gauge(ctx: ServiceContext, metric: string, range: TimeRange = ctx.window, bucketMs = 60_000): InstanceGaugeBuckets[] {
  return ctx.storage.gaugeBuckets({ service: ctx.service, metric, from: range.from, to: range.to, bucketMs });
}

/** Count-weighted mean and sample count of each instance's gauge over the window. */
export function gaugeMeans(ctx: ServiceContext, metric: string): Map<string, { mean: number; count: number }> {
  const out = new Map<string, { mean: number; count: number }>();
  // Minute buckets: a bucket as long as the window would be read from 5-minute or hour rows,
  // which reach back before the window's start.
  for (const s of gauge(ctx, metric)) {
    let sum = 0;
    let count = 0;
    for (const b of s.buckets) {
      sum += b.sum;
      count += b.count;
    }
    if (count > 0) out.set(s.instanceId, { mean: sum / count, count });
  }
  return out;
}

// ---- words and numbers ----

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function ms(value: number): string {
  if (value >= 10_000) return `${round(value / 1000, 0)} s`;
  if (value >= 1000) return `${round(value / 1000, 1)} s`;
  return `${round(value, value < 10 ? 1 : 0)} ms`;
}

export function bytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = value;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${round(v, v >= 100 || u === 0 ? 0 : 1)} ${units[u] as string}`;
}

export function percent(share: number): string {
  return `${round(share * 100, 0)} %`;
}

/** A count with thousands separators: 123,875. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A part of a whole as a percentage, with a decimal below 10 % (1.2 %); never shown as 0 or 100 when it is not. */
export function percentOf(part: number, whole: number): string {
  const p = whole > 0 ? (part / whole) * 100 : 0;
  const r = p < 10 ? round(p, 1) : round(p, 0);
  if (p > 0 && r === 0) return '< 0.1 %';
  if (p < 100 && r === 100) return '> 99 %';
  return `${r} %`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function windowWords(window: TimeRange): string {
  const minutes = Math.round((window.to - window.from) / 60_000);
  if (minutes >= 120 && minutes % 60 === 0) return `the last ${minutes / 60} hours`;
  if (minutes >= 1) return `the last ${plural(minutes, 'minute')}`;
  return `the last ${Math.max(1, Math.round((window.to - window.from) / 1000))} s`;
}
