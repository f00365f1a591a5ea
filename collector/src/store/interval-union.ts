// The length of a union of intervals: parallel child spans (queries sent at once, a
// Promise.all of fetches) cover the same wall time once, not once per span.

/** [start, end) pairs in any unit; sorted in place. Empty and inverted intervals count nothing. */
export function unionLength(intervals: [number, number][]): number {
  intervals.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let start = -Infinity;
  let end = -Infinity;
  for (const [s, e] of intervals) {
    if (!(e > s)) continue;
    if (s > end) {
      if (end > start) total += end - start;
      start = s;
      end = e;
    } else if (e > end) {
      end = e;
    }
  }
  if (end > start) total += end - start;
  return total;
}
