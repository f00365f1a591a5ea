// Number → text with its unit. Every figure on the page and on every chart axis goes
// through here, so "230 ms", "1.2 s", "512 MiB" read the same everywhere.

import { trustedPercentile, type PercentileName } from '../shape/percentile-sample';

export type Unit = 'ms' | 'bytes' | 'rpm' | 'percent' | 'apdex' | 'count';

/** What a figure that is not known reads as. */
export const DASH = '–';

function trim(value: number, digits: number): string {
  return Number(value.toFixed(digits)).toString();
}

/** Durations: µs below 1 ms, ms below 1 s, then s, min, h. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return DASH;
  const abs = Math.abs(ms);
  if (abs === 0) return '0 ms';
  if (abs < 1) return `${trim(ms * 1000, 0)} µs`;
  if (abs < 10) return `${trim(ms, 2)} ms`;
  if (abs < 1000) return `${trim(ms, abs < 100 ? 1 : 0)} ms`;
  if (abs < 60_000) return `${trim(ms / 1000, 2)} s`;
  if (abs < 3_600_000) return `${trim(ms / 60_000, 1)} min`;
  return `${trim(ms / 3_600_000, 1)} h`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return DASH;
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${trim(value, unit === 0 ? 0 : Math.abs(value) < 10 ? 2 : 1)} ${BYTE_UNITS[unit]}`;
}

/** A 0..1 ratio as a percentage. */
export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return DASH;
  const pct = ratio * 100;
  // Not 0 when it is not: a heap at 0.4 % of its limit read "(0 %)" in whole percents (QA).
  const least = digits === 0 ? 1 : 0.1;
  if (pct !== 0 && Math.abs(pct) < least) return `<${least} %`;
  return `${trim(pct, digits)} %`;
}

export function formatRpm(rpm: number | null | undefined): string {
  if (rpm === null || rpm === undefined || !Number.isFinite(rpm)) return DASH;
  return `${formatCount(rpm, rpm < 10 ? 2 : rpm < 100 ? 1 : 0)} rpm`;
}

export function formatApdex(apdex: number | null | undefined): string {
  if (apdex === null || apdex === undefined || !Number.isFinite(apdex)) return DASH;
  return apdex.toFixed(2);
}

export function formatCount(n: number | null | undefined, digits = 0): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return DASH;
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${trim(n / 1e9, 1)} G`;
  if (abs >= 1e6) return `${trim(n / 1e6, 1)} M`;
  if (abs >= 1e4) return `${trim(n / 1e3, 1)} k`;
  return trim(n, digits);
}

export function formatValue(unit: Unit, value: number | null | undefined): string {
  switch (unit) {
    case 'ms': return formatMs(value);
    case 'bytes': return formatBytes(value);
    case 'rpm': return formatRpm(value);
    case 'percent': return formatPercent(value);
    case 'apdex': return formatApdex(value);
    case 'count': return formatCount(value, 1);
  }
}

/** What an axis is labelled with: the unit in words the reader expects. */
export function unitLabel(unit: Unit): string {
  switch (unit) {
    case 'ms': return 'ms';
    case 'bytes': return 'bytes';
    case 'rpm': return 'requests/min';
    case 'percent': return '%';
    case 'apdex': return 'Apdex (0–1)';
    case 'count': return 'requests';
  }
}

/**
 * A y axis's label. Ticks of durations and sizes carry their own unit, which changes along the
 * axis (800 ms, 1 s; 512 MiB, 1 GiB): the label names what is measured, as "ms" under "6 s" did not.
 */
export function axisLabel(unit: Unit): string {
  switch (unit) {
    case 'ms': return 'duration';
    case 'bytes': return 'size';
    default: return unitLabel(unit);
  }
}

/** Axis tick text: the same formatters, compact (no unit repeated when the label has it). */
export function formatTick(unit: Unit, value: number): string {
  switch (unit) {
    case 'ms': return formatMs(value);
    case 'bytes': return formatBytes(value);
    case 'rpm': return formatCount(value, value < 10 ? 1 : 0);
    case 'percent': return `${trim(value * 100, 1)} %`;
    case 'apdex': return value.toFixed(2);
    case 'count': return formatCount(value, Math.abs(value) < 1 ? 2 : 1);
  }
}

export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return DASH;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Local wall-clock time, with the date when it is not today. */
export function formatTime(epochMs: number, now = Date.now()): string {
  const d = new Date(epochMs);
  const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return clock;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock}`;
}

/**
 * A percentile as text, a dash when too few requests back it (shape/percentile-sample.ts):
 * what every table and card shows for p50/p95/p99.
 */
export function formatPercentile(ms: number | null | undefined, requests: number, p: PercentileName): string {
  return formatMs(trustedPercentile(ms ?? null, requests, p));
}
