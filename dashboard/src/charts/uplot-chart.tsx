// One uPlot chart as a Preact component. The chart is built once per spec key and its data
// replaced in place afterwards (so live updates do not flicker); it follows its container's
// width, and a drag across it picks a custom time range.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatTime, unitLabel } from '../format/units';
import { chartName, type ChartSpec } from './chart-spec';
import { chartSummary } from './chart-summary';
import { rememberChartFocus, takeChartFocus } from './chart-focus';
import { focusedPart, focusPart } from './keyboard-plugin';
import { MarkerList } from './marker-list';
import { toUplotData, toUplotOptions, type ChartRuntime } from './uplot-options';

export interface UplotChartProps {
  spec: ChartSpec;
  height?: number;
  /** The x window to show (a moving live window); otherwise the data's extent. */
  xRange?: [number, number] | null;
  onSelectRange?: (from: number, to: number) => void;
  compact?: boolean;
  /** List the markers under the chart in words (once per page is enough). */
  listMarkers?: boolean;
}

/** The spec's total, or its first series' sum (e.g. requests in the window): a figure tests and tools can read. */
function seriesTotal(spec: ChartSpec): string {
  if (spec.total !== undefined) return String(Math.round(spec.total * 1000) / 1000);
  const first = spec.series[0];
  const values = first?.legendValues ?? first?.values ?? [];
  let total = 0;
  for (const v of values) if (v !== null) total += v;
  return String(Math.round(total * 1000) / 1000);
}

/** The spec without its gone processes' series (none to fold when it has bands: their indices would shift). */
function withoutGone(spec: ChartSpec): ChartSpec {
  if (!spec.series.some((s) => s.gone === true) || (spec.bands?.length ?? 0) > 0) return spec;
  return { ...spec, series: spec.series.filter((s) => s.gone !== true) };
}

export function UplotChart({ spec: full, height = 220, xRange = null, onSelectRange, compact = false, listMarkers = false }: UplotChartProps) {
  // Gone processes are folded into one toggle: their rows crowded the legend after restarts.
  const [showGone, setShowGone] = useState(false);
  const goneProcesses = full.goneProcesses ?? 0;
  const spec = showGone ? full : withoutGone(full);
  const holder = useRef<HTMLDivElement>(null);
  const empty = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef({ spec, xRange, onSelectRange });
  latest.current = { spec, xRange, onSelectRange };
  // Labels are part of the shape: uPlot writes them once, and names (of processes) may
  // arrive after the data.
  const seriesShape = `${spec.key}|${spec.series.map((s) => `${s.label}${s.ownAxis === true ? '\u0001' : ''}`).join('\u0000')}|${compact}`;
  const hasData = spec.x.length > 0;
  const zoomable = onSelectRange !== undefined;
  // The chart in words: read with the plot's name when it has the focus, and in reading order.
  const summaryId = useMemo(() => `chart-summary-${Math.random().toString(36).slice(2)}`, []);
  const summary = chartSummary(spec);

  useEffect(() => {
    const el = holder.current;
    if (!el || !hasData) return undefined;
    const runtime: ChartRuntime = {
      xRange: () => latest.current.xRange,
      spec: () => latest.current.spec,
      onSelect: zoomable ? (from, to) => latest.current.onSelectRange?.(from, to) : null,
    };
    const width = Math.max(el.clientWidth, 120);
    const u = new uPlot(toUplotOptions(latest.current.spec, { width, height }, runtime, compact), toUplotData(latest.current.spec), el);
    chart.current = u;
    const keys = u.over.getAttribute('aria-describedby');
    u.over.setAttribute('aria-describedby', keys === null ? summaryId : `${summaryId} ${keys}`);
    // A rebuild (a zoom's new range, new series) keeps the keyboard's focus where it was.
    const name = chartName(latest.current.spec);
    const part = takeChartFocus(name);
    if (part !== null) focusPart(u, part);
    const observer = new ResizeObserver(() => {
      const w = Math.max(el.clientWidth, 120);
      if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      const had = focusedPart(u);
      if (had !== null) rememberChartFocus(name, had);
      u.destroy();
      chart.current = null;
    };
  }, [seriesShape, height, hasData, zoomable]);

  useEffect(() => {
    chart.current?.setData(toUplotData(spec));
  }, [spec]);

  // A zoom into minutes without data: the focus goes to the words saying so, not to <body>.
  useEffect(() => {
    if (!hasData && takeChartFocus(chartName(latest.current.spec)) !== null) empty.current?.focus();
  }, [hasData]);

  useEffect(() => {
    const u = chart.current;
    if (u && xRange) u.setScale('x', { min: xRange[0], max: xRange[1] });
  }, [xRange?.[0], xRange?.[1]]);

  const markers = spec.markers ?? [];
  const gaps = spec.gaps ?? [];
  return (
    <figure
      class={compact ? 'chart chart-compact' : 'chart'}
      data-chart={chartName(spec)}
      data-points={spec.x.length}
      data-total={seriesTotal(spec)}
      data-unit={unitLabel(spec.unit)}
      data-gaps={gaps.length}
    >
      {!compact && (
        <figcaption class="chart-title">
          {spec.title}
          {gaps.length > 0 && (
            <span class="chart-incomplete" title={gaps.map((g) => g.label).join('\n')}>
              data incomplete (hatched)
            </span>
          )}
          {onSelectRange && hasData && <span class="chart-hint">drag to zoom</span>}
          {goneProcesses > 0 && !compact && (
            <button type="button" class="link-button chart-gone" data-testid="gone-toggle" aria-pressed={showGone} onClick={() => setShowGone(!showGone)}>
              {showGone ? `hide ${goneProcesses} gone` : `${goneProcesses} gone ${goneProcesses === 1 ? 'process' : 'processes'} hidden: show`}
            </button>
          )}
          {/* uPlot hides a series on a click on its legend entry and rescales to the rest. */}
          {hasData && spec.series.length > 1 && <span class="chart-hint">click a legend entry to hide it</span>}
        </figcaption>
      )}
      <p class="sr-only" id={summaryId} data-testid="chart-summary">{summary}</p>
      {hasData ? <div class="chart-canvas" ref={holder} /> : <div class="chart-empty" ref={empty} tabIndex={-1}>No data in this range</div>}
      {!compact && listMarkers && gaps.length > 0 && (
        <ul class="chart-gaps" data-testid="telemetry-gaps">
          {gaps.map((g) => (
            <li key={`${g.fromMs}-${g.toMs}`} class="chart-gap">
              <time>{formatTime(g.fromMs)}</time>–<time>{formatTime(g.toMs)}</time> {g.label}
            </li>
          ))}
        </ul>
      )}
      {!compact && listMarkers && markers.length > 0 && (
        <MarkerList markers={markers} />
      )}
    </figure>
  );
}
