// One uPlot chart as a Preact component. The chart is built once per spec key and its data
// replaced in place afterwards (so live updates do not flicker); it follows its container's
// width, and a drag across it picks a custom time range.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatTime } from '../format/units';
import type { ChartSpec } from './chart-spec';
import { toUplotData, toUplotOptions, type ChartRuntime } from './uplot-options';

export interface UplotChartProps {
  spec: ChartSpec;
  height?: number;
  /** The x window to show (a moving live window); otherwise the data's extent. */
  xRange?: [number, number] | null;
  onSelectRange?: (from: number, to: number) => void;
  compact?: boolean;
}

export function UplotChart({ spec, height = 220, xRange = null, onSelectRange, compact = false }: UplotChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const latest = useRef({ spec, xRange, onSelectRange });
  latest.current = { spec, xRange, onSelectRange };
  const seriesShape = `${spec.key}|${spec.series.length}|${compact}`;
  const hasData = spec.x.length > 0;

  useEffect(() => {
    const el = holder.current;
    if (!el || !hasData) return undefined;
    const runtime: ChartRuntime = {
      xRange: () => latest.current.xRange,
      spec: () => latest.current.spec,
      onSelect: (from, to) => latest.current.onSelectRange?.(from, to),
    };
    const width = Math.max(el.clientWidth, 120);
    const u = new uPlot(toUplotOptions(latest.current.spec, { width, height }, runtime, compact), toUplotData(latest.current.spec), el);
    chart.current = u;
    const observer = new ResizeObserver(() => {
      const w = Math.max(el.clientWidth, 120);
      if (Math.abs(w - u.width) > 1) u.setSize({ width: w, height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      chart.current = null;
    };
  }, [seriesShape, height, hasData]);

  useEffect(() => {
    chart.current?.setData(toUplotData(spec));
  }, [spec]);

  useEffect(() => {
    const u = chart.current;
    if (u && xRange) u.setScale('x', { min: xRange[0], max: xRange[1] });
  }, [xRange?.[0], xRange?.[1]]);

  const markers = spec.markers ?? [];
  return (
    <figure class={compact ? 'chart chart-compact' : 'chart'} data-chart={spec.key.split(':')[0]}>
      {!compact && (
        <figcaption class="chart-title">
          {spec.title}
          {onSelectRange && hasData && <span class="chart-hint">drag to zoom</span>}
        </figcaption>
      )}
      {hasData ? <div class="chart-canvas" ref={holder} /> : <div class="chart-empty">No data in this range</div>}
      {!compact && markers.length > 0 && (
        <ul class="chart-markers">
          {markers.slice(-4).map((m) => (
            <li key={`${m.timeMs}-${m.label}`} class={`marker marker-${m.kind}`}>
              <time>{formatTime(m.timeMs)}</time> {m.label}
            </li>
          ))}
          {markers.length > 4 && <li class="marker-more">{`and ${markers.length - 4} earlier`}</li>}
        </ul>
      )}
    </figure>
  );
}
