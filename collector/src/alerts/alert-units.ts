// A rule's value or threshold as a person reads it, in the series' unit: "272.5 MiB", not
// "285769728"; "4.7 %", not "0.047". Dependency-free: the dashboard's Alerts page imports it,
// so a notification and the page say the same.
import type { AlertRule } from '../api-types';

type Series = AlertRule['series'];

const MIB = 1024 * 1024;

function digits(value: number, n: number): string {
  return Number(value.toFixed(n)).toString();
}

function ms(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1000) return `${digits(value / 1000, 2)} s`;
  return `${digits(value, abs < 10 ? 2 : abs < 100 ? 1 : 0)} ms`;
}

function bytes(value: number): string {
  const mib = value / MIB;
  if (Math.abs(mib) >= 1024) return `${digits(mib / 1024, 2)} GiB`;
  return `${digits(mib, Math.abs(mib) < 10 ? 2 : 1)} MiB`;
}

function percent(ratio: number): string {
  const pct = ratio * 100;
  return `${digits(pct, Math.abs(pct) < 10 ? 2 : 1)} %`;
}

function count(value: number): string {
  return Math.abs(value) >= 100 ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
}

/**
 * A rule's window or for-duration in its largest whole unit: "1d", "36h", "90m", "45s" (a
 * 24-hour window read "1440 min" on the Alerts page).
 */
export function formatAlertDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    if (ms !== 0 && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Number((ms / 1000).toFixed(3))}s`;
}

export function formatAlertValue(series: Series, value: number): string {
  switch (series) {
    case 'latency.p50':
    case 'latency.p95':
    case 'latency.p99':
    case 'queue_wait':
    case 'eventloop.delay.p99':
      return ms(value);
    case 'memory.rss':
      return bytes(value);
    case 'error_rate':
    case 'eventloop.utilization':
    case 'heap.used_ratio':
      return percent(value);
    case 'apdex':
      return value.toFixed(2);
    case 'throughput':
      return `${count(value)} rpm`;
    case 'inflight':
    case 'stall.count':
    case 'restart.count':
    case 'crash.count':
    case 'advisor.finding':
      return count(value);
  }
}
