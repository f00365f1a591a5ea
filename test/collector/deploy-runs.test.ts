// Which processes start a deploy (store/deploy-runs.ts), on processes alone: the cases the store's
// test does not draw — a version stopped and started again with no other in between, processes
// that sent no version, and the order processes are given in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deployRuns, RUNNING_GRACE_MS, type DeployProcess } from '../../collector/src/store/deploy-runs';

const MINUTE = 60_000;
const p = (instanceId: string, version: string | null, firstMin: number, lastMin: number, revision: string | null = null): DeployProcess => ({
  instanceId, version, revision, firstSeen: firstMin * MINUTE, lastSeen: lastMin * MINUTE,
});
const runs = (processes: DeployProcess[]) => deployRuns(processes, Infinity).map((r) => [r.version, r.revision, r.firstSeen / MINUTE, r.processes.map((x) => x.instanceId)]);

test('a version stopped overnight and started again, with no other version in between, is one deploy; unversioned processes are in none and part no run', () => {
  assert.deepEqual(runs([p('night-2', '1.0.0', 600, 700), p('day-1', '1.0.0', 0, 300), p('legacy', null, 350, 800), p('day-2', '1.0.0', 10, 300)]), [
    ['1.0.0', null, 0, ['day-1', 'day-2', 'night-2']],
  ]);
});

test('a new commit of the same version is a deploy, and going back to the old commit once it stopped is another', () => {
  assert.deepEqual(runs([p('a', '1.0.0', 0, 50, 'aaa'), p('b', '1.0.0', 50, 80, 'bbb'), p('c', '1.0.0', 80, 120, 'aaa')]), [
    ['1.0.0', 'aaa', 0, ['a']],
    ['1.0.0', 'bbb', 50, ['b']],
    ['1.0.0', 'aaa', 80, ['c']],
  ]);
});

test('a process of the old version started within the grace of its last data joins its deploy; one started after is a rollback', () => {
  const lastOld = 50;
  const withinGrace = lastOld + RUNNING_GRACE_MS / MINUTE;
  assert.deepEqual(runs([p('old', '1.0.0', 0, lastOld), p('new', '2.0.0', 45, 100), p('old-again', '1.0.0', withinGrace, 100)]).map((r) => r[3]), [['old', 'old-again'], ['new']]);
  assert.deepEqual(runs([p('old', '1.0.0', 0, lastOld), p('new', '2.0.0', 45, 100), p('old-again', '1.0.0', withinGrace + 1, 100)]).map((r) => r[3]), [['old'], ['new'], ['old-again']]);
});

test('a rollback soon after the old processes were stopped is a deploy: a process that said it ended ran until its last data, without the grace', () => {
  const lastOld = 50;
  const soon = lastOld + RUNNING_GRACE_MS / MINUTE / 2;
  const stopped = { ...p('old', '1.0.0', 0, lastOld), ended: true };
  assert.deepEqual(runs([stopped, p('new', '2.0.0', 45, 100), p('back', '1.0.0', soon, 120)]).map((r) => r[3]), [['old'], ['new'], ['back']]);
  // One that went silent without a word may still be running then: the grace holds.
  assert.deepEqual(runs([p('old', '1.0.0', 0, lastOld), p('new', '2.0.0', 45, 100), p('back', '1.0.0', soon, 120)]).map((r) => r[3]), [['old', 'back'], ['new']]);
});

test("a silent old process's run ends at its last data once another version started after it: a rollback within the grace is a deploy", () => {
  const lastOld = 50;
  const soon = lastOld + RUNNING_GRACE_MS / MINUTE / 2;
  // 2.0.0 started after 1.0.0's last data (a stop-then-start deploy): 1.0.0 no longer ran, though it never said so.
  assert.deepEqual(runs([p('old', '1.0.0', 0, lastOld), p('new', '2.0.0', lastOld + 0.5, 100), p('back', '1.0.0', soon, 120)]).map((r) => r[3]), [['old'], ['new'], ['back']]);
  // 2.0.0 started while 1.0.0 still reported (a rolling deploy): 1.0.0 may still run within the
  // grace, and an old process then — a worker re-forked, an SDK exporting every minute — joins it.
  assert.deepEqual(runs([p('old', '1.0.0', 0, lastOld), p('new', '2.0.0', lastOld - 0.5, 100), p('back', '1.0.0', soon, 120)]).map((r) => r[3]), [['old', 'back'], ['new']]);
});

test('a run has stopped once none of its processes may still run: at its last data when they said they ended or another version replaced them, after the grace when they went silent', () => {
  const stopped = (processes: DeployProcess[], nowMin: number) => deployRuns(processes, nowMin * MINUTE).map((r) => [r.version, r.stoppedAt === null ? null : r.stoppedAt / MINUTE]);
  const grace = RUNNING_GRACE_MS / MINUTE;
  assert.deepEqual(stopped([p('old', '1.0.0', 0, 50)], 50 + grace), [['1.0.0', null]]);
  assert.deepEqual(stopped([p('old', '1.0.0', 0, 50)], 50 + grace + 0.1), [['1.0.0', 50]]);
  assert.deepEqual(stopped([{ ...p('old', '1.0.0', 0, 50), ended: true }], 50.1), [['1.0.0', 50]]);
  assert.deepEqual(stopped([p('old', '1.0.0', 0, 50), p('new', '2.0.0', 50.5, 51)], 51), [['1.0.0', 50], ['2.0.0', null]]);
  assert.deepEqual(stopped([p('old', '1.0.0', 0, 50), p('new', '2.0.0', 49.5, 51)], 51), [['1.0.0', null], ['2.0.0', null]]);
});
