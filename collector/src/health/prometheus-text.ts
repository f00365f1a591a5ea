// The Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Written by hand rather than
// with prom-client: every figure here is a snapshot of counters the receiver, the store and
// the live hub already keep (including a ready-made latency histogram), while prom-client's
// metric objects own their state and cannot be set from a snapshot; mirroring them would mean
// a second copy of every counter. The format itself is a few lines.

export type Labels = Record<string, string>;

export interface HistogramSnapshot {
  /** Upper bounds, ascending, without +Inf. */
  bounds: number[];
  /** Observations per bucket, not cumulative: bounds.length entries, or one more for +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

export type MetricFamily =
  | { name: string; help: string; type: 'counter' | 'gauge'; samples: { labels?: Labels; value: number }[] }
  | { name: string; help: string; type: 'histogram'; samples: { labels?: Labels; histogram: HistogramSnapshot }[] };

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatLabels(labels: Labels | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(labels ?? {});
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

export function renderPrometheus(families: MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.type !== 'histogram') {
      for (const sample of family.samples) {
        lines.push(`${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
      }
      continue;
    }
    for (const { labels, histogram } of family.samples) {
      let cumulative = 0;
      histogram.bounds.forEach((bound, i) => {
        cumulative += histogram.counts[i] ?? 0;
        lines.push(`${family.name}_bucket${formatLabels(labels, ['le', formatValue(bound)])} ${cumulative}`);
      });
      lines.push(`${family.name}_bucket${formatLabels(labels, ['le', '+Inf'])} ${histogram.count}`);
      lines.push(`${family.name}_sum${formatLabels(labels)} ${formatValue(histogram.sum)}`);
      lines.push(`${family.name}_count${formatLabels(labels)} ${histogram.count}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
