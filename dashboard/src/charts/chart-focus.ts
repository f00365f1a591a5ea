// The keyboard's focus across a chart's rebuild. A zoom (Enter on a selection) moves the page to
// a new range: its data is reloaded, the charts are unmounted while it loads and built anew, and
// the focus fell to <body> with the old plot (QA4). The chart that had the focus is remembered by
// its name on the page, and the first chart of that name built soon after takes it back, unless
// the user has put the focus somewhere else meanwhile. A zoom into minutes without data builds
// no chart: the chart's "No data in this range", or the page's note that stands for all its
// charts, takes the focus instead.

/** What had the focus: the plot, or the legend entry at an index. */
export type ChartPart = 'plot' | number;

/** Long enough for a slow range's data to load; past it a chart built later is another visit. */
const KEEP_MS = 15_000;

let pending: { chart: string; part: ChartPart; until: number } | null = null;

export function rememberChartFocus(chart: string, part: ChartPart): void {
  pending = { chart, part, until: Date.now() + KEEP_MS };
}

/** The part of `chart` to focus now that it is built, or null (nothing remembered for it, or the focus is elsewhere). */
export function takeChartFocus(chart: string): ChartPart | null {
  const p = pending;
  if (p === null || p.chart !== chart) return null;
  pending = null;
  if (Date.now() > p.until) return null;
  const active = document.activeElement;
  if (active !== null && active !== document.body) return null;
  return p.part;
}

/** Whether a focus left by any chart is waiting (and nothing else has it): for a note shown instead of every chart. */
export function takeAnyChartFocus(): boolean {
  const p = pending;
  return p !== null && takeChartFocus(p.chart) !== null;
}
