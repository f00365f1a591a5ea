// ChartSpec → uPlot options and data. Axis ticks and legend values go through the same
// formatters as the rest of the page; uPlot writes labels and values as text nodes.

import uPlot from 'uplot';
import { showBidiControls } from '../format/bidi-controls';
import { timeTicks } from '../format/time-ticks';
import { axisLabel, formatTick, formatTime, formatValue } from '../format/units';
import { isolatedPoints } from '../shape/isolated-points';
import { chartName, withAlpha, type ChartSpec } from './chart-spec';
import { legendIndex } from './legend-index';
import { gapsPlugin } from './gaps-plugin';
import { keyboardPlugin } from './keyboard-plugin';
import { markersPlugin } from './markers-plugin';

export interface ChartRuntime {
  /** Read at draw time, so a moving live window or new markers do not rebuild the chart. */
  xRange: () => [number, number] | null;
  /** The spec currently shown (its data changes without a rebuild). */
  spec: () => ChartSpec;
  onSelect: ((from: number, to: number) => void) | null;
}

/** Tick steps for byte axes: powers of two, so ticks land on 256 MiB, 512 MiB, 1 GiB. */
const BYTE_INCREMENTS = Array.from({ length: 41 }, (_, i) => 2 ** i);

/** The scale of a series drawn against its own (right) axis. */
const OWN_SCALE = 'own';

const AXIS = { stroke: '#4b5563', grid: { stroke: '#e5e7eb', width: 1 }, ticks: { stroke: '#d1d5db', width: 1 } };

export function toUplotData(spec: ChartSpec): uPlot.AlignedData {
  return [spec.x, ...spec.series.map((s) => s.values)] as uPlot.AlignedData;
}

export function toUplotOptions(spec: ChartSpec, size: { width: number; height: number }, runtime: ChartRuntime, compact = false): uPlot.Options {
  const unit = spec.unit;
  const series: uPlot.Series[] = [
    {
      label: 'time',
      value: (_u, v) => {
        if (v !== null) return formatTime(v);
        const idx = legendIndex(runtime.spec());
        const t = idx === null ? undefined : runtime.spec().x[idx];
        return t === undefined ? '–' : `${formatTime(t)} (latest)`;
      },
    },
  ];
  spec.series.forEach((s, i) => {
    const base: uPlot.Series = {
      // uPlot writes it as a text node of its own: names from apps (instances) shown as the page shows them.
      label: showBidiControls(s.label),
      stroke: s.color,
      width: s.width ?? (compact ? 1 : 1.5),
      dash: s.dash,
      spanGaps: false,
      // Hovering shows the values under the cursor; otherwise those of the newest bucket with
      // data (legend-index.ts): one time for every series, so the row reads as a moment.
      value: (_u, v, _si, idx) => {
        const current = runtime.spec().series[i];
        const shown = current?.legendValues ?? current?.values ?? [];
        if (idx === null) {
          const latest = legendIndex(runtime.spec());
          return formatValue(unit, latest === null ? null : shown[latest] ?? null);
        }
        return formatValue(unit, current?.legendValues !== undefined ? shown[idx] ?? null : v);
      },
    };
    if (s.ownAxis === true) base.scale = OWN_SCALE;
    if (s.style === 'area') base.fill = withAlpha(s.color, 0.25);
    if (s.style === 'bars') base.paths = uPlot.paths.bars?.({ size: [0.8, 40] });
    if (s.style === 'points') {
      base.paths = () => null;
      base.points = { show: true, size: 8, fill: s.color, stroke: s.color };
    } else {
      // A value with no neighbour (the first minute of data, a lone bucket) has no line to
      // draw, so it is drawn as a dot; everything else stays a clean line.
      base.points = { show: false, size: 5, fill: s.color, stroke: s.color, filter: (u, si) => isolatedPoints(u.data[si] ?? []) };
    }
    series.push(base);
  });

  const yAxis: uPlot.Axis = {
    ...AXIS,
    label: compact ? undefined : axisLabel(unit),
    labelSize: 18,
    size: 64,
    values: (_u, splits) => splits.map((v) => formatTick(unit, v)),
  };
  if (unit === 'bytes') yAxis.incrs = BYTE_INCREMENTS;
  // A series on a scale of its own gets a right-hand axis labelled with its name, its edge and
  // ticks in the series' colour; its text stays in the axes' grey (queue wait's amber on white
  // reads at 2.1:1, under WCAG AA's 4.5).
  const own = spec.series.find((s) => s.ownAxis === true);
  const ownAxis: uPlot.Axis | null = own
    ? {
        ...AXIS,
        scale: OWN_SCALE,
        side: 1,
        ticks: { stroke: own.color, width: 2 },
        border: { show: true, stroke: own.color, width: 2 },
        grid: { show: false },
        label: showBidiControls(own.label.replace(/ \(.*\)$/, '')),
        labelSize: 18,
        size: 56,
        values: (_u, splits) => splits.map((v) => formatTick(unit, v)),
      }
    : null;
  if (unit === 'bytes' && ownAxis) ownAxis.incrs = BYTE_INCREMENTS;

  return {
    width: size.width,
    height: size.height,
    ms: 1,
    scales: {
      x: {
        time: true,
        range: (_u, min, max) => runtime.xRange() ?? [min, max === min ? min + 60_000 : max],
      },
      y: {
        range: (_u, _min, max) => spec.yRange ?? [0, max !== null && max > 0 ? max * 1.1 : 1],
      },
      [OWN_SCALE]: {
        range: (_u, _min, max) => [0, max !== null && max > 0 ? max * 1.1 : 1],
      },
    },
    axes: compact
      ? [{ show: false }, { show: false }, ...(ownAxis ? [{ scale: OWN_SCALE, show: false }] : [])]
      : [{ ...AXIS, label: 'time (local)', labelSize: 18, values: (_u, splits, _axis, _space, incr) => timeTicks(splits, incr) }, yAxis, ...(ownAxis ? [ownAxis] : [])],
    series,
    bands: spec.bands?.map((b) => ({ series: [b.upper + 1, b.lower + 1] as [number, number], fill: b.color })),
    legend: { show: !compact, live: true },
    cursor: compact
      ? { show: false }
      : { drag: { x: true, y: false, setScale: false }, sync: { key: 'headroom' } },
    select: { show: !compact, left: 0, top: 0, width: 0, height: 0 },
    plugins: [
      gapsPlugin(() => runtime.spec().gaps ?? []),
      markersPlugin(() => runtime.spec().markers ?? []),
      // A sparkline has no cursor or legend to drive.
      ...(compact ? [] : [keyboardPlugin({ title: () => runtime.spec().title, id: () => chartName(runtime.spec()), onSelect: () => runtime.onSelect })]),
    ],
    hooks: {
      // The scales' tops as attributes of the chart: what a reader (and a test) can check the drawing against.
      setScale: [
        (u, key) => {
          const max = u.scales[key]?.max;
          if (key !== 'x' && max !== undefined && max !== null) u.root.dataset[`${key}Max`] = String(Math.round(max * 1000) / 1000);
        },
      ],
      setSelect: [
        (u) => {
          if (runtime.onSelect === null || u.select.width < 4) return;
          const from = u.posToVal(u.select.left, 'x');
          const to = u.posToVal(u.select.left + u.select.width, 'x');
          u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          runtime.onSelect(from, to);
        },
      ],
    },
  };
}
