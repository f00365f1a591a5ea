// Stalls, restarts and deploys as vertical markers on a chart: a uPlot plugin drawing into uPlot's own
// canvas after the series (uPlot has no annotation feature; its docs show this hook for it).
// Close markers of one kind share a line (marker-clusters.ts); close ones of other kinds put their
// flags in rows, one under another.

import type uPlot from 'uplot';
import { COLORS, type Marker, type MarkerKind } from './chart-spec';
import { clusterMarkers, flagRows } from './marker-clusters';
import { drawInPlot } from './plot-area';

/** Markers of one kind closer than this (CSS pixels) are drawn as one line with a count. */
const CLUSTER_GAP_PX = 8;
/** A flag and its count ("×65") take about this much width; another kind's closer than this gets a row below. */
const FLAG_WIDTH_PX = 36;
const FLAG_ROW_PX = 11;
/** Drawn last, on top: a deploy's long dashes over its processes' restarts at the same second. */
const DRAW_ORDER: readonly MarkerKind[] = ['stall', 'start', 'restart', 'error', 'alert-resolved', 'alert-firing', 'deploy'];

const MARKER_COLORS: Record<MarkerKind, string> = {
  stall: COLORS.stall,
  restart: COLORS.restart,
  start: COLORS.restart,
  error: '#111827',
  'alert-firing': '#ea580c',
  'alert-resolved': '#16a34a',
  deploy: COLORS.deploy,
};

export function markersPlugin(getMarkers: () => Marker[]): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const markers = getMarkers();
          if (markers.length === 0) return;
          drawInPlot(u, (ctx, { top, height, left, width }) => {
            const placed = markers
              .map((m) => ({ x: Math.round(u.valToPos(m.timeMs, 'x', true)), kind: m.kind }))
              .filter((m) => m.x >= left && m.x <= left + width);
            const clusters = clusterMarkers(placed, CLUSTER_GAP_PX * devicePixelRatio);
            const rows = flagRows(clusters, FLAG_WIDTH_PX * devicePixelRatio);
            const drawn = clusters.map((c, i) => ({ c, row: rows[i]! })).sort((a, b) => DRAW_ORDER.indexOf(a.c.kind) - DRAW_ORDER.indexOf(b.c.kind));
            for (const { c, row } of drawn) {
              const x = c.x;
              const flagTop = top + row * FLAG_ROW_PX * devicePixelRatio;
              const color = MARKER_COLORS[c.kind];
              ctx.strokeStyle = color;
              ctx.fillStyle = color;
              ctx.lineWidth = Math.max(1, devicePixelRatio);
              // Dashes tell the kinds apart without their colours: short for a stall, long for a deploy.
              ctx.setLineDash(c.kind === 'stall' ? [3 * devicePixelRatio, 3 * devicePixelRatio] : c.kind === 'deploy' ? [8 * devicePixelRatio, 3 * devicePixelRatio] : []);
              ctx.beginPath();
              ctx.moveTo(x, top);
              ctx.lineTo(x, top + height);
              ctx.stroke();
              // A small flag at the top so a marker is seen even over a busy chart.
              const s = 5 * devicePixelRatio;
              ctx.beginPath();
              ctx.moveTo(x - s, flagTop);
              ctx.lineTo(x + s, flagTop);
              ctx.lineTo(x, flagTop + s * 1.6);
              ctx.closePath();
              ctx.fill();
              if (c.count > 1) {
                // How many markers the one line stands for, beside its flag.
                ctx.font = `${10 * devicePixelRatio}px sans-serif`;
                ctx.textBaseline = 'top';
                // Set, not inherited: uPlot leaves the alignment of the axis it drew last (a y axis's
                // 'right'), which put the count over its own flag and the flags left of it.
                ctx.textAlign = 'left';
                ctx.fillText(`×${c.count}`, x + s + 2 * devicePixelRatio, flagTop);
              }
            }
          });
        },
      ],
    },
  };
}
