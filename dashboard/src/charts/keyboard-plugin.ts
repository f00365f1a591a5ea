// A chart used from the keyboard (QA4): uPlot listens only to the mouse. The legend is one tab
// stop (a toolbar of checkboxes, WAI-ARIA APG "Toolbar" with a roving tabindex): the arrows,
// Home and End move between its entries, Enter/Space toggles the series as a click does (a
// chart's legend was up to eight stops each, ~37 on the service page). The plot is focusable,
// named by the chart's title, and Left/Right/Home/End move uPlot's own cursor from point to
// point, so the legend shows that point's values as under the mouse, while a polite live region
// reads the time and values. Shift+arrows widen a selection from the cursor and Enter zooms to
// it, as a drag does; Escape drops the cursor and the selection.

import type uPlot from 'uplot';
import { formatTime } from '../format/units';
import { rememberChartFocus, type ChartPart } from './chart-focus';

export interface KeyboardOptions {
  title: () => string;
  /** The chart's name on its page (chart-focus.ts): a zoom that rebuilds it gives the focus back. */
  id: () => string;
  /** What a finished selection does (the page's range follows); null: no zoom. */
  onSelect: () => ((from: number, to: number) => void) | null;
}

/** The indices of the points inside the x scale: the ones the cursor can stop at. */
function visibleRange(u: uPlot): [number, number] | null {
  const xs = u.data[0];
  const min = u.scales.x?.min ?? -Infinity;
  const max = u.scales.x?.max ?? Infinity;
  let first = -1;
  let last = -1;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (x === undefined || x < min || x > max) continue;
    if (first < 0) first = i;
    last = i;
  }
  return first < 0 ? null : [first, last];
}

/** "12:03:00: p50 12 ms, p95 40 ms": the legend's row read as one sentence (hidden series left out). */
function legendSentence(u: uPlot): string {
  const values = u.legend.values ?? [];
  const text = (i: number) => {
    const v = values[i] as Record<string, string | number> | undefined;
    return v === undefined ? '–' : String(v['_'] ?? '–');
  };
  const parts: string[] = [];
  for (let i = 1; i < u.series.length; i++) {
    const s = u.series[i];
    if (s?.show === false) continue;
    const label = typeof s?.label === 'string' ? s.label : '';
    parts.push(`${label} ${text(i)}`);
  }
  return `${text(0)}: ${parts.join(', ')}`;
}

/** Where an arrow, Home or End moves the cursor from `from` (null: not a moving key). */
function step(key: string, from: number | null, first: number, last: number): number | null {
  const clamp = (i: number) => Math.min(last, Math.max(first, i));
  if (key === 'ArrowRight') return from === null ? first : clamp(from + 1);
  if (key === 'ArrowLeft') return from === null ? last : clamp(from - 1);
  if (key === 'Home') return first;
  if (key === 'End') return last;
  return null;
}

/** The height of the first shown series' value at point i: the crosshair's line goes through it. */
function pointTop(u: uPlot, i: number | null): number | null {
  if (i === null) return null;
  for (let si = 1; si < u.series.length; si++) {
    const s = u.series[si];
    const v = u.data[si]?.[i];
    if (s?.show !== false && v !== null && v !== undefined) return u.valToPos(v, s?.scale ?? 'y');
  }
  return null;
}

function legendEntries(u: uPlot): (HTMLElement | null)[] {
  // uPlot's rows follow its series; the first (time) row has no toggle.
  const rows = Array.from(u.root.querySelectorAll<HTMLElement>('.u-legend tr.u-series'));
  return rows.map((row, i) => (i === 0 ? null : row.querySelector<HTMLElement>(':scope > th')));
}

/**
 * The part of each chart that has the focus, kept from its focus events: when a page unmounts a
 * chart, its DOM is gone (and document.activeElement is <body>) before its cleanup runs, so this
 * is what still knows.
 */
const focused = new WeakMap<uPlot, ChartPart>();

/** What part of the chart had the focus (null: none of it). */
export function focusedPart(u: uPlot): ChartPart | null {
  return focused.get(u) ?? null;
}

