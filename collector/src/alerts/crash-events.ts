// Which processes ended abnormally, for the `crash.count` alert series, each counted once: an
// instance by how it ended (store/instance-stop.ts: its own stop saying an exception no one
// handled ended it or it exited with an error code, else its primary's report that it was
// killed by a signal the primary did not send or exited with an error code), and a worker its
// primary reported that never reported itself by that report alone (killed, or exited without
// the primary asking). A worker that crashed with an uncaught exception sends its stop AND is
// reported by its primary: one crash. A process that crashed fatally also sends an
// `uncaught_exception` event; that is not counted. A standalone process killed by SIGKILL sends
// nothing: that one shows as a restart (`restart.count`) or as silence.
import { stopIsCrash } from '../store/instance-stop';
import type { InstanceEndings } from '../store/storage';

/**
 * The crashes among the endings at or after `from`, plus the window's worker exits that named no
 * instance and that their primary did not ask for (counted in SQL: Storage.countUnnamedWorkerExits).
 */
export function countCrashes(endings: InstanceEndings, unnamedWorkerExits: number, from: number, instanceId: string | null): number {
  let n = unnamedWorkerExits;
  for (const [id, stop] of endings.stops) {
    if (stop.at >= from && (instanceId === null || id === instanceId) && stopIsCrash(stop)) n++;
  }
  return n;
}
