// The agent's settings, read from the standard OTel environment variables plus HEADROOM_*
// ones for what OTel has no name for. Reading is pure (env in, settings and problems out), so
// the defaults and the validation are unit-tested; a bad value is a problem (one warning on
// stderr at start), never a crash, and its default is used instead.
import { readHeadSampling, type HeadSampling } from '../sampling/head-sampling-setting';

export interface AgentSettings {
  enabled: boolean;
  /** From OTEL_SERVICE_NAME; null when unset (then the app's package.json name is used). */
  serviceName: string | null;
  tracesUrl: string;
  metricsUrl: string;
  logsUrl: string;
  /** Per export request (OTEL_EXPORTER_OTLP_TIMEOUT). */
  exportTimeoutMs: number;
  /** OTEL_METRIC_EXPORT_INTERVAL. */
  metricIntervalMs: number;
  apdexTMs: number;
  /** Traces slower than this are always kept (default 4 × Apdex T). */
  slowTraceMs: number;
  /** Which traces are sampled at their root: HEADROOM_TRACES_PER_SECOND, or OTEL_TRACES_SAMPLER. */
  traceSampling: HeadSampling;
  /** Unsampled traces recorded in full per second (kept if they err, are slow or stall). */
  recordedTracesPerSecond: number;
  /** Traces kept per route and second for being slower than the route's recent p90 (0: none). */
  routeSlowTracesPerSecond: number;
  /** Traces kept per second for having failed, a tenth of it per route and status (sampling/error-trace-cap.ts). */
  errorTracesPerSecond: number;
  stallThresholdMs: number;
  /**
   * HEADROOM_STALL_ATTRIBUTION: name the request, span and code of each stall (the watchdog
   * thread, ≈10 MB of RSS); off, stalls are still timed, with their CPU, but not attributed.
   */
  stallAttribution: boolean;
  /** Finished spans and log records held for export while the collector is slow or down. */
  maxQueue: number;
  shutdownTimeoutMs: number;
  /** HEADROOM_DB_STATEMENT: SQL query text with its literals replaced by `?` (default), or as recorded. */
  dbStatement: 'sanitized' | 'raw';
  /** HEADROOM_ESM: the ESM loader hook forced on or off; null: decided by the app's main file (esm-hook.ts). */
  esm: boolean | null;
}

export interface SettingsResult {
  settings: AgentSettings;
  problems: string[];
}

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4318';

type Env = Record<string, string | undefined>;

function isFalse(value: string): boolean {
  return ['false', '0', 'no', 'off'].includes(value.trim().toLowerCase());
}

function isTrue(value: string): boolean {
  return ['true', '1', 'yes', 'on'].includes(value.trim().toLowerCase());
}

function numberSetting(
  env: Env,
  name: string,
  fallback: number,
  problems: string[],
  range: { min: number; max: number },
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.trim());
  if (!Number.isFinite(value) || value < range.min || value > range.max) {
    problems.push(`${name}=${JSON.stringify(raw)} (want a number from ${range.min} to ${range.max}; using ${fallback})`);
    return fallback;
  }
  return value;
}

