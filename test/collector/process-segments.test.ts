// A process's rows are read once per deployments request: overlapping ranges (a process's
// after side and the next deploy's before side) are cut into pieces read once each, and each
// range is the merge of its pieces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProcessSegments } from '../../collector/src/store/sqlite/queries/process-segments';
import { emptyRollup, type RequestRollup } from '../../collector/src/store/request-rollup';

const MINUTE = 60_000;

/** A process serving one request a minute, slower each minute (minute m takes m + 1 ms). */
function readMinutes(reads: string[]) {
  return (instanceId: string, from: number, to: number): RequestRollup => {
    reads.push(`${instanceId} ${from / MINUTE}-${to / MINUTE}`);
    const agg = emptyRollup();
    for (let t = from; t < to; t += MINUTE) {
      agg.count += 1;
      agg.durSum += t / MINUTE + 1;
      agg.sketch.add(t / MINUTE + 1);
    }
    return agg;
  };
}

test("overlapping ranges of a process are read in pieces, once each, and each range merges its own", () => {
  const segments = new ProcessSegments();
  // a: after its deploy [0, 30), before the next one [10, 40) twice (two deploys in a minute); b: [5, 15).
  segments.want('a', 0, 30 * MINUTE);
  segments.want('a', 10 * MINUTE, 40 * MINUTE);
  segments.want('a', 10 * MINUTE, 40 * MINUTE);
  segments.want('b', 5 * MINUTE, 15 * MINUTE);
  segments.want('b', 20 * MINUTE, 20 * MINUTE);
  const reads: string[] = [];
  segments.load(readMinutes(reads));
  assert.deepEqual(reads, ['a 0-10', 'a 10-30', 'a 30-40', 'b 5-15']);

  const after = emptyRollup();
  assert.equal(segments.add(after, 'a', 0, 30 * MINUTE), 30);
  assert.equal(after.durSum, (30 * 31) / 2);
  const before = emptyRollup();
  assert.equal(segments.add(before, 'a', 10 * MINUTE, 40 * MINUTE) + segments.add(before, 'b', 10 * MINUTE, 40 * MINUTE), 30);
  assert.equal(before.durSum, ((11 + 40) * 30) / 2, "a's minutes 10..39; b's [5, 15) is not inside the range");
  assert.equal(before.sketch.count, 30);
  assert.equal(segments.add(emptyRollup(), 'c', 0, 40 * MINUTE), 0);
});
