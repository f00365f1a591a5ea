// Alert rules and destinations as the API and the rules file give them: every field is
// checked here, and everything wrong with an input is reported at once, in one message that
// names the field and says what was expected (HR_ALERT_BAD_RULE / HR_ALERT_BAD_DESTINATION).
import { randomBytes } from 'node:crypto';
import type {
  AlertComparison,
  AlertDestinationInput,
  AlertDestinationType,
  AlertNoData,
  AlertRule,
  AlertSeries,
} from '../api-types';
import { parseDuration } from '../config/parse-units';
import { errors, headroomError, type HeadroomError } from '../errors';
import { transactionNameProblem } from '../receiver/normalise/transaction-name';
import { ANY_HOST, destinationRefusal, type DestinationPolicy } from './notify/destination-policy';

export const ALERT_SERIES: readonly AlertSeries[] = [
  'latency.p50',
  'latency.p95',
  'latency.p99',
  'error_rate',
  'throughput',
  'apdex',
  'queue_wait',
  'eventloop.delay.p99',
  'eventloop.utilization',
  'heap.used_ratio',
  'memory.rss',
  'inflight',
  'stall.count',
  'restart.count',
  'crash.count',
  'advisor.finding',
];
const COMPARISONS: readonly AlertComparison[] = ['>', '>=', '<', '<='];
const NO_DATA: readonly AlertNoData[] = ['ok', 'alerting', 'keep'];
const DESTINATION_TYPES: readonly AlertDestinationType[] = ['webhook', 'slack'];

/** Series whose value is a ratio, so a threshold outside 0..1 is a mistake. */
const RATIO_SERIES = new Set<AlertSeries>(['error_rate', 'apdex', 'eventloop.utilization', 'heap.used_ratio']);
/** Series read per process: a route scope means nothing for them. */
const PROCESS_SERIES = new Set<AlertSeries>([
  'eventloop.delay.p99',
  'eventloop.utilization',
  'heap.used_ratio',
  'memory.rss',
  'inflight',
  'restart.count',
  'crash.count',
]);

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const MIN_WINDOW_MS = 60_000;
export const MAX_WINDOW_MS = 24 * 3_600_000;
const MAX_FOR_MS = 7 * 24 * 3_600_000;
const MAX_TEXT = 512;
const MAX_MAP_ENTRIES = 32;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Labels the engine sets itself; a rule may not override them. */
const RESERVED_LABELS = new Set(['alertname', 'service', 'route', 'instance', 'series', 'rule_id']);

/**
 * Why `route` is not a transaction name, or null when it is. Transactions are named "METHOD
 * route", or the method alone when no route matched (normalise/transaction-name.ts;
 * docs/architecture.md#transactions): a path alone, the form before that, matches no new data
 * and would leave the rule in no-data for good without a word.
 */
export function routeProblem(route: string): string | null {
  return transactionNameProblem(route, 'POST');
}

/** The user-given part of a rule (no timestamps, no source). */
export type RuleSpec = Omit<AlertRule, 'source' | 'createdAt' | 'updatedAt'>;

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Problems {
  readonly list: string[] = [];
  add(problem: string): void {
    this.list.push(problem);
  }
}

function text(input: Obj, key: string, p: Problems, opts: { required: boolean; max?: number }): string | null {
  const value = input[key];
  if (value === undefined || value === null) {
    if (opts.required) p.add(`${key} is required`);
    return null;
  }
  if (typeof value !== 'string' || value.trim().length === 0) {
    p.add(`${key} must be a non-empty string`);
    return null;
  }
  const max = opts.max ?? MAX_TEXT;
  if (value.length > max) {
    p.add(`${key} must be at most ${max} characters`);
    return null;
  }
  return value;
}

/**
 * Zero in any unit ("0", "0s", "0m"): a for-duration of none, as the message's "from 0s" offers.
 * parseDuration refuses zero, which no setting it reads may be; the bounds judge it here.
 */
const ZERO_DURATION = /^0+(?:ms|s|m|h|d|w)?$/;

function duration(input: Obj, key: string, p: Problems, bounds: { min: number; max: number; fallback?: number }): number {
  const value = input[key];
  const describe = `${key} must be a duration from ${bounds.min / 1000}s to ${bounds.max / 3_600_000}h, as milliseconds or a string such as "30s", "5m", "1h"`;
  if (value === undefined && bounds.fallback !== undefined) return bounds.fallback;
  let ms: number | null = null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) ms = value;
  else if (typeof value === 'string') ms = ZERO_DURATION.test(value.trim()) ? 0 : parseDuration(value);
  if (ms === null || ms < bounds.min || ms > bounds.max) {
    p.add(value === undefined ? `${key} is required (${describe.slice(key.length + 1)})` : `${describe}; got ${JSON.stringify(value)}`);
    return bounds.min;
  }
  return ms;
}

