// Stalls and restarts as vertical markers on a chart: a uPlot plugin drawing into uPlot's own
// canvas after the series (uPlot has no annotation feature; its docs show this hook for it).

import type uPlot from 'uplot';
import { COLORS, type Marker, type MarkerKind } from './chart-spec';

const MARKER_COLORS: Record<MarkerKind, string> = {
  stall: COLORS.stall,
  restart: COLORS.restart,
  start: COLORS.restart,
  error: '#111827',
  'alert-firing': '#ea580c',
  'alert-resolved': '#16a34a',
};

export function markersPlugin(getMarkers: () => Marker[]): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const markers = getMarkers();
          if (markers.length === 0) return;
          const ctx = u.ctx;
          const { top, height, left, width } = u.bbox;
          ctx.save();
          ctx.beginPath();
          ctx.rect(left, top, width, height);
          ctx.clip();
          for (const m of markers) {
            const x = Math.round(u.valToPos(m.timeMs, 'x', true));
            if (x < left || x > left + width) continue;
            const color = MARKER_COLORS[m.kind];
            ctx.strokeStyle = color;
            ctx.fillStyle = color;
            ctx.lineWidth = Math.max(1, devicePixelRatio);
            ctx.setLineDash(m.kind === 'stall' ? [3 * devicePixelRatio, 3 * devicePixelRatio] : []);
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
          }
          ctx.restore();
        },
      ],
    },
  };
}