function partOf(u: uPlot, el: EventTarget | null): ChartPart | null {
  if (el === u.over) return 'plot';
  const i = legendEntries(u).filter((th) => th !== null).indexOf(el as HTMLElement);
  return i < 0 ? null : i;
}

export function focusPart(u: uPlot, part: ChartPart): void {
  const target = part === 'plot' ? u.over : legendEntries(u).filter((th) => th !== null)[part];
  target?.focus();
}

/** Where a key moves the legend's focus among `count` entries from `from` (null: not a moving key). */
function legendStep(key: string, from: number, count: number): number | null {
  if (count === 0) return null;
  if (key === 'ArrowRight' || key === 'ArrowDown') return Math.min(count - 1, from + 1);
  if (key === 'ArrowLeft' || key === 'ArrowUp') return Math.max(0, from - 1);
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return null;
}

/** The legend as one toolbar of checkboxes; only the entry last moved to is in the tab order. */
function setUpLegend(u: uPlot, title: string): void {
  const table = u.root.querySelector<HTMLElement>('.u-legend');
  const entries = legendEntries(u).filter((th): th is HTMLElement => th !== null);
  if (table === null || entries.length === 0) return;
  table.setAttribute('role', 'toolbar');
  table.setAttribute('aria-label', `${title}: series shown`);
  // The table's own rows and cells would be orphans inside a toolbar: only the checkboxes count.
  for (const el of table.querySelectorAll<HTMLElement>('tbody, tr, td, tr:first-child > th')) el.setAttribute('role', 'none');
  const help = document.createElement('span');
  help.className = 'legend-keys-help';
  help.textContent = 'Left and Right arrows move between the series, Space or Enter shows or hides one.';
  help.setAttribute('aria-hidden', 'true');
  u.root.append(help);
  entries.forEach((th, i) => {
    th.tabIndex = i === 0 ? 0 : -1;
    th.setAttribute('role', 'checkbox');
    th.addEventListener('focus', () => {
      // Roving: the entry with the focus is the one Tab comes back to.
      for (const other of entries) other.tabIndex = other === th ? 0 : -1;
    });
    th.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        // uPlot's own click handler: the same toggle, rescale and sync as the mouse.
        th.click();
        return;
      }
      const next = legendStep(e.key, i, entries.length);
      if (next === null) return;
      e.preventDefault();
      entries[next]?.focus();
    });
  });
}

function markLegend(u: uPlot): void {
  legendEntries(u).forEach((th, i) => {
    if (th === null) return;
    th.setAttribute('aria-checked', String(u.series[i]?.show !== false));
  });
}

