// Which stored events are a process ending abnormally, for the `crash.count` alert series:
// its own stop event saying an exception no one handled ended it or it exited with an error
// code (agent/src/signals/process-stop.ts), or a cluster primary's report of a worker it did
// not stop (killed by a signal — SIGKILL is also the OOM killer's — or exited on its own). A
// process that crashed fatally also sends an `uncaught_exception` event; only its stop counts,
// so each process is counted once. A standalone process killed by SIGKILL sends nothing: that
// one shows as a restart (`restart.count`) or as silence.
import type { EventView } from '../api-types';
import { instanceStop, stopIsCrash } from '../store/instance-stop';

export function isCrash(event: Pick<EventView, 'type' | 'timeMs' | 'message' | 'attributes'>): boolean {
  if (event.type === 'stop') return stopIsCrash(instanceStop(event.timeMs, event.message, event.attributes));
  if (event.type === 'worker_exit') return event.attributes['headroom.worker.intended'] !== true;
  return false;
}
