// Stalls, restarts and deploys as vertical markers on a chart: a uPlot plugin drawing into uPlot's own
// canvas after the series (uPlot has no annotation feature; its docs show this hook for it).
// Close markers of one kind share a line (marker-clusters.ts).

import type uPlot from 'uplot';
import { COLORS, type Marker, type MarkerKind } from './chart-spec';
import { clusterMarkers } from './marker-clusters';
import { drawInPlot } from './plot-area';

/** Markers of one kind closer than this (CSS pixels) are drawn as one line with a count. */
const CLUSTER_GAP_PX = 8;

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
            for (const c of clusterMarkers(placed, CLUSTER_GAP_PX * devicePixelRatio)) {
              const x = c.x;
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
              ctx.moveTo(x - s, top);
              ctx.lineTo(x + s, top);
              ctx.lineTo(x, top + s * 1.6);
              ctx.closePath();
              ctx.fill();
              if (c.count > 1) {
                // How many markers the one line stands for, beside its flag.
                ctx.font = `${10 * devicePixelRatio}px sans-serif`;
                ctx.textBaseline = 'top';
                ctx.fillText(`×${c.count}`, x + s + 2 * devicePixelRatio, top);
              }
            }
          });
        },
      ],
    },
  };
}
