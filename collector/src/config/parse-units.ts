// Human units for durations ("3d", "15m", "500ms") and sizes ("20MiB", "512KB"), used by the
// command line, the environment and the query API's `range`. Pure functions; they return
// null for anything they do not understand, and the caller words the error.

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** "3d" → 259200000. A whole, positive number followed by one unit; null otherwise. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+)(ms|s|m|h|d|w)$/.exec(text.trim());
  if (!match) return null;
  const value = Number(match[1]);
  const unit = DURATION_UNITS[match[2] as string];
  if (unit === undefined || !Number.isSafeInteger(value) || value <= 0) return null;
  const ms = value * unit;
  return Number.isSafeInteger(ms) ? ms : null;
}

// Both decimal (KB = 1000) and binary (KiB = 1024) prefixes, since both are in common use and
// confusing one for the other only shifts a cap by a few per cent.
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

/** "20MiB" → 20971520; a bare number is bytes. Positive; null otherwise. */
export function parseSize(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  if (!match) return null;
  const unit = SIZE_UNITS[(match[2] || 'b').toLowerCase()];
  if (unit === undefined) return null;
  const bytes = Math.floor(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : null;
}

/** A TCP port, 0 (any free port) to 65535. */
export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text.trim())) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}
