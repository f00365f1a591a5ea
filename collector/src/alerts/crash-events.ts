// Which processes ended abnormally, for the `crash.count` alert series, each counted once: an
// instance by how it ended (store/instance-stop.ts: its own stop saying an exception no one
// handled ended it or it exited with an error code, else its primary's report that it was
// killed by a signal the primary did not send or exited with an error code), and a worker its
// primary reported that never reported itself by that report alone (killed, or exited without
// the primary asking). A worker that crashed with an uncaught exception sends its stop AND is
// reported by its primary: one crash. A process that crashed fatally also sends an
// `uncaught_exception` event; that is not counted. A standalone process killed by SIGKILL sends
// nothing: that one shows as a restart (`restart.count`) or as silence.
import type { EventView } from '../api-types';
import { stopIsCrash } from '../store/instance-stop';
import type { InstanceEndings } from '../store/storage';

/** The crashes among the endings at or after `from`, and the worker exits that named no instance. */
export function countCrashes(endings: InstanceEndings, workerExits: Pick<EventView, 'id' | 'attributes'>[], from: number, instanceId: string | null): number {
  let n = 0;
  for (const [id, stop] of endings.stops) {
    if (stop.at >= from && (instanceId === null || id === instanceId) && stopIsCrash(stop)) n++;
  }
  for (const e of workerExits) {
    if (!endings.workerExitInstances.has(e.id) && e.attributes['headroom.worker.intended'] !== true) n++;
  }
  return n;
}
