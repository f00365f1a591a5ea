// A named figure (an instance's start settings, an advisor finding's evidence) as text for
// people, read off its name: `*_bytes` / `*Bytes` as KiB/MiB/GiB, `*_ms` / `*Ms` as a duration,
// `*Share` / `*Ratio` / `*Utilization` (0..1) as a percentage, `*BytesPerHour` as a rate. A name
// with no known unit keeps its value as sent. The exact value stays available as a tooltip
// (rawFigure).

import { formatBytes, formatMs } from './units';

type Formatter = (value: number) => string;

/** Share as %: two decimals under 1 % (0.07 %), one above (1.8 %), none from 10 %. */
function formatShare(ratio: number): string {
  const pct = ratio * 100;
  const digits = Math.abs(pct) < 1 ? 2 : Math.abs(pct) < 10 ? 1 : 0;
  return `${Number(pct.toFixed(digits)).toString()} %`;
}

/** A duration; whole seconds under 10 minutes stay exact (72 s, not 1.2 min): settings are set so. */
function formatDuration(ms: number): string {
  return ms >= 1000 && ms < 600_000 && ms % 1000 === 0 ? `${ms / 1000} s` : formatMs(ms);
}

// Checked in order: the first suffix that matches a name decides its unit.
const BY_SUFFIX: [RegExp, Formatter][] = [
  [/bytes_?per_?hour$/i, (v) => `${formatBytes(v)}/h`],
  [/bytes$/i, formatBytes],
  [/mib$/i, (v) => `${Number(v.toFixed(1)).toString()} MiB`],
  // A server timeout of 0 is Node's "no timeout", not a timeout of nothing.
  [/timeout_?ms$/i, (v) => (v === 0 ? '0 (none)' : formatDuration(v))],
  [/(_ms|Ms)$/, formatDuration],
  [/^share|share$|ratio$|utili[sz]ation/i, formatShare],
];

// Names whose value has a meaning of its own beyond its unit.
const SPECIAL: Record<string, (value: number) => string | null> = {
  // -1: the agent reports an unset server.maxConnections (Infinity) this way.
  'http.max_connections': (v) => (v < 0 ? 'no limit' : null),
  // 0: server.maxRequestsPerSocket unset.
  'http.max_requests_per_socket': (v) => (v === 0 ? 'no limit' : null),
};

/** The figure as text for people. */
export function figureText(name: string, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value !== 'number' || !Number.isFinite(value)) return rawFigure(value);
  const special = SPECIAL[name]?.(value);
  if (special) return special;
  for (const [suffix, format] of BY_SUFFIX) if (suffix.test(name)) return format(value);
  return String(value);
}

/** The value exactly as sent (objects as JSON), for a tooltip beside figureText. */
export function rawFigure(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
