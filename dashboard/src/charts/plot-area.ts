// Drawing on uPlot's canvas within its plot area only (the axes stay clean), for the plugins
// that draw there (markers-plugin.ts, gaps-plugin.ts).

import type uPlot from 'uplot';

/** Runs `draw` with the canvas clipped to the plot area, and restores the canvas after. */
export function drawInPlot(u: uPlot, draw: (ctx: CanvasRenderingContext2D, box: { top: number; height: number; left: number; width: number }) => void): void {
  const ctx = u.ctx;
  const { top, height, left, width } = u.bbox;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  try {
    draw(ctx, { top, height, left, width });
  } finally {
    ctx.restore();
  }
}