function oneOf<T extends string>(input: Obj, key: string, allowed: readonly T[], p: Problems, fallback?: T): T {
  const value = input[key];
  if (value === undefined && fallback !== undefined) return fallback;
  const found = allowed.find((a) => a === value);
  if (found === undefined) {
    p.add(`${key} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}${value === undefined ? '' : `; got ${JSON.stringify(value)}`}`);
    return allowed[0] as T;
  }
  return found;
}

function stringMap(input: Obj, key: string, p: Problems, checkName?: (name: string) => string | null): Record<string, string> {
  const value = input[key];
  if (value === undefined || value === null) return {};
  if (!isObject(value)) {
    p.add(`${key} must be an object of string values`);
    return {};
  }
  const entries = Object.entries(value);
  if (entries.length > MAX_MAP_ENTRIES) p.add(`${key} may have at most ${MAX_MAP_ENTRIES} entries`);
  const out: Record<string, string> = {};
  for (const [name, v] of entries.slice(0, MAX_MAP_ENTRIES)) {
    const bad = checkName?.(name) ?? null;
    if (bad !== null) p.add(`${key}.${name}: ${bad}`);
    else if (typeof v !== 'string' || v.length > MAX_TEXT * 4) p.add(`${key}.${name} must be a string of at most ${MAX_TEXT * 4} characters`);
    else out[name] = v;
  }
  return out;
}

function labelName(name: string): string | null {
  if (!LABEL_NAME.test(name)) return 'label names are letters, digits and _ (not starting with a digit)';
  if (RESERVED_LABELS.has(name)) return `"${name}" is set by Headroom and cannot be given`;
  return null;
}

const RULE_KEYS = new Set([
  'id', 'name', 'series', 'service', 'route', 'instanceId', 'findingKind', 'windowMs', 'comparison', 'threshold',
  'forMs', 'noData', 'destinations', 'labels', 'annotations', 'muted',
  // Read-only fields a client may send back unchanged from a GET.
  'source', 'createdAt', 'updatedAt',
]);

function fail(info: typeof errors.alertBadRule | typeof errors.alertBadDestination, where: string, problems: string[]): HeadroomError {
  return headroomError(info, `${where}${problems.join('; ')}`);
}

/** A new id for a rule created without one. */
export function newRuleId(): string {
  return `rule-${randomBytes(6).toString('hex')}`;
}

/**
 * Checks a rule. `where` prefixes the message (e.g. `rules[2] (id "slow-checkout"): `).
 * `knownDestinations`, when given, must contain every destination the rule names.
 */
