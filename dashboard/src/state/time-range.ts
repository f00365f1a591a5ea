// The time range a view shows: a preset the collector resolves (`?range=`), or a fixed
// custom window (`?from&to`). Only the 15-minute preset is "live": it moves with the clock
// and takes updates from the live stream.

export const PRESETS = ['15m', '1h', '6h', '24h', '7d'] as const;
export type Preset = (typeof PRESETS)[number];

export type TimeRangeSpec =
  | { kind: 'preset'; preset: Preset }
  | { kind: 'custom'; from: number; to: number };

export const LIVE_RANGE: TimeRangeSpec = { kind: 'preset', preset: '15m' };

/** The longest range the collector answers (MAX_RANGE_MS in collector/src/query/query-params.ts). */
export const MAX_RANGE_MS = 31 * 24 * 3_600_000;

/** A custom range longer than the collector answers: every request for it would be a 400. */
export function tooLong(range: TimeRangeSpec): boolean {
  return range.kind === 'custom' && range.to - range.from > MAX_RANGE_MS;
}

const PRESET_MS: Record<Preset, number> = {
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '6h': 6 * 3_600_000,
  '24h': 24 * 3_600_000,
  '7d': 7 * 24 * 3_600_000,
};

export function presetMs(preset: Preset): number {
  return PRESET_MS[preset];
}

export function isPreset(value: string): value is Preset {
  return (PRESETS as readonly string[]).includes(value);
}

export function isLive(range: TimeRangeSpec): boolean {
  return range.kind === 'preset' && range.preset === '15m';
}

/** The window in epoch ms, as of `now`. */
export function resolveRange(range: TimeRangeSpec, now: number): { from: number; to: number } {
  if (range.kind === 'custom') return { from: range.from, to: range.to };
  return { from: now - PRESET_MS[range.preset], to: now };
}

/** Query parameters for the API. */
export function rangeParams(range: TimeRangeSpec): Record<string, string> {
  if (range.kind === 'preset') return { range: range.preset };
  return { from: String(Math.round(range.from)), to: String(Math.round(range.to)) };
}

export function rangeLabel(range: TimeRangeSpec): string {
  if (range.kind === 'preset') return range.preset === '15m' ? 'Live (15 min)' : `Last ${range.preset}`;
  return 'Custom';
}

/** A range chosen by dragging on a chart; too narrow a drag is a click, not a range. */
export function customRange(from: number, to: number, minWidthMs = 1000): TimeRangeSpec | null {
  const lo = Math.min(from, to);
  const hi = Math.max(from, to);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi - lo < minWidthMs) return null;
  return { kind: 'custom', from: Math.round(lo), to: Math.round(hi) };
}
