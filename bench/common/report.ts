// Shared by the benchmarks: the machine line every report starts with, a plain-text table,
// and the percentile/format helpers. Kept tiny on purpose: the figures are the point.
import os from 'node:os';

/**
 * "Intel(R) Xeon(R) ... · 2 cores · Node v20.20.2 · linux 6.1 · load average …" — printed with
 * every report; the load average says how much else the (shared) machine was doing.
 */
export function machineLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' ');
  return `${model} · ${cpus.length} cores · Node ${process.version} · ${os.platform()} ${os.release()} · load average ${load} at the end`;
}

/** Right-aligns every column but the first; columns are as wide as their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function fmt(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function mb(bytes: number): string {
  return `${fmt(bytes / 1048576, 0)} MB`;
}

/** Reads `--name value` / `--name=value` from argv; the benchmarks take only a few numbers. */
export function numberArg(name: string, fallback: number): number {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === `--${name}` && argv[i + 1] !== undefined) return Number(argv[i + 1]);
    if (arg.startsWith(`--${name}=`)) return Number(arg.slice(name.length + 3));
  }
  return fallback;
}

export function flagArg(name: string): boolean {
  return process.argv.slice(2).includes(`--${name}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