export function keyboardPlugin(options: KeyboardOptions): uPlot.Plugin {
  // One plugin per chart: the keyboard's point and selection anchor, as times (x values).
  let at: number | null = null;
  let anchorAt: number | null = null;
  let follow: (() => void) | null = null;
  return {
    hooks: {
      init: [
        (u: uPlot) => {
          setUpLegend(u, options.title());
          u.root.addEventListener('focusin', (e) => {
            const part = partOf(u, e.target);
            if (part === null) focused.delete(u);
            else focused.set(u, part);
          });
          // A focus moved elsewhere is forgotten once the move is done; the focus lost with the
          // chart's removal from the page is kept for its cleanup (uplot-chart.tsx) to read.
          u.root.addEventListener('focusout', () => {
            queueMicrotask(() => {
              if (u.root.isConnected && !u.root.contains(document.activeElement)) focused.delete(u);
            });
          });
          markLegend(u);

          const plot = u.over;
          plot.tabIndex = 0;
          plot.setAttribute('role', 'application');
          plot.setAttribute('aria-roledescription', 'chart');
          plot.setAttribute('aria-label', options.title());
          const help = document.createElement('span');
          help.className = 'chart-keys-help';
          help.id = `chart-keys-${Math.random().toString(36).slice(2)}`;
          help.textContent = options.onSelect() === null
            ? 'Left and Right arrows read the values point by point, Home and End go to the ends, Escape clears.'
            : 'Left and Right arrows read the values point by point, Home and End go to the ends; Shift with an arrow widens a selection and Enter zooms to it; Escape clears.';
          plot.setAttribute('aria-describedby', help.id);
          const live = document.createElement('p');
          live.className = 'chart-live';
          live.setAttribute('aria-live', 'polite');
          live.dataset.testid = 'chart-live';
          u.root.append(help, live);

          // uPlot's third argument publishes to the synced charts; its types omit it.
          const setCursor = u.setCursor as (opts: { left: number; top: number }, fire: boolean, publish: boolean) => void;
          const indexOf = (t: number | null) => {
            const i = t === null ? -1 : u.data[0].indexOf(t);
            return i < 0 ? null : i;
          };
          // Cursor and selection drawn where `at` and `anchorAt` are now (the window moves, live data shifts indices).
          const show = (publish: boolean) => {
            const i = indexOf(at);
            const left = i === null || at === null ? -10 : u.valToPos(at, 'x');
            setCursor({ left, top: i === null ? -10 : pointTop(u, i) ?? plot.clientHeight / 2 }, true, publish);
            if (at === null || anchorAt === null || anchorAt === at) {
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              return;
            }
            const a = u.valToPos(Math.min(at, anchorAt), 'x');
            const b = u.valToPos(Math.max(at, anchorAt), 'x');
            // fire=false: the setSelect hook would zoom at once; here Enter decides.
            u.setSelect({ left: a, top: 0, width: b - a, height: plot.clientHeight }, false);
          };
          const clear = (publish: boolean) => {
            at = null;
            anchorAt = null;
            show(publish);
            live.textContent = '';
          };
          follow = () => {
            if (at === null) return;
            const range = visibleRange(u);
            const i = indexOf(at);
            if (range === null || i === null || i < range[0] || i > range[1]) clear(true);
            else if (Math.abs((u.cursor.left ?? -10) - u.valToPos(at, 'x')) > 0.5) show(false);
          };

          plot.addEventListener('keydown', (e) => {
            const range = visibleRange(u);
            if (range === null) return;
            const [first, last] = range;
            if (e.key === 'Escape') {
              if (at === null && anchorAt === null) return;
              e.preventDefault();
              // Published: the synced charts drop the cursor too.
              clear(true);
              return;
            }
            if (e.key === 'Enter') {
              const zoom = options.onSelect();
              if (zoom === null || at === null || anchorAt === null || anchorAt === at) return;
              e.preventDefault();
              const [from, to] = [Math.min(at, anchorAt), Math.max(at, anchorAt)];
              clear(true);
              // The new range reloads the page's data and rebuilds this chart: the plot gets the focus back.
              rememberChartFocus(options.id(), 'plot');
              zoom(from, to);
              return;
            }
            const from = indexOf(at) ?? u.cursor.idx ?? null;
            const next = step(e.key, from, first, last);
            const nextAt = next === null ? undefined : u.data[0][next];
            if (nextAt === undefined) return;
            e.preventDefault();
            const fromAt = from === null ? undefined : u.data[0][from];
            if (e.shiftKey && options.onSelect() !== null) anchorAt ??= fromAt ?? nextAt;
            else anchorAt = null;
            at = nextAt;
            // Published to the synced charts, as a mouse move is.
            show(true);
            live.textContent = anchorAt === null || anchorAt === at
              ? legendSentence(u)
              : `${legendSentence(u)}; selected from ${formatTime(Math.min(at, anchorAt))} to ${formatTime(Math.max(at, anchorAt))}, Enter zooms`;
          });
          plot.addEventListener('blur', () => {
            if (at !== null || anchorAt !== null) clear(true);
          });
          // The mouse takes the cursor over: the keyboard's point and selection are dropped.
          plot.addEventListener('mousemove', () => {
            if (at === null && anchorAt === null) return;
            at = null;
            anchorAt = null;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            live.textContent = '';
          });
        },
      ],
      setSeries: [(u: uPlot) => markLegend(u)],
      // Each redraw (a moving live window, new data) puts the keyboard's cursor back on its point.
      draw: [() => follow?.()],
    },
  };
}
