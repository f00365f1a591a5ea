// uPlot has no stacked mode: a stacked area is drawn as running sums with a band filled
// between each sum and the one below it (the approach uPlot's own stacking demo takes).

/** Running sums of the parts, bottom first. A null part counts as 0 unless every part is null. */
export function stackParts(parts: (number | null)[][]): (number | null)[][] {
  const length = Math.max(0, ...parts.map((p) => p.length));
  const out = parts.map(() => new Array<number | null>(length).fill(null));
  for (let i = 0; i < length; i++) {
    if (parts.every((p) => p[i] === null || p[i] === undefined)) continue;
    let sum = 0;
    parts.forEach((p, k) => {
      sum += p[i] ?? 0;
      const row = out[k];
      if (row) row[i] = sum;
    });
  }
  return out;
}
