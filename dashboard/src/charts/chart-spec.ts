// What a chart shows, as plain data: the chart-kind modules build one from an API response
// (tested without a browser), and uplot-options.ts turns it into uPlot options.

import type { Unit } from '../format/units';

export type SeriesStyle = 'line' | 'area' | 'bars' | 'points';

export interface SeriesSpec {
  label: string;
  /** Aligned with ChartSpec.x; what is drawn (stacked sums for a stacked chart). */
  values: (number | null)[];
  /** What the legend shows when it differs from what is drawn (the part, not the stacked sum). */
  legendValues?: (number | null)[];
  color: string;
  style: SeriesStyle;
  dash?: number[];
  width?: number;
  /**
   * Drawn against a scale of its own, with its axis on the right: a series that can be
   * hundreds of times the others (queue wait at saturation) would otherwise flatten them.
   */
  ownAxis?: boolean;
  /** A process gone by the end of the range: folded away (one "N gone" toggle) until asked for. */
  gone?: boolean;
}

export type MarkerKind = 'stall' | 'restart' | 'start' | 'error' | 'alert-firing' | 'alert-resolved' | 'deploy';

/**
 * Where a listed marker leads: the trace it happened in, or the page that tells more about it (a
 * stall outside a kept trace: the event-loop page, filtered to its route when it had one).
 */
export type MarkerLink = { page: 'trace'; traceId: string } | { page: 'event-loop'; route: string | null } | { page: 'instances' | 'alerts' | 'deployments' };

export interface Marker {
  timeMs: number;
  kind: MarkerKind;
  /** Plain text: shown as text, never as markup. */
  label: string;
  /** Absent: nothing more to open. */
  link?: MarkerLink;
}

/** A span of time whose data is incomplete (telemetry an agent dropped), shaded on the chart. */
export interface ChartGap {
  fromMs: number;
  toMs: number;
  /** Plain text: shown as text, never as markup. */
  label: string;
}

export interface ChartSpec {
  /** Stable key: a chart whose key changes is rebuilt, otherwise only its data is replaced. */
  key: string;
  title: string;
  unit: Unit;
  /** Bucket starts, epoch ms. */
  x: number[];
  series: SeriesSpec[];
  /** Fill between two series (indices into `series`): how stacked areas are drawn in uPlot. */
  bands?: { upper: number; lower: number; color: string }[];
  markers?: Marker[];
  gaps?: ChartGap[];
  /** How many processes the `gone` series belong to (per-instance charts). */
  goneProcesses?: number;
  /** Fixed y range (e.g. Apdex 0..1); otherwise from 0 to the data's max. */
  yRange?: [number, number];
  /**
   * The figure the chart's `data-total` gives (otherwise its first series' sum): throughput's
   * per-bucket counts as the API sent them, whose drawn rates rescale the bucket still filling.
   */
  total?: number;
}

/** The chart's name on its page (its key without the shape suffix): `data-chart`, and what keeps its focus. */
export function chartName(spec: ChartSpec): string {
  return spec.key.split(':')[0] ?? spec.key;
}

export const PALETTE = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626', '#4b5563', '#c026d3'];

export const COLORS = {
  queue: '#f59e0b',
  read: '#06b6d4',
  app: '#3b82f6',
  write: '#10b981',
  p50: '#1e3a8a',
  p95: '#7c3aed',
  p99: '#be123c',
  throughput: '#2563eb',
  errors: '#dc2626',
  apdex: '#059669',
  stall: '#dc2626',
  restart: '#7c3aed',
  /** Teal, apart from the restarts' purple: a deploy restarts processes too, and is not one. */
  deploy: '#0e7490',
};

export function paletteColor(i: number): string {
  return PALETTE[i % PALETTE.length] ?? '#2563eb';
}

/** A colour with alpha, for area fills. */
export function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
