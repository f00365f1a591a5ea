// Runs of repeated sibling spans in a waterfall, folded into one row: an N+1's twenty
// `pg.query` rows (or twenty `pg-pool.connect` + `pg.query` pairs, as pg's pool makes them)
// read "SELECT … ×20, 48 ms in all" instead of forty rows to scroll past.
import type { SpanView } from '@headroom/collector/api-types';
import { normaliseStatement } from '../../../collector/src/store/downstream-spans';
import type { WaterfallRow } from './waterfall';

/** Fewer repeats than this stay as rows: two or three of a kind are ordinary code. */
export const MIN_REPEATS = 4;
/** Repeating units of one span, or of two (a pool's connect before each query). */
const MAX_UNIT = 2;
const MAX_LABEL = 90;

export interface RepeatGroup {
  /** The first span's id: stable while the trace is shown. */
  id: string;
  /** Rows w.rows[start, end) are the run, descendants included. */
  start: number;
  end: number;
  depth: number;
  repeats: number;
  /** The repeated spans' own durations summed (their descendants are inside them). */
  totalMs: number;
  label: string;
  /** The run's extent as a bar, like a row's. */
  offsetPct: number;
  widthPct: number;
}

/** The statement with literals replaced (as the route view lists it): queries that differ only in values repeat. */
function statementOf(span: SpanView): string | null {
  const v = span.attributes['db.query.text'] ?? span.attributes['db.statement'];
  return typeof v === 'string' && v.trim() !== '' ? normaliseStatement(v) : null;
}

function keyOf(span: SpanView): string {
  return `${span.name}\u0000${statementOf(span) ?? ''}`;
}

function shortLabel(span: SpanView): string {
  const text = statementOf(span) ?? span.name;
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
}

interface Sibling {
  row: WaterfallRow;
  start: number;
  end: number;
  key: string;
}

/** Each parent's children in order, with the row range each covers (the rows are depth-first). */
function siblingLists(rows: WaterfallRow[]): Sibling[][] {
  const lists = new Map<string, Sibling[]>();
  rows.forEach((row, i) => {
    let end = i + 1;
    while (end < rows.length && (rows[end] as WaterfallRow).depth > row.depth) end++;
    const parent = `${row.depth}:${row.span.parentSpanId ?? ''}`;
    let list = lists.get(parent);
    if (!list) lists.set(parent, (list = []));
    list.push({ row, start: i, end, key: keyOf(row.span) });
  });
  return [...lists.values()];
}

/** Runs of at least MIN_REPEATS repeats of a unit of 1 or 2 consecutive siblings, longest unit last tried. */
export function repeatGroups(rows: WaterfallRow[]): RepeatGroup[] {
  const groups: RepeatGroup[] = [];
  for (const siblings of siblingLists(rows)) {
    let i = 0;
    while (i < siblings.length) {
      let best: { unit: number; repeats: number } | null = null;
      for (let unit = 1; unit <= MAX_UNIT; unit++) {
        let repeats = 1;
        while (i + (repeats + 1) * unit <= siblings.length && sameUnit(siblings, i, i + repeats * unit, unit)) repeats++;
        if (repeats >= MIN_REPEATS && (best === null || repeats * unit > best.repeats * best.unit)) best = { unit, repeats };
      }
      if (best === null) {
        i++;
        continue;
      }
      const run = siblings.slice(i, i + best.repeats * best.unit);
      const first = run[0] as Sibling;
      const last = run[run.length - 1] as Sibling;
      const fromPct = first.row.offsetPct;
      const toPct = Math.max(...run.map((s) => s.row.offsetPct + s.row.widthPct));
      groups.push({
        id: first.row.span.spanId,
        start: first.start,
        end: last.end,
        depth: first.row.depth,
        repeats: best.repeats,
        totalMs: run.reduce((sum, s) => sum + s.row.span.durationMs, 0),
        label: run.slice(0, best.unit).map((s) => shortLabel(s.row.span)).join(' + '),
        offsetPct: fromPct,
        widthPct: Math.max(0, toPct - fromPct),
      });
      i += best.repeats * best.unit;
    }
  }
  return groups.sort((a, b) => a.start - b.start);
}

function sameUnit(siblings: Sibling[], a: number, b: number, unit: number): boolean {
  for (let k = 0; k < unit; k++) if ((siblings[a + k] as Sibling).key !== (siblings[b + k] as Sibling).key) return false;
  return true;
}

/** What the waterfall shows: rows, with each folded group's rows replaced by the group. */
export type WaterfallItem = { kind: 'row'; row: WaterfallRow; index: number } | { kind: 'group'; group: RepeatGroup };

export function visibleItems(rows: WaterfallRow[], groups: RepeatGroup[], expanded: ReadonlySet<string>): WaterfallItem[] {
  const items: WaterfallItem[] = [];
  const byStart = new Map(groups.map((g) => [g.start, g]));
  let i = 0;
  while (i < rows.length) {
    const g = byStart.get(i);
    if (g !== undefined) {
      items.push({ kind: 'group', group: g });
      if (!expanded.has(g.id)) {
        i = g.end;
        continue;
      }
    }
    items.push({ kind: 'row', row: rows[i] as WaterfallRow, index: i });
    i++;
  }
  return items;
}