/** `fallback`: what is used instead of a bad value, named in the warning. */
function urlSetting(raw: string | undefined, name: string, problems: string[], fallback: string): URL | null {
  if (raw === undefined || raw.trim() === '') return null;
  try {
    const url = new URL(raw.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
    return url;
  } catch {
    problems.push(`${name}=${JSON.stringify(raw)} (want an http(s) URL such as http://127.0.0.1:4318; using ${fallback})`);
    return null;
  }
}

/**
 * The base endpoint without a signal's path: OTLP appends /v1/<signal> to the base, so one set to
 * a signal's full URL (a common slip, the URL the collector's docs show for one signal) would
 * send to /v1/traces/v1/traces and have every export refused with a 404.
 */
function withoutSignalPath(base: URL, problems: string[]): URL {
  const match = /\/v1\/(?:traces|metrics|logs)\/?$/.exec(base.pathname);
  if (!match) return base;
  const fixed = new URL(base.href);
  fixed.pathname = base.pathname.slice(0, match.index + 1);
  problems.push(`OTEL_EXPORTER_OTLP_ENDPOINT=${JSON.stringify(base.href)} (the base URL, to which /v1/traces, /v1/metrics and /v1/logs are appended; a signal's full URL goes in OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and the like; using ${fixed.href})`);
  return fixed;
}

/** The agent speaks OTLP/HTTP protobuf only: another protocol asked for is ignored, and said so. */
function protocolSettings(env: Env, problems: string[]): void {
  for (const name of ['OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL']) {
    const raw = env[name]?.trim();
    if (raw && raw !== 'http/protobuf') problems.push(`${name}=${JSON.stringify(raw)} (Headroom's agent sends http/protobuf only; ignored)`);
  }
}

/** OTLP/HTTP: the base endpoint gets `/v1/<signal>` appended; a per-signal one is used as is. */
function signalUrl(env: Env, base: URL, signal: 'traces' | 'metrics' | 'logs', problems: string[]): string {
  const path = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const fromBase = new URL(`${path}v1/${signal}`, base).href;
  const name = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`;
  return urlSetting(env[name], name, problems, fromBase)?.href ?? fromBase;
}

function dbStatementSetting(env: Env, problems: string[]): 'sanitized' | 'raw' {
  const raw = env.HEADROOM_DB_STATEMENT;
  if (raw === undefined || raw.trim() === '') return 'sanitized';
  const value = raw.trim().toLowerCase();
  if (value === 'sanitized' || value === 'raw') return value;
  problems.push(`HEADROOM_DB_STATEMENT=${JSON.stringify(raw)} (want sanitized or raw; using sanitized)`);
  return 'sanitized';
}

/** A true/false setting; an unreadable value is a problem and leaves the default. */
function booleanSetting<T extends boolean | null>(env: Env, name: string, fallback: T, problems: string[]): boolean | T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (isFalse(raw)) return false;
  if (isTrue(raw)) return true;
  problems.push(`${name}=${JSON.stringify(raw)} (want true or false)`);
  return fallback;
}

/**
 * A variable people reach for that OpenTelemetry does not have: without a word, a deploy set
 * this way is silently not one (on-call QA s15 lost its first deploy to it).
 */
function ignoredVersionVariable(env: Env, problems: string[]): void {
  const raw = env.OTEL_SERVICE_VERSION;
  if (!raw?.trim() || /(^|,)\s*service\.version\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '')) return;
  problems.push(
    `OTEL_SERVICE_VERSION=${JSON.stringify(raw)} (not an OpenTelemetry variable, so ignored; set the version as OTEL_RESOURCE_ATTRIBUTES=service.version=${raw.trim()})`,
  );
}

export function readSettings(env: Env): SettingsResult {
  const problems: string[] = [];
  let enabled = booleanSetting(env, 'HEADROOM_ENABLED', true, problems);
  if (env.OTEL_SDK_DISABLED !== undefined && isTrue(env.OTEL_SDK_DISABLED)) enabled = false;

  const given = urlSetting(env.OTEL_EXPORTER_OTLP_ENDPOINT, 'OTEL_EXPORTER_OTLP_ENDPOINT', problems, DEFAULT_ENDPOINT);
  const base = given ? withoutSignalPath(given, problems) : new URL(DEFAULT_ENDPOINT);
  protocolSettings(env, problems);
  ignoredVersionVariable(env, problems);
  const serviceName = env.OTEL_SERVICE_NAME?.trim() ? env.OTEL_SERVICE_NAME.trim() : null;
  const apdexTMs = numberSetting(env, 'HEADROOM_APDEX_T', 500, problems, { min: 1, max: 600_000 });
  const settings: AgentSettings = {
    enabled,
    serviceName,
    tracesUrl: signalUrl(env, base, 'traces', problems),
    metricsUrl: signalUrl(env, base, 'metrics', problems),
    logsUrl: signalUrl(env, base, 'logs', problems),
    exportTimeoutMs: numberSetting(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 5_000, problems, { min: 100, max: 120_000 }),
    metricIntervalMs: numberSetting(env, 'OTEL_METRIC_EXPORT_INTERVAL', 3_000, problems, { min: 100, max: 3_600_000 }),
    apdexTMs,
    slowTraceMs: numberSetting(env, 'HEADROOM_SLOW_TRACE_MS', 4 * apdexTMs, problems, { min: 1, max: 3_600_000 }),
    traceSampling: readHeadSampling(env, numberSetting(env, 'HEADROOM_TRACES_PER_SECOND', 10, problems, { min: 0, max: 100_000 }), problems),
    recordedTracesPerSecond: numberSetting(env, 'HEADROOM_RECORDED_TRACES_PER_SECOND', 20, problems, { min: 0, max: 1_000_000 }),
    routeSlowTracesPerSecond: numberSetting(env, 'HEADROOM_ROUTE_SLOW_TRACES_PER_SECOND', 1, problems, { min: 0, max: 1_000 }),
    errorTracesPerSecond: numberSetting(env, 'HEADROOM_ERROR_TRACES_PER_SECOND', 20, problems, { min: 0, max: 1_000_000 }),
    stallThresholdMs: numberSetting(env, 'HEADROOM_STALL_THRESHOLD_MS', 100, problems, { min: 20, max: 600_000 }),
    stallAttribution: booleanSetting(env, 'HEADROOM_STALL_ATTRIBUTION', true, problems),
    maxQueue: Math.floor(numberSetting(env, 'HEADROOM_MAX_QUEUE', 2048, problems, { min: 16, max: 1_000_000 })),
    shutdownTimeoutMs: numberSetting(env, 'HEADROOM_SHUTDOWN_TIMEOUT_MS', 2_000, problems, { min: 0, max: 60_000 }),
    dbStatement: dbStatementSetting(env, problems),
    esm: booleanSetting(env, 'HEADROOM_ESM', null, problems),
  };
  return { settings, problems };
}
