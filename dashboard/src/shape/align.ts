// Instances report on their own clocks, so their series do not share timestamps; uPlot draws
// one x array for all series. Align several (t, values) tables on the union of their times,
// with null where a table has no point (uPlot leaves a gap there).

export interface Table {
  t: number[];
  columns: (number | null)[][];
}

export function alignTables(tables: Table[]): { x: number[]; columns: (number | null)[][] } {
  const times = new Set<number>();
  for (const table of tables) for (const t of table.t) times.add(t);
  const x = [...times].sort((a, b) => a - b);
  const index = new Map<number, number>();
  x.forEach((t, i) => index.set(t, i));
  const columns: (number | null)[][] = [];
  for (const table of tables) {
    for (const column of table.columns) {
      const out = new Array<number | null>(x.length).fill(null);
      table.t.forEach((t, i) => {
        const at = index.get(t);
        if (at !== undefined) out[at] = column[i] ?? null;
      });
      columns.push(out);
    }
  }
  return { x, columns };
}
