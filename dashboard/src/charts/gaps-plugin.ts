// Spans of incomplete data (telemetry an agent dropped) as hatched bands behind a chart's
// series: a uPlot plugin drawing on the cleared canvas before the axes and series (the
// drawClear hook), so the data stays readable over it. The words are in the list under the
// chart (uplot-chart.tsx); the canvas only shows where.

import type uPlot from 'uplot';
import type { ChartGap } from './chart-spec';
import { drawInPlot } from './plot-area';

const FILL = 'rgba(107, 114, 128, 0.16)';
const HATCH = 'rgba(107, 114, 128, 0.45)';
/** A band narrower than this (CSS pixels) is widened, so a one-bucket gap is still seen. */
const MIN_WIDTH_PX = 4;

export function gapsPlugin(getGaps: () => ChartGap[]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: [
        (u: uPlot) => {
          const gaps = getGaps();
          if (gaps.length === 0) return;
          const dpr = devicePixelRatio;
          drawInPlot(u, (ctx, { top, height, left, width }) => {
            for (const g of gaps) {
              let x0 = u.valToPos(g.fromMs, 'x', true);
              let x1 = u.valToPos(g.toMs, 'x', true);
              if (x1 - x0 < MIN_WIDTH_PX * dpr) {
                const mid = (x0 + x1) / 2;
                x0 = mid - (MIN_WIDTH_PX * dpr) / 2;
                x1 = mid + (MIN_WIDTH_PX * dpr) / 2;
              }
              if (x1 < left || x0 > left + width) continue;
              ctx.fillStyle = FILL;
              ctx.fillRect(x0, top, x1 - x0, height);
              // Diagonal hatching: reads as "no data" in print and to colour-blind eyes alike.
              ctx.save();
              ctx.beginPath();
              ctx.rect(x0, top, x1 - x0, height);
              ctx.clip();
              ctx.strokeStyle = HATCH;
              ctx.lineWidth = dpr;
              const step = 8 * dpr;
              ctx.beginPath();
              for (let x = x0 - height; x < x1; x += step) {
                ctx.moveTo(x, top + height);
                ctx.lineTo(x + height, top);
              }
              ctx.stroke();
              ctx.restore();
            }
          });
        },
      ],
    },
  };
}