export function parseRule(raw: unknown, opts: { where?: string; fallbackId?: string; knownDestinations?: ReadonlySet<string> } = {}): RuleSpec {
  const where = opts.where ?? '';
  if (!isObject(raw)) throw fail(errors.alertBadRule, where, ['a rule must be a JSON object']);
  const p = new Problems();
  for (const key of Object.keys(raw)) if (!RULE_KEYS.has(key)) p.add(`unknown field ${JSON.stringify(key)}`);

  let id = opts.fallbackId ?? null;
  if (raw.id !== undefined) {
    if (typeof raw.id !== 'string' || !ID_PATTERN.test(raw.id)) p.add('id must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
    else id = raw.id;
  }
  if (id === null) p.add('id is required');
  const name = text(raw, 'name', p, { required: true, max: 200 });
  const series = oneOf(raw, 'series', ALERT_SERIES, p);
  const service = text(raw, 'service', p, { required: true });
  const route = text(raw, 'route', p, { required: false });
  const instanceId = text(raw, 'instanceId', p, { required: false });
  const findingKind = text(raw, 'findingKind', p, { required: false, max: 128 });
  const windowMs = duration(raw, 'windowMs', p, { min: MIN_WINDOW_MS, max: MAX_WINDOW_MS });
  const forMs = duration(raw, 'forMs', p, { min: 0, max: MAX_FOR_MS, fallback: 0 });
  const noData = oneOf(raw, 'noData', NO_DATA, p, 'keep');

  let comparison: AlertComparison = '>';
  let threshold = 0;
  if (series === 'advisor.finding') {
    // Fires while the advisor reports a matching finding: the value is the number of them.
    if (raw.comparison !== undefined && raw.comparison !== '>') p.add('comparison must be ">" (or left out) for advisor.finding');
    if (raw.threshold !== undefined && raw.threshold !== 0) p.add('threshold must be 0 (or left out) for advisor.finding');
  } else {
    comparison = oneOf(raw, 'comparison', COMPARISONS, p);
    if (typeof raw.threshold !== 'number' || !Number.isFinite(raw.threshold)) {
      p.add(`threshold must be a finite number${raw.threshold === undefined ? '' : `; got ${JSON.stringify(raw.threshold)}`}`);
    } else {
      threshold = raw.threshold;
      if (RATIO_SERIES.has(series) && (threshold < 0 || threshold > 1)) p.add(`threshold for ${series} is a ratio from 0 to 1; got ${threshold}`);
      if (!RATIO_SERIES.has(series) && threshold < 0) p.add(`threshold for ${series} must not be negative; got ${threshold}`);
    }
    if (findingKind !== null) p.add('findingKind is only for series "advisor.finding"');
  }
  if (route !== null && PROCESS_SERIES.has(series)) p.add(`route cannot scope ${series}: it is measured per process (use instanceId)`);
  if (route !== null && series === 'advisor.finding') p.add('route cannot scope advisor.finding');
  const badRoute = route === null ? null : routeProblem(route);
  if (badRoute !== null) p.add(badRoute);

  let destinations: string[] = [];
  if (raw.destinations !== undefined) {
    if (!Array.isArray(raw.destinations) || raw.destinations.some((d) => typeof d !== 'string' || !ID_PATTERN.test(d))) {
      p.add('destinations must be an array of destination ids');
    } else {
      destinations = [...new Set(raw.destinations as string[])];
      if (destinations.length > 16) p.add('a rule may notify at most 16 destinations');
      for (const d of destinations) if (opts.knownDestinations && !opts.knownDestinations.has(d)) p.add(`destination ${JSON.stringify(d)} does not exist`);
    }
  }
  const labels = stringMap(raw, 'labels', p, labelName);
  const annotations = stringMap(raw, 'annotations', p, (n) => (LABEL_NAME.test(n) ? null : 'annotation names are letters, digits and _'));
  if (raw.muted !== undefined && typeof raw.muted !== 'boolean') p.add('muted must be true or false');

  if (p.list.length > 0) throw fail(errors.alertBadRule, where, p.list);
  return {
    id: id as string,
    name: name as string,
    series,
    service: service as string,
    route,
    instanceId,
    findingKind,
    windowMs,
    comparison,
    threshold,
    forMs,
    noData,
    destinations,
    labels,
    annotations,
    muted: raw.muted === true,
  };
}

/** The key in `whsec_<base64>`: Standard Webhooks asks for 24 to 64 bytes. */
export function decodeSecret(secret: string): Buffer | null {
  if (!secret.startsWith('whsec_')) return null;
  const b64 = secret.slice('whsec_'.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const key = Buffer.from(b64, 'base64');
  return key.length >= 24 && key.length <= 64 ? key : null;
}

export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export interface DestinationSpec {
  id: string;
  type: AlertDestinationType;
  url: string;
  secret: string | null;
}

// A URL that does not parse is shown up to its first "/" (without one, its first 12
// characters) only: the rest may be the secret (a Slack webhook URL without its scheme, a token
// pasted in its place), and a rules file's error goes to the log.
function unparsedUrlStart(url: string): string {
  const slash = url.indexOf('/');
  const start = slash >= 0 && slash <= 253 ? url.slice(0, slash + 1) : url.slice(0, 12);
  return start.length < url.length ? `${start}…` : start;
}

export function parseDestination(raw: unknown, where = '', policy: DestinationPolicy = ANY_HOST): DestinationSpec {
  if (!isObject(raw)) throw fail(errors.alertBadDestination, where, ['a destination must be a JSON object']);
  const p = new Problems();
  for (const key of Object.keys(raw)) if (!['id', 'type', 'url', 'secret', 'hasSecret', 'source'].includes(key)) p.add(`unknown field ${JSON.stringify(key)}`);
  const input = raw as Partial<AlertDestinationInput> & Obj;
  if (typeof input.id !== 'string' || !ID_PATTERN.test(input.id)) p.add('id must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
  const type = oneOf(raw, 'type', DESTINATION_TYPES, p);
  const url = text(raw, 'url', p, { required: true, max: 2048 });
  if (url !== null) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      p.add(`url must be an absolute http:// or https:// URL; got ${JSON.stringify(unparsedUrlStart(url))}`);
    }
    if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') p.add(`url must use http or https; got ${parsed.protocol}`);
    if (parsed && (parsed.username !== '' || parsed.password !== '')) p.add('url must not carry credentials');
    const refusal = parsed ? destinationRefusal(parsed, policy) : null;
    if (refusal !== null) p.add(refusal);
  }
  let secret: string | null = null;
  if (input.secret !== undefined && input.secret !== null) {
    if (typeof input.secret !== 'string' || decodeSecret(input.secret) === null) {
      p.add('secret must be "whsec_" followed by the base64 of 24 to 64 random bytes (Standard Webhooks)');
    } else secret = input.secret;
  }
  if (p.list.length > 0) throw fail(errors.alertBadDestination, where, p.list);
  return { id: input.id as string, type, url: url as string, secret };
}
