// The time axis's tick text, in the clock the rest of the page uses (formatTime: 24-hour, days
// month first as in 2026-11-28): uPlot's own reads "8:05am" over "11/28/26" beside legends and
// lists that say "08:05:00", and the tick and the list disagreed on the same moment at a glance.

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function monthDay(d: Date): string {
  return `${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * Each tick as text, `incrMs` apart: the clock (with seconds under a minute apart), and the day
 * (11-28; ticks may be 50 px apart, the legend's time has the year) on a second line under the
 * first tick and wherever the day changes; from a day apart the day alone.
 */
export function timeTicks(ticks: readonly number[], incrMs: number): string[] {
  let lastDay = '';
  return ticks.map((ms) => {
    const d = new Date(ms);
    const md = monthDay(d);
    if (incrMs >= DAY_MS) return md;
    const clock = `${pad(d.getHours())}:${pad(d.getMinutes())}${incrMs < MINUTE_MS ? `:${pad(d.getSeconds())}` : ''}`;
    const text = md !== lastDay ? `${clock}\n${md}` : clock;
    lastDay = md;
    return text;
  });
}
