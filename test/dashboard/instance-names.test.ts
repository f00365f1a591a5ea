import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstanceView } from '@headroom/collector/api-types';
import { instanceLabel, instanceNames, isGone, stopBadge, stopIsCrash } from '../../dashboard/src/shape/instance-names';

function inst(instanceId: string, patch: Partial<InstanceView> = {}): InstanceView {
  return {
    instanceId, service: 'shop', host: 'h', pid: null, firstSeen: 0, lastSeen: 600_000, startedAt: null, restarts: 0, stopped: null, rssBytes: null,
    heapUsedBytes: null, heapLimitBytes: null, eventLoopUtilization: null, inFlight: null, settings: {}, resource: {}, ...patch,
  };
}

test('instances are named by cluster role or worker id and pid; the start settings win over a resource read before fork', () => {
  assert.equal(instanceLabel(inst('6b17d5e7-a000-4000-8000-0000b3fcd381', { pid: 8674, settings: { cluster_role: 'primary' }, resource: { 'headroom.cluster.role': 'standalone' } })), 'primary · pid 8674');
  assert.equal(instanceLabel(inst('x', { pid: 8675, resource: { 'headroom.cluster.role': 'worker', 'headroom.cluster.worker_id': 2 } })), 'worker 2 · pid 8675');
  assert.equal(instanceLabel(inst('x', { pid: 42, resource: { 'headroom.cluster.role': 'standalone' } })), 'pid 42');
  assert.equal(instanceLabel(inst('6b17d5e7-a000-4000-8000-0000b3fcd381')), '6b17d5e7-a…b3fcd381', 'nothing else known: the id, shortened');
});

test('names that would repeat keep the id; a process silent for the last two minutes of the range is gone', () => {
  const names = instanceNames([inst('aaaaaaaa-1111', { pid: 7 }), inst('bbbbbbbb-2222', { pid: 7 }), inst('c', { pid: 8 })]);
  assert.deepEqual([...names.values()], ['pid 7 (aaaaaaaa-1111)', 'pid 7 (bbbbbbbb-2222)', 'pid 8']);
  assert.equal(isGone(inst('a', { lastSeen: 600_000 }), 700_000), false);
  assert.equal(isGone(inst('a', { lastSeen: 500_000 }), 700_000), true);
  // A range ending after now (an alert's link) is judged at now: a process that reported a minute ago is live.
  assert.equal(isGone(inst('a', { lastSeen: 640_000 }), 1_000_000, 700_000), false);
  assert.equal(isGone(inst('a', { lastSeen: 500_000 }), 1_000_000, 700_000), true);
});

test('a process that sent its stop event by the end of the range is gone at once, its badge saying how it ended', () => {
  const stop = { at: 650_000, reason: 'signal', signal: 'SIGTERM', exitCode: null, message: 'process stopped by SIGTERM after 2 h' };
  assert.equal(isGone(inst('a', { lastSeen: 690_000, stopped: stop }), 700_000), true);
  assert.equal(isGone(inst('a', { lastSeen: 690_000, stopped: stop }), 640_000), false, 'not yet stopped at the end of an earlier range');
  assert.equal(stopBadge(stop), 'stopped by SIGTERM');
  assert.equal(stopBadge({ ...stop, reason: 'exit', signal: null, exitCode: 3 }), 'exited (code 3)');
  assert.equal(stopBadge({ ...stop, reason: 'natural', signal: null, exitCode: 0 }), 'ended');
  assert.equal(stopBadge({ ...stop, reason: 'uncaught_exception', signal: null }), 'crashed');
  // A cluster worker its primary reported killed by a signal it did not send (SIGKILL, the OOM killer).
  assert.equal(stopBadge({ ...stop, reason: 'killed', signal: 'SIGKILL' }), 'killed by SIGKILL');
  assert.equal(stopBadge({ ...stop, reason: 'something-else', signal: null }), 'stopped');
  // Shown as errors: a crash, a worker killed, an exit with an error code (a SIGTERM'd app exiting 1 too); not a clean stop.
  assert.deepEqual(
    [stop, { ...stop, reason: 'uncaught_exception' }, { ...stop, reason: 'killed', signal: 'SIGKILL' }, { ...stop, reason: 'exit', exitCode: 1 }, { ...stop, exitCode: 1 }, { ...stop, reason: 'natural', exitCode: 0 }].map(stopIsCrash),
    [false, true, true, true, true, false],
  );
});
